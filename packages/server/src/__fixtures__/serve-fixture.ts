/**
 * A real server process for tests that need one (SIGTERM handling, delegation from another process).
 * argv: <mode> where mode is "slow" (mock expert "slow", 150 ms per batch, max batch 2) or "bright" (mock
 * expert "bright"). Prints {"url": ...} on its first stdout line and "closed" when SIGTERM's shutdown is done.
 */
import { createEnsemble } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { createRewardServer } from '../server.js';

const mode = process.argv[2] ?? 'bright';
const expert =
  mode === 'slow'
    ? { name: 'slow', model: createMockReward({ kind: 'mock', delayMs: 150 }) }
    : { name: 'bright', model: createMockReward({ kind: 'mock', failWhen: (sample) => sample.prompt === 'fail me' }) };
const server = createRewardServer({ ensemble: createEnsemble({ experts: [expert] }), maxBatch: 2, maxWaitMs: 0, maxQueue: 64 });
const { url } = await server.listen({ port: 0 });
await server.ready;
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => {
    process.stdout.write('closed\n');
    process.exit(0);
  });
});
