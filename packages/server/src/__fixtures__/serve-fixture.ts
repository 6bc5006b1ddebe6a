/**
 * A real server process for tests that need one (SIGTERM handling, delegation from another process).
 * argv[2] mode:
 * - "gated": expert "gated" holds every batch until the process gets SIGUSR2 (max batch 2, no warm-up);
 * - "bright": mock expert "bright" (mean brightness; fails items whose prompt is "fail me").
 * Prints {"url": ...} as its first stdout line; on SIGTERM shuts down gracefully, prints "closed", exits 0.
 */
import { createEnsemble } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { createRewardServer } from '../server.js';
import { GatedReward } from './experts.js';

const mode = process.argv[2] ?? 'bright';
const gated = new GatedReward();
const expert =
  mode === 'gated'
    ? { name: 'gated', model: gated }
    : { name: 'bright', model: createMockReward({ kind: 'mock', failWhen: (sample) => sample.prompt === 'fail me' }) };
const server = createRewardServer({ ensemble: createEnsemble({ experts: [expert] }), maxBatch: 2, maxWaitMs: 0, maxQueue: 64, warmup: mode !== 'gated' });
const { url } = await server.listen({ port: 0 });
await server.ready;
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on('SIGUSR2', () => gated.release());
process.once('SIGTERM', () => {
  void server.close().then(() => {
    process.stdout.write('closed\n');
    process.exit(0);
  });
});
