/**
 * Reward middleware cost and gain, side by side in one run on the real CenterNet detector and the bundled photos:
 * the bare model, the model wrapped in metrics + cache middleware on a cold cache (every image a miss), and the
 * same wrapper again (every image a hit). Prints ms per image and ratios, never a pass/fail. Run:
 *   node --conditions=t2ir-source --import tsx benchmarks/scripts/middleware.ts
 */
import { EXAMPLE_IMAGES, cacheMiddleware, loadImage, metricsMiddleware, wrapRewardModel, type RewardSample } from '@t2i-reward/core';
import { createDetectorReward } from '@t2i-reward/detector';

const repeats = Number(process.env.REPEATS ?? 3);
const images = await Promise.all(EXAMPLE_IMAGES.map((example) => loadImage(example.path)));
const samples: RewardSample[] = images.map((image, i) => ({ image, prompt: EXAMPLE_IMAGES[i]!.prompt }));
const detector = createDetectorReward();
await detector.doScore(samples.slice(0, 1)); // load + warm up

async function msPerImage(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / samples.length;
}

const rows: [string, number][] = [];
for (let r = 0; r < repeats; r++) {
  const calls: number[] = [];
  const cache = cacheMiddleware();
  const wrapped = wrapRewardModel(detector, [metricsMiddleware((m) => calls.push(m.seconds)), cache]);
  rows.push(['bare model', await msPerImage(() => detector.doScore(samples))]);
  rows.push(['metrics + cache, cold (all misses)', await msPerImage(() => wrapped.doScore(samples))]);
  rows.push(['metrics + cache, warm (all hits)', await msPerImage(() => wrapped.doScore(samples))]);
  if (cache.hits !== samples.length || cache.misses !== samples.length || calls.length !== 2) throw new Error('unexpected cache counts');
}
await detector.dispose();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const byName = new Map<string, number[]>();
for (const [name, ms] of rows) byName.set(name, [...(byName.get(name) ?? []), ms]);
const bare = median(byName.get('bare model')!);
console.log(`${samples.length} photos × ${repeats} runs, median ms/image (ratio to the bare model):`);
for (const [name, values] of byName) console.log(`  ${name.padEnd(36)} ${median(values).toFixed(2).padStart(8)}  ×${(median(values) / bare).toFixed(3)}`);
