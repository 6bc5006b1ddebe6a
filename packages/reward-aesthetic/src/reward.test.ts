import { readFileSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, createRgbImage, loadImage } from '@t2i-reward/core';
import {
  AESTHETIC_HEAD_FILE,
  PUBLISHED_HEAD_WIDTHS,
  clipResizeCrop,
  createAestheticReward,
  explain,
  headFromTensors,
  normaliseAesthetic,
  readClipPreprocessing,
  readSafetensors,
} from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, '..', 'fixtures', 'tiny-aesthetic');
const reference = JSON.parse(readFileSync(path.join(fixture, 'reference.json'), 'utf8')) as {
  images: { width: number; height: number; rgb: number[] }[];
  image_embeds: number[][];
  normalized_embeds: number[][];
  scores: number[];
  photos: { name: string; crop: string; score: number }[];
};
const images = reference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height, 'reference'));

describe('aesthetic predictor on the tiny fixture (torch parity)', () => {
  const reward = createAestheticReward({ model: fixture });
  afterAll(() => reward.dispose());

  it('gives torch’s image embeddings (HF get_image_features) and predictor outputs', async () => {
    const embeds = await reward.embed(images);
    embeds.forEach((embedding, i) => embedding.forEach((v, k) => expect(Math.abs(v - reference.image_embeds[i]![k]!)).toBeLessThan(1e-5)));
    const results = await reward.doScore(images.map((image) => ({ image, prompt: 'any prompt' })));
    results.forEach((result, i) => {
      expect(Math.abs(result.raw! - reference.scores[i]!)).toBeLessThan(1e-5);
      expect(result.score).toBeCloseTo((result.raw! - 1) / 9, 12);
      expect(result.details!.embeddingNorm as number).toBeCloseTo(Math.hypot(...reference.image_embeds[i]!), 4);
    });
    // the head's output differs between the images (the check would pass on a constant otherwise)
    expect(new Set(results.map((r) => r.raw!.toFixed(4))).size).toBe(3);
  });

  it('preprocesses photos as HF CLIPImageProcessor with PIL does (antialiased bicubic), and scores them as torch does', async () => {
    const steps = (await readClipPreprocessing(fixture))!;
    expect(steps).toMatchObject({ shortestEdge: 32, cropHeight: 32, cropWidth: 32 });
    const photos = await Promise.all(reference.photos.map(({ name }) => loadImage(EXAMPLE_IMAGES.find((e) => e.name === name)!.path)));
    const results = await reward.doScore(photos.map((image) => ({ image, prompt: '' })));
    for (const [i, photo] of reference.photos.entries()) {
      const pil = Buffer.from(photo.crop, 'base64');
      const ours = await clipResizeCrop(photos[i]!, steps);
      const diffs = Array.from(ours, (v, k) => Math.abs(v - pil[k]!));
      // sharp's cubic (Catmull-Rom, widened when shrinking) against PIL's BICUBIC: rounding-level differences.
      expect(Math.max(...diffs), photo.name).toBeLessThanOrEqual(12);
      expect(diffs.reduce((a, b) => a + b, 0) / diffs.length, photo.name).toBeLessThan(1.5);
      expect(Math.abs(results[i]!.raw! - photo.score), photo.name).toBeLessThan(2e-3);
    }
  });

  it('scores photos of any size (the processor resizes and crops) and fails only a broken item', async () => {
    const photos = await Promise.all(EXAMPLE_IMAGES.slice(0, 2).map((example) => loadImage(example.path)));
    const results = await reward.doScore([
      { image: photos[0]!, prompt: '' },
      { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'x' }, prompt: '' },
      { image: photos[1]!, prompt: '' },
    ]);
    expect(results[0]!.score).not.toBeNull();
    expect(results[1]!.error?.code).toBe('INVALID_IMAGE_INPUT');
    expect(results[2]!.score).not.toBeNull();
    expect(explain(results[0]!.details)).toBe(`LAION aesthetic ${results[0]!.raw!.toFixed(2)} on its 1–10 scale`);
  });
});

describe('the head file', () => {
  it('reads the published layout: layers.{0,2,4,6,7}, widths chaining to one output', () => {
    const head = headFromTensors(readSafetensors(readFileSync(path.join(fixture, AESTHETIC_HEAD_FILE)), 'fixture'), 'fixture');
    expect(head.widths).toEqual([32, 64, 16, 8, 4, 1]);
    // The published head's shapes (768 → 1024 → 128 → 64 → 16 → 1) load the same way.
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    [0, 2, 4, 6, 7].forEach((index, k) => {
      const [inWidth, out] = [PUBLISHED_HEAD_WIDTHS[k]!, PUBLISHED_HEAD_WIDTHS[k + 1]!];
      tensors.set(`layers.${index}.weight`, { shape: [out, inWidth], data: new Float32Array(out * inWidth).fill(1 / inWidth) });
      tensors.set(`layers.${index}.bias`, { shape: [out], data: new Float32Array(out) });
    });
    const published = headFromTensors(tensors, 'published');
    expect(published.widths).toEqual([...PUBLISHED_HEAD_WIDTHS]);
    expect(published.apply(new Float32Array(768).fill(2))).toBeCloseTo(2, 6);
    expect(() => published.apply(new Float32Array(32))).toThrow(/768-d/);
    tensors.delete('layers.6.bias');
    expect(() => headFromTensors(tensors, 'broken')).toThrow(/layers\.6/);
  });

  it('a missing head is one clear line naming the export script; a corrupt one says what is wrong', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-aesthetic-'));
    try {
      for (const file of ['config.json', 'preprocessor_config.json', 'onnx/vision_model.onnx']) {
        await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await fs.copyFile(path.join(fixture, file), path.join(dir, file));
      }
      const [missing] = await Promise.allSettled([createAestheticReward({ model: dir }).doScore([{ image: images[0]!, prompt: '' }])]);
      expect((missing as PromiseRejectedResult).reason.message).toMatch(
        /cannot read the aesthetic head .*aesthetic-head\.safetensors: ENOENT .*export_aesthetic_head\.py/,
      );
      await fs.writeFile(path.join(dir, AESTHETIC_HEAD_FILE), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]));
      await expect(createAestheticReward({ model: dir }).doScore([{ image: images[0]!, prompt: '' }])).rejects.toThrow(/not a readable safetensors file/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('normalises the 1–10 rating to [0, 1]', () => {
    expect(normaliseAesthetic(1)).toBe(0);
    expect(normaliseAesthetic(10)).toBe(1);
    expect(normaliseAesthetic(5.5)).toBe(0.5);
    expect(normaliseAesthetic(-3)).toBe(0);
    expect(normaliseAesthetic(12)).toBe(1);
  });
});
