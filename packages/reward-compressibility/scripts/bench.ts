/**
 * npm run bench -w @t2i-reward/compressibility: per-image time of the expert on the six bundled photos, and how
 * far sharp's own JPEG defaults (core's encodeImage) and mozjpeg would be from PIL's size, the reference's unit.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { EXAMPLE_IMAGES, loadImage } from '@t2i-reward/core';
import { createCompressibilityReward } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(path.join(here, '..', 'fixtures', 'golden.json'), 'utf8')) as {
  cases: { source: string; photo?: string; quality: number; bytes: number }[];
};
const reward = createCompressibilityReward();
const percent = (a: number, b: number): string => `${((a / b - 1) * 100).toFixed(2)}%`;
const rows: string[] = [];
let total = 0;
for (const example of EXAMPLE_IMAGES) {
  const image = await loadImage(example.path);
  const pil = golden.cases.find((c) => c.source === 'photo' && c.photo === example.name && c.quality === 95)!.bytes;
  const raw = { raw: { width: image.width, height: image.height, channels: 3 as const } };
  const plain = (await sharp(image.data, raw).jpeg({ quality: 95 }).toBuffer()).length;
  const moz = (await sharp(image.data, raw).jpeg({ quality: 95, mozjpeg: true }).toBuffer()).length;
  const [result] = await reward.doScore([{ image, prompt: '' }]);
  const runs = 20;
  const start = performance.now();
  for (let i = 0; i < runs; i++) await reward.doScore([{ image, prompt: '' }]);
  const ms = (performance.now() - start) / runs;
  total += ms;
  rows.push(
    `| ${example.name} | ${image.width}×${image.height} | ${pil} | ${String(result!.details!.bytes)} | ${plain} (${percent(plain, pil)}) | ${moz} (${percent(moz, pil)}) | ${ms.toFixed(1)} |`,
  );
}
console.log('| photo | size | PIL q95 bytes | this expert | sharp jpeg({quality: 95}) | sharp mozjpeg | ms / image |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`mean ${(total / EXAMPLE_IMAGES.length).toFixed(1)} ms / image (one at a time, in-process; sharp encodes on libuv's thread pool)`);
