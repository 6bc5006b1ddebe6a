/**
 * Harness overhead, measured side by side in one run: per image, the raw expert call on decoded images vs a
 * full `runBench` (image lookup, decode, cache, protocol, fsync'd JSONL append, reports). Run:
 *   npm run bench -w @t2i-reward/benchmarks
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_IMAGES, loadImage, type RewardModelV1 } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { ScoreCache, withScoreCache } from '../src/cache.js';
import { itemImageSource } from '../src/generators/index.js';
import { createBenchDetector } from '../src/protocols/factory.js';
import { createEnsembleProtocol } from '../src/protocols/ensemble.js';
import { runBench } from '../src/run.js';
import type { BenchItem, Suite } from '../src/types.js';

const repeats = Number(process.env.REPEATS ?? 5);
const items: BenchItem[] = [];
for (let r = 0; r < repeats; r++) {
  EXAMPLE_IMAGES.forEach((e, i) => items.push({ id: `r${r}/${e.name}`, index: i, prompt: `${e.prompt} (${r})`, category: e.name, image: e.path }));
}
const suite: Suite = { name: 'overhead', description: '', defaultProtocol: 'ensemble', categories: [], load: async () => ({ items, problems: [] }) };
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-overhead-'));
const quiet = { progress: false, log: () => {} };

async function timeRaw(model: RewardModelV1, batch: number): Promise<number> {
  const images = await Promise.all(items.map((i) => loadImage(i.image!)));
  const t0 = performance.now();
  for (let s = 0; s < items.length; s += batch) {
    await model.doScore(items.slice(s, s + batch).map((item, j) => ({ image: images[s + j]!, prompt: item.prompt })));
  }
  return (performance.now() - t0) / items.length;
}

async function timeRun(model: RewardModelV1, name: string, batch: number, cacheDir?: string): Promise<number> {
  const expert = cacheDir ? withScoreCache(model, new ScoreCache(cacheDir)) : model;
  const protocol = createEnsembleProtocol({ experts: [{ name: 'e', model: expert }] });
  const t0 = performance.now();
  await runBench({ suite, outDir: path.join(tmp, name), protocol, source: itemImageSource(), batchSize: batch, ...quiet });
  return (performance.now() - t0) / items.length;
}

const row = (label: string, ms: number, base?: number) =>
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms/image${base ? `  ${(ms / base).toFixed(2).padStart(6)}×` : ''}`);

console.log(`${items.length} images (the bundled photos × ${repeats}), batch 4\n`);
// A constant-score mock: its raw call costs ~nothing, so a run's time is the harness's own work.
const mock = createMockReward({ score: () => 0.5 });
await timeRaw(mock, 4);
const rawMock = await timeRaw(mock, 4);
row('constant mock expert, raw doScore on decoded images', rawMock);
row('constant mock, full runBench (= harness overhead)', await timeRun(mock, 'mock', 4));
row('constant mock, runBench + cold score cache', await timeRun(mock, 'mock-cold', 4, path.join(tmp, 'cache')));
row('constant mock, runBench + warm score cache', await timeRun(mock, 'mock-warm', 4, path.join(tmp, 'cache')));

const detector = await createBenchDetector('t2i-r1');
await detector.doScore([{ image: await loadImage(items[0]!.image!), prompt: 'warm up' }]);
// The machine is shared: alternate raw and harness runs and keep each one's best of two.
const rawTimes: number[] = [];
const runTimes: number[] = [];
for (let round = 0; round < 2; round++) {
  rawTimes.push(await timeRaw(detector, 4));
  runTimes.push(await timeRun(detector, `detector-${round}`, 4));
}
const rawDetector = Math.min(...rawTimes);
console.log('');
row('CenterNet detector, raw doScore (best of 2)', rawDetector, rawDetector);
row('CenterNet detector, full runBench (best of 2)', Math.min(...runTimes), rawDetector);
await timeRun(detector, 'detector-cold', 4, path.join(tmp, 'dcache'));
row('CenterNet detector, runBench, warm score cache', await timeRun(detector, 'detector-warm', 4, path.join(tmp, 'dcache')), rawDetector);
await detector.dispose();
await fs.rm(tmp, { recursive: true, force: true });
