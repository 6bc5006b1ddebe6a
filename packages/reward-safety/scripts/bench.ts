/**
 * npm run bench -w @t2i-reward/safety: images per second of the nsfwjs classifier in-thread (TF.js wasm on the
 * calling thread) and in core's worker pool (1 and 2 threads, one image per task), on the six bundled photos and
 * the ten synthetic images of the tests, twice over (32 images a pass), best of 3 passes after a warm-up.
 * Pool workers run at nice 10 by default (the owning thread first); on a loaded machine that starves them, so the
 * pool is also measured at nice 0. Usage: bench.ts [--model mobilenet_v2|inception_v3] [--threads 1,2] [--nice 10,0]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { EXAMPLE_IMAGES, type RewardModelV1, type RewardSample, createPooledReward, createRewardPool, loadImage } from '@t2i-reward/core';
import { syntheticImages } from '../test/synthetic.js';
import { createSafetyReward, type NsfwModelName } from '../src/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet_v2' },
    threads: { type: 'string', default: '1,2' },
    nice: { type: 'string', default: '10,0' },
    passes: { type: 'string', default: '3' },
  },
});
const model = values.model as NsfwModelName;
const photos = await Promise.all(EXAMPLE_IMAGES.map(async ({ path }) => loadImage(path)));
const images = [...photos, ...syntheticImages().map(({ image }) => image)];
const samples: RewardSample[] = [...images, ...images].map((image) => ({ image, prompt: '' }));
const passes = Number(values.passes);

async function imagesPerSecond(reward: RewardModelV1): Promise<number> {
  await reward.doScore(samples.slice(0, 8)); // warm-up: model load, first runs
  let best = Infinity;
  for (let pass = 0; pass < passes; pass++) {
    const start = performance.now();
    const results = await reward.doScore(samples);
    best = Math.min(best, performance.now() - start);
    if (results.some((r) => r.error)) throw new Error(`failed: ${results.find((r) => r.error)!.error!.message}`);
  }
  return samples.length / (best / 1000);
}

const rows: [string, number][] = [];
const inThread = createSafetyReward({ model });
rows.push(['in-thread (TF.js on the calling thread)', await imagesPerSecond(inThread)]);
await inThread.dispose();
for (const nice of values.nice.split(',').map(Number)) {
  for (const threads of values.threads.split(',').map(Number)) {
    const pool = createRewardPool({ threads, nice });
    const pooled = await createPooledReward({ kind: 'safety', backend: { type: 'tfjs' }, options: { model } }, { pool });
    rows.push([`worker pool, ${threads} thread${threads === 1 ? '' : 's'}, nice ${nice}`, await imagesPerSecond(pooled)]);
    await pooled.dispose();
    await pool.destroy();
  }
}
const base = rows[0]![1];
console.log(
  `safety ${model}: ${samples.length} images a pass (6 photos + 10 synthetic, twice), best of ${passes}; ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
);
console.log('| where | images/s | vs in-thread |');
console.log('|---|---|---|');
for (const [where, rate] of rows) console.log(`| ${where} | ${rate.toFixed(2)} | ${(rate / base).toFixed(2)}× |`);
