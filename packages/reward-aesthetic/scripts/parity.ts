/** Prints the largest difference between this package and torch on the tiny fixture (embeddings and scores). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRgbImage } from '@t2i-reward/core';
import { createAestheticReward } from '../src/index.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tiny-aesthetic');
const reference = JSON.parse(readFileSync(path.join(fixture, 'reference.json'), 'utf8')) as {
  images: { width: number; height: number; rgb: number[] }[];
  image_embeds: number[][];
  scores: number[];
};
const images = reference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height));
const reward = createAestheticReward({ model: fixture });
const embeds = await reward.embed(images);
const results = await reward.doScore(images.map((image) => ({ image, prompt: '' })));
const embedError = Math.max(...embeds.flatMap((e, i) => Array.from(e, (v, k) => Math.abs(v - reference.image_embeds[i]![k]!))));
const scoreError = Math.max(...results.map((r, i) => Math.abs(r.raw! - reference.scores[i]!)));
console.log(
  `max |embedding − torch| ${embedError.toExponential(2)}, max |score − torch| ${scoreError.toExponential(2)} (scores ${results.map((r) => r.raw!.toFixed(6)).join(', ')})`,
);
await reward.dispose();
