/**
 * A real server process for tests that need one (SIGTERM handling, delegation from another process).
 * argv[2] mode:
 * - "gated": expert "gated" holds every batch until the process gets SIGUSR2 (max batch 2, no warm-up);
 * - "bright": mock expert "bright" (mean brightness; fails items whose prompt is "fail me");
 * - "rounds": like "gated" (max batch 4, max queue 256), but after each SIGTERM shutdown it prints "closed" and
 *   starts a fresh server (new gate, new {"url"} line) instead of exiting; SIGINT exits;
 * - "replica": mock expert "bright" taking 30 ms a batch, max batch 1, max queue 2, Retry-After 1: one of several
 *   replicas that a multi-endpoint client fills until it answers 429.
 * Prints {"url": ...} as its first stdout line; on SIGTERM shuts down gracefully, prints "closed", exits 0.
 */
import { createEnsemble } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { createRewardServer } from '../server.js';
import { GatedReward } from './experts.js';

const mode = process.argv[2] ?? 'bright';
if (mode === 'rounds') {
  let gate = new GatedReward();
  process.on('SIGUSR2', () => gate.release());
  process.once('SIGINT', () => process.exit(0));
  for (;;) {
    gate = new GatedReward();
    const server = createRewardServer({
      ensemble: createEnsemble({ experts: [{ name: 'gated', model: gate }] }),
      maxBatch: 4,
      maxWaitMs: 0,
      maxQueue: 256,
      warmup: false,
    });
    const { url } = await server.listen({ port: 0 });
    process.stdout.write(`${JSON.stringify({ url })}\n`);
    await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    await server.close();
    process.stdout.write('closed\n');
  }
}
if (mode === 'replica') {
  const server = createRewardServer({
    ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward({ kind: 'mock', delayMs: 30 }) }] }),
    maxBatch: 1,
    maxWaitMs: 0,
    maxQueue: 2,
    retryAfterSeconds: 1,
    warmup: false,
  });
  const { url } = await server.listen({ port: 0 });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  await new Promise<never>(() => {});
}
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
