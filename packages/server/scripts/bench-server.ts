/**
 * The server side of the bench, in its own process (as in production: clients elsewhere).
 * argv[2]: JSON {expert: "cpu" | "detector", perCallRounds, perItemRounds, maxBatch, maxWaitMs}.
 * Prints {"url"} once ready; exits on SIGTERM.
 */
import { createEnsemble } from '@t2i-reward/core';
import { CpuBoundReward } from '../src/__fixtures__/experts.js';
import { createServeEnsemble } from '../src/from-config.js';
import { createRewardServer } from '../src/server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  expert: 'cpu' | 'detector';
  perCallRounds: number;
  perItemRounds: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue?: number;
};
const ensemble =
  options.expert === 'detector'
    ? await createServeEnsemble()
    : createEnsemble({ experts: [{ name: 'cpu', model: new CpuBoundReward(options.perCallRounds, options.perItemRounds) }] });
const server = createRewardServer({ ensemble, maxBatch: options.maxBatch, maxWaitMs: options.maxWaitMs, maxQueue: options.maxQueue ?? 4096 });
const { url } = await server.listen();
await server.ready;
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
