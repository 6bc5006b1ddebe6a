/**
 * Detector reward overhead: per-image time of the full reward (doScore: prompt parse, preprocessing, the
 * model, post-processing, NMS and scoring) against the raw model call (GraphModel.execute on the same
 * already-preprocessed input, plus reading the output) on the same photos, measured interleaved in one run.
 *
 *   npm run bench -w @t2i-reward/detector [-- --reps 3]
 */
import { EXAMPLE_IMAGES, type RewardSample, loadImage } from '@t2i-reward/core';
import Table from 'cli-table3';
import { CenterNetBackend, createDetectorReward } from '../src/index.js';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 5;

const backend = new CenterNetBackend();
const { tf, model } = await backend.load();
const reward = createDetectorReward({ detector: backend });

const photos = await Promise.all(EXAMPLE_IMAGES.map(async (e) => ({ image: await loadImage(e.path), prompt: e.prompt })));
// 8 samples: the six photos, then the first two again (an RL group scores 8 images per prompt batch).
const samples: RewardSample[] = Array.from({ length: 8 }, (_, i) => photos[i % photos.length] as RewardSample);
const inputs = samples.map((s) => backend.preprocess(tf, s.image));

async function rawCall(batch: number): Promise<number> {
  const start = performance.now();
  for (let offset = 0; offset < samples.length; offset += batch) {
    const outputs = inputs.slice(offset, offset + batch).map((input) => backend.execute(model, input));
    await Promise.all(outputs.map((o) => o.data()));
    for (const o of outputs) o.dispose();
  }
  return (performance.now() - start) / samples.length;
}

async function fullReward(batch: number): Promise<number> {
  const start = performance.now();
  for (let offset = 0; offset < samples.length; offset += batch) {
    const results = await reward.doScore(samples.slice(offset, offset + batch));
    if (results.some((r) => r.error)) throw new Error(`reward failed: ${results.find((r) => r.error)?.error?.message}`);
  }
  return (performance.now() - start) / samples.length;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

// Warm-up: first calls compile kernels and allocate.
await rawCall(1);
await fullReward(8);

const timings: Record<string, number[]> = { raw1: [], full1: [], raw8: [], full8: [] };
for (let r = 0; r < reps; r++) {
  // Interleaved so both sides see the same machine load.
  timings.raw1?.push(await rawCall(1));
  timings.full1?.push(await fullReward(1));
  timings.raw8?.push(await rawCall(8));
  timings.full8?.push(await fullReward(8));
}

const table = new Table({ head: ['batch', 'raw model ms/img', 'full reward ms/img', 'raw img/s', 'reward img/s', 'overhead'] });
for (const batch of [1, 8]) {
  const raw = median(timings[`raw${batch}`] ?? []);
  const full = median(timings[`full${batch}`] ?? []);
  table.push([batch, raw.toFixed(1), full.toFixed(1), (1000 / raw).toFixed(2), (1000 / full).toFixed(2), `${(((full - raw) / raw) * 100).toFixed(1)}%`]);
}
console.log(`CenterNet COCO-80 on TF.js backend '${tf.getBackend()}', ${samples.length} photos (${EXAMPLE_IMAGES.map((e) => e.name).join(', ')}), median of ${reps} interleaved repetitions`);
console.log(table.toString());
console.log('overhead = full reward / raw model call − 1 (target ≤ 10% at batch 8)');

for (const input of inputs) input.dispose();
await reward.dispose();
