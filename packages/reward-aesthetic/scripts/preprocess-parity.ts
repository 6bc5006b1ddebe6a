/**
 * How close this package's CLIP preprocessing is to the Python reference's (HF CLIPImageProcessor on PIL, ported in
 * scripts/gen_aesthetic_fixture.py: fixtures/tiny-aesthetic/reference.json `photos`), and transformers.js' own
 * processor for contrast, on the six bundled photos at the fixture's 32-pixel input; plus the score difference
 * against torch on the PIL crops. Run from the repository root:
 *   node --conditions=t2ir-source --import tsx packages/reward-aesthetic/scripts/preprocess-parity.ts
 */
import { readFileSync } from 'node:fs';
import { EXAMPLE_IMAGES, loadImage, loadTransformers, toRawImage } from '@t2i-reward/core';
import { clipResizeCrop, createAestheticReward, readClipPreprocessing } from '../src/index.js';
const fixture = 'packages/reward-aesthetic/fixtures/tiny-aesthetic';
const ref = JSON.parse(readFileSync(`${fixture}/reference.json`, 'utf8')) as { photos: { name: string; crop: string; score: number }[] };
const steps = (await readClipPreprocessing(fixture))!;
const reward = createAestheticReward({ model: fixture });
for (const p of ref.photos) {
  const img = await loadImage(EXAMPLE_IMAGES.find((e) => e.name === p.name)!.path);
  const ours = await clipResizeCrop(img, steps);
  const pil = Buffer.from(p.crop, 'base64');
  const d = Array.from(ours, (v, k) => Math.abs(v - pil[k]!));
  const [r] = await reward.doScore([{ image: img, prompt: '' }]);
  console.log(
    'this package',
    p.name,
    'max',
    Math.max(...d),
    'mean',
    (d.reduce((a, b) => a + b, 0) / d.length).toFixed(3),
    'score diff',
    Math.abs(r!.raw! - p.score).toExponential(2),
  );
}
const t = await loadTransformers();
const proc = await t.AutoImageProcessor.from_pretrained(fixture, { local_files_only: true });
for (const p of ref.photos) {
  const img = await loadImage(EXAMPLE_IMAGES.find((e) => e.name === p.name)!.path);
  const { pixel_values } = (await proc(toRawImage(t.RawImage, img))) as { pixel_values: { data: Float32Array } };
  const pil = Buffer.from(p.crop, 'base64');
  const plane = 32 * 32;
  let max = 0,
    sum = 0;
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < plane; i++) {
      const v = (pixel_values.data[c * plane + i]! * steps.std[c]! + steps.mean[c]!) * 255;
      const d = Math.abs(v - pil[i * 3 + c]!);
      max = Math.max(max, d);
      sum += d;
    }
  console.log('transformers.js', p.name, 'max', max.toFixed(1), 'mean', (sum / (3 * plane)).toFixed(3));
}
