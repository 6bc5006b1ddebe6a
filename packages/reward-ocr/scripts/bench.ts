// OCR reward throughput: images/s through the reward (pool of tesseract workers) and the share of the time
// spent outside tesseract's `recognize`, against raw tesseract.js calls on the same images.
//   npm run bench -w @t2i-reward/ocr            (BENCH_IMAGES=24 BENCH_WORKERS=1,2 to change)
// Images: 512² canvases with the quoted text of the first prompts of Flow-GRPO's OCR test set, rendered from
// the DejaVu TTFs (fonts, sizes, colours, small rotations vary), each scored against its own prompt.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Tesseract from 'tesseract.js';
import { encodeImage, type RgbImage } from '@t2i-reward/core';
import { renderText, type RenderOptions } from '../test/render.js';
import { bundledLanguageDir, createOcrReward, encodePpm, extractTarget } from '../src/index.js';

const count = Number(process.env.BENCH_IMAGES ?? 24);
const workerCounts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const promptsFile = fileURLToPath(new URL('../../../benchmarks/data/flow-grpo-ocr/test.txt', import.meta.url));
const prompts = readFileSync(promptsFile, 'utf8')
  .split(/\r?\n/)
  .filter((line) => line.includes('"'))
  .slice(0, count);
const styles: RenderOptions[] = [
  { font: 'sans', size: 40 },
  { font: 'serif', size: 32, color: '#ffffff', background: '#1a237e' },
  { font: 'mono', size: 30, color: '#b71c1c', background: '#fff8e1', rotate: 3 },
  { font: 'sansBold', size: 48, color: '#ffeb3b', background: '#212121' },
  { font: 'condensedOblique', size: 36, rotate: -4 },
];
const images: RgbImage[] = [];
for (const [i, prompt] of prompts.entries()) images.push(await renderText(extractTarget(prompt).target!.text, styles[i % styles.length]));
const samples = images.map((image, i) => ({ image, prompt: prompts[i]! }));

const ms = (t0: number) => performance.now() - t0;
console.log(`${images.length} images 512×512, prompts from Flow-GRPO's OCR test set; machine: ${(await import('node:os')).availableParallelism()} cores`);

// Raw tesseract.js (one worker, the same PPM bytes, no reward around it) and the reward with each worker count,
// interleaved `reps` times on this shared machine; the best pass of each is reported.
const reps = Number(process.env.BENCH_REPS ?? 3);
const raw = await Tesseract.createWorker('eng', 1, { langPath: bundledLanguageDir(), cacheMethod: 'none', gzip: true });
const ppm = images.map((image) => Buffer.from(encodePpm(image)));
await raw.recognize(ppm[0]!, {}, { text: true, blocks: true });
const rewards = [];
for (const workers of workerCounts) {
  const reward = createOcrReward({ workers });
  const t0 = performance.now();
  await reward.doScore(samples.slice(0, workers)); // starts the workers
  rewards.push({ workers, reward, startMs: ms(t0), best: { wall: Infinity, inside: 0, exact: 0, mean: 0 } });
}
let rawBest = Infinity;
for (let rep = 0; rep < reps; rep++) {
  const t0 = performance.now();
  for (const bytes of ppm) await raw.recognize(bytes, {}, { text: true, blocks: true });
  rawBest = Math.min(rawBest, ms(t0));
  for (const entry of rewards) {
    const before = entry.reward.pool.recognizeMs;
    const t1 = performance.now();
    const results = await entry.reward.doScore(samples);
    const wall = ms(t1);
    if (wall < entry.best.wall) {
      const scores = results.map((r) => r.score ?? 0);
      entry.best = {
        wall,
        inside: entry.reward.pool.recognizeMs - before,
        exact: scores.filter((s) => s === 1).length,
        mean: scores.reduce((a, b) => a + b, 0) / scores.length,
      };
    }
  }
}
await raw.terminate();
console.log(`best of ${reps} interleaved passes over the ${images.length} images`);
console.log(
  `raw tesseract.js, 1 worker, PPM input: ${(images.length / (rawBest / 1000)).toFixed(2)} images/s (${(rawBest / images.length).toFixed(0)} ms/image)`,
);
for (const { workers, reward, startMs, best } of rewards) {
  const outside = 1 - best.inside / (workers * best.wall);
  console.log(
    `reward, ${workers} worker(s): ${(images.length / (best.wall / 1000)).toFixed(2)} images/s (${(rawBest / best.wall).toFixed(2)}× raw); ` +
      `time outside recognize ${(100 * outside).toFixed(1)}% (wall ${best.wall.toFixed(0)} ms × ${workers} vs ${best.inside.toFixed(0)} ms inside); ` +
      `worker start ${startMs.toFixed(0)} ms; mean score ${best.mean.toFixed(3)}, exact ${best.exact}/${images.length}`,
  );
  await reward.dispose();
}

// Why PPM: the bytes handed to tesseract need no compression.
{
  let t0 = performance.now();
  for (const image of images) encodePpm(image);
  const ppm = ms(t0) / images.length;
  t0 = performance.now();
  for (const image of images) await encodeImage(image, 'png');
  const png = ms(t0) / images.length;
  console.log(`encoding for tesseract: PPM ${ppm.toFixed(2)} ms/image, PNG ${png.toFixed(2)} ms/image (PNG/PPM ${(png / ppm).toFixed(0)}×)`);
}
