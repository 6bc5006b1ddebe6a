/**
 * The server side of bench-pool.ts, in its own process: the default `t2ir serve` ensemble (CenterNet on TF.js)
 * with the detector in core's worker pool or in-process. argv[2]: JSON { pool: boolean, threads?: number, nice?: number }.
 * Prints {"url"} once ready; exits on SIGTERM.
 */
import { createRewardServer, createServeEnsemble } from '@t2i-reward/server';

const options = JSON.parse(process.argv[2] ?? '{}') as { pool: boolean; threads?: number; nice?: number };
const ensemble = await createServeEnsemble(undefined, {
  pool: options.pool ? { ...(options.threads ? { threads: options.threads } : {}), ...(options.nice !== undefined ? { nice: options.nice } : {}) } : false,
});
const server = createRewardServer({ ensemble, maxQueue: 4096 });
const { url } = await server.listen();
await server.ready;
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
