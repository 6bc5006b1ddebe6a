import { createRgbImage, InvalidImageInputError, loadImage, ModelDisposedError, ModelLoadError, RewardAbortedError, type RewardSample } from '@t2i-reward/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipReference, FIXTURES_DIR, spyOnSessionRun, tinyClipFolder } from '../test/fixtures.js';
import { ClipReward } from './clip-reward.js';

const reference = clipReference();
const images = reference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height, 'reference'));

let folder: { dir: string; cleanup: () => void };
beforeAll(() => {
  folder = tinyClipFolder();
});
afterAll(() => folder.cleanup());

function referenceSamples(): RewardSample[] {
  return reference.prompts.flatMap((entry) => images.map((image) => ({ image, prompt: entry.prompt })));
}

function maxCosineError(results: { raw: number | null; details?: Record<string, unknown> }[]): number {
  let worst = 0;
  reference.prompts.forEach((entry, p) =>
    entry.cosine.forEach((expected, i) => {
      const got = results[p * images.length + i]!.details!['cosine'] as number;
      worst = Math.max(worst, Math.abs(got - expected));
    }),
  );
  return worst;
}

describe('ClipReward on the tiny random-weight CLIP (HF layout, real CLIP tokenizer)', () => {
  it('matches the torch reference cosine within 1e-5 (split layout: text_model + vision_model)', async () => {
    const model = new ClipReward({ variant: 'cosine', model: folder.dir });
    const results = await model.doScore(referenceSamples());
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect(maxCosineError(results)).toBeLessThanOrEqual(1e-5);
    await model.dispose();
  });

  it('matches the torch reference within 1e-5 on the combined layout (onnx/model.onnx only)', async () => {
    const combined = tinyClipFolder(['onnx/text_model.onnx', 'onnx/vision_model.onnx']);
    try {
      const model = new ClipReward({ variant: 'cosine', model: combined.dir });
      const results = await model.doScore(referenceSamples());
      expect(maxCosineError(results)).toBeLessThanOrEqual(1e-5);
      expect(model.stats.textEncoderCalls).toBe(1);
      await model.dispose();
    } finally {
      combined.cleanup();
    }
  });

  it('applies each variant formula to the same cosine', async () => {
    const cosine = reference.prompts[0]!.cosine[0]!;
    const sample = [{ image: images[0]!, prompt: reference.prompts[0]!.prompt }];
    const score = async (init: Partial<ConstructorParameters<typeof ClipReward>[0]>) => {
      const model = new ClipReward({ variant: 'cosine', model: folder.dir, ...init });
      const [result] = await model.doScore(sample);
      await model.dispose();
      return result!;
    };
    expect((await score({ variant: 'hps-v2.1' })).raw).toBeCloseTo(cosine, 5);
    const pick = await score({ variant: 'pickscore' });
    expect(pick.raw).toBeCloseTo(100 * cosine, 3);
    expect(pick.score).toBeCloseTo(Math.min(1, Math.max(0, (100 * cosine) / 26)), 5);
    const clip = await score({ variant: 'clipscore' });
    expect(clip.raw).toBeCloseTo(2.5 * Math.max(cosine, 0), 5);
  });

  it("takes PickScore's logit scale from config.json t2i_reward.logit_scale unless the option sets it", async () => {
    const scaled = tinyClipFolder();
    try {
      const configPath = join(scaled.dir, 'config.json');
      writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), t2i_reward: { logit_scale: 50 } }));
      const sample = [{ image: images[0]!, prompt: reference.prompts[0]!.prompt }];
      const fromConfig = new ClipReward({ variant: 'pickscore', model: scaled.dir });
      const fromOption = new ClipReward({ variant: 'pickscore', model: scaled.dir, logitScale: 80 });
      const cosine = reference.prompts[0]!.cosine[0]!;
      expect((await fromConfig.doScore(sample))[0]!.raw).toBeCloseTo(50 * cosine, 3);
      expect((await fromOption.doScore(sample))[0]!.raw).toBeCloseTo(80 * cosine, 3);
      await Promise.all([fromConfig.dispose(), fromOption.dispose()]);
    } finally {
      scaled.cleanup();
    }
  });

  it('encodes the text once for 8 images of one prompt (counter and InferenceSession calls)', async () => {
    const run = await spyOnSessionRun();
    try {
      const model = new ClipReward({ variant: 'hps-v2.1', model: folder.dir });
      await model.load();
      run.mockClear();
      const group = Array.from({ length: 8 }, (_, i) => ({ image: images[i % images.length]!, prompt: 'a green bench and a blue bowl' }));
      const results = await model.doScore(group);
      expect(results).toHaveLength(8);
      expect(model.stats).toMatchObject({ textEncoderCalls: 1, textsEncoded: 1, imageEncoderCalls: 1, imagesEncoded: 8 });
      const feeds = run.mock.calls.map((call) => Object.keys(call[0]));
      expect(feeds.filter((names) => names.includes('input_ids'))).toHaveLength(1);
      expect(feeds.filter((names) => names.includes('pixel_values'))).toHaveLength(1);
      // Distinct prompts in one batch: one text call for all of them.
      await model.doScore([
        { image: images[0]!, prompt: 'a red car' },
        { image: images[1]!, prompt: 'a blue car' },
        { image: images[2]!, prompt: 'a red car' },
      ]);
      expect(model.stats).toMatchObject({ textEncoderCalls: 2, textsEncoded: 3 });
      await model.dispose();
    } finally {
      run.mockRestore();
    }
  });

  it('reuses text embeddings across calls through the LRU, and evicts beyond its size', async () => {
    const model = new ClipReward({ variant: 'hps-v2.1', model: folder.dir, textCacheSize: 2 });
    const sample = (prompt: string) => ({ image: images[0]!, prompt });
    const first = await model.doScore([sample('one cat')]);
    const again = await model.doScore([sample('one cat')]);
    expect(model.stats).toMatchObject({ textsEncoded: 1, textCacheHits: 1 });
    expect(again[0]!.raw).toBe(first[0]!.raw);
    await model.doScore([sample('two cats'), sample('three cats')]); // 'one cat' evicted
    await model.doScore([sample('one cat')]);
    expect(model.stats.textsEncoded).toBe(4);
    const uncached = new ClipReward({ variant: 'hps-v2.1', model: folder.dir, textCacheSize: 0 });
    await uncached.doScore([sample('one cat')]);
    await uncached.doScore([sample('one cat')]);
    expect(uncached.stats).toMatchObject({ textsEncoded: 2, textCacheHits: 0 });
    await Promise.all([model.dispose(), uncached.dispose()]);
  });

  it('splits image batches at maxImageBatch', async () => {
    const model = new ClipReward({ variant: 'cosine', model: folder.dir, maxImageBatch: 3 });
    const results = await model.doScore(referenceSamples());
    expect(model.stats.imageEncoderCalls).toBe(5);
    expect(model.stats.textEncoderCalls).toBe(1);
    expect(maxCosineError(results)).toBeLessThanOrEqual(1e-5);
    await model.dispose();
  });

  describe('bad input', () => {
    let model: ClipReward;
    beforeAll(() => {
      model = new ClipReward({ variant: 'hps-v2.1', model: folder.dir });
    });
    afterAll(() => model.dispose());

    it('scores an empty prompt with a warning', async () => {
      const [result] = await model.doScore([{ image: images[0]!, prompt: '' }]);
      expect(result!.score).toEqual(expect.any(Number));
      expect(result!.warnings.join()).toMatch(/empty prompt/);
    });

    it('truncates a 5,000-character prompt to 77 tokens with a warning', async () => {
      const prompt = 'a photo of a red bicycle leaning on a blue wall '.repeat(120).slice(0, 5000);
      const [result] = await model.doScore([{ image: images[0]!, prompt }]);
      expect(result!.score).toEqual(expect.any(Number));
      expect(result!.details!['promptTokens']).toBe(77);
      expect(result!.warnings.join()).toMatch(/truncated to 77 tokens/);
    });

    it('scores grayscale, RGBA and 1×1 PNGs decoded by core (1×1 with a warning)', async () => {
      const gray = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 90, b: 90 } } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
      const rgba = await sharp({ create: { width: 20, height: 50, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 0.4 } } })
        .png()
        .toBuffer();
      const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 0, g: 255, b: 0 } } })
        .png()
        .toBuffer();
      expect((await sharp(gray).metadata()).channels).toBe(1);
      expect((await sharp(rgba).metadata()).channels).toBe(4);
      const decoded = await Promise.all([gray, rgba, tiny].map((bytes) => loadImage(bytes)));
      const results = await model.doScore(decoded.map((image) => ({ image, prompt: 'a red square' })));
      for (const result of results) {
        expect(result.error).toBeUndefined();
        expect(result.score).toBeGreaterThanOrEqual(0);
        expect(result.score).toBeLessThanOrEqual(1);
      }
      expect(results[2]!.warnings.join()).toMatch(/1×1, upscaled/);
    });

    it('fails one malformed RgbImage clearly without failing the batch', async () => {
      const broken = { data: new Uint8Array(10), width: 4, height: 4, hash: 'x' };
      const results = await model.doScore([
        { image: broken, prompt: 'a cat' },
        { image: images[0]!, prompt: 'a cat' },
      ]);
      expect(InvalidImageInputError.isInstance(results[0]!.error)).toBe(true);
      expect(results[0]!.error!.message).toMatch(/width·height·3/);
      expect(results[1]!.score).toEqual(expect.any(Number));
    });
  });

  it('rejects aborted calls and calls after dispose', async () => {
    const model = new ClipReward({ variant: 'cosine', model: folder.dir });
    const controller = new AbortController();
    controller.abort();
    await expect(model.doScore([{ image: images[0]!, prompt: 'x' }], { signal: controller.signal })).rejects.toSatisfy(RewardAbortedError.isInstance);
    await model.dispose();
    await expect(model.doScore([{ image: images[0]!, prompt: 'x' }])).rejects.toSatisfy(ModelDisposedError.isInstance);
  });

  it('reports a missing model folder as ModelLoadError', async () => {
    const missing = tinyClipFolder(['onnx/text_model.onnx', 'onnx/model.onnx']);
    try {
      const model = new ClipReward({ variant: 'cosine', model: missing.dir });
      await expect(model.doScore([{ image: images[0]!, prompt: 'x' }])).rejects.toSatisfy(ModelLoadError.isInstance);
    } finally {
      missing.cleanup();
    }
  });
});

describe('ClipReward on the tiny random-weight SigLIP (HF layout)', () => {
  interface SiglipReference {
    images: { width: number; height: number; rgb: number[] }[];
    cases: { prompt: string; input_ids: number[]; cosine: number[] }[];
  }
  const siglip = JSON.parse(readFileSync(join(FIXTURES_DIR, 'tiny-siglip', 'reference.json'), 'utf8')) as SiglipReference;
  const siglipImages = siglip.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height));

  it('pads the text to max_length (64), reads pooler_output and matches torch within 1e-5', async () => {
    const run = await spyOnSessionRun();
    try {
      const model = new ClipReward({ variant: 'cosine', model: join(FIXTURES_DIR, 'tiny-siglip') });
      const results = await model.doScore(siglip.cases.flatMap((c) => siglipImages.map((image) => ({ image, prompt: c.prompt }))));
      siglip.cases.forEach((c, p) =>
        c.cosine.forEach((expected, i) => expect(Math.abs((results[p * siglipImages.length + i]!.raw as number) - expected)).toBeLessThanOrEqual(1e-5)),
      );
      const textFeeds = run.mock.calls.map((call) => call[0]).filter((feeds) => 'input_ids' in feeds);
      expect(textFeeds).toHaveLength(1);
      expect((textFeeds[0]!['input_ids'] as { dims: number[] }).dims).toEqual([2, 64]);
      await model.dispose();
    } finally {
      run.mockRestore();
    }
  });
});

describe('HPS letterbox preprocessing', () => {
  it('resizes the longest side and pads with black (hps default), unlike the processor crop', async () => {
    const { dir, cleanup } = tinyClipFolder();
    try {
      // A uniform 64×32 image: letterboxed to 32×32 it is a 32×16 band between two 8-row black bands.
      const colour = [200, 60, 30];
      const wide = createRgbImage(
        Uint8Array.from({ length: 64 * 32 * 3 }, (_, i) => colour[i % 3]!),
        64,
        32,
      );
      const composed = createRgbImage(
        Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => {
          const row = Math.floor(i / (32 * 3));
          return row >= 8 && row < 24 ? colour[i % 3]! : 0;
        }),
        32,
        32,
      );
      const uniform = createRgbImage(
        Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => colour[i % 3]!),
        32,
        32,
      );
      const hps = new ClipReward({ variant: 'hps-v2.1', model: dir });
      const cropped = new ClipReward({ variant: 'hps-v2.1', model: dir, imageResize: 'processor' });
      const prompt = 'a red square';
      const [letterboxed, expected] = await hps.doScore([
        { image: wide, prompt },
        { image: composed, prompt },
      ]);
      const [crop, expectedCrop] = await cropped.doScore([
        { image: wide, prompt },
        { image: uniform, prompt },
      ]);
      expect(letterboxed!.details!['imageResize']).toBe('letterbox');
      expect(Math.abs((letterboxed!.raw as number) - (expected!.raw as number))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((crop!.raw as number) - (expectedCrop!.raw as number))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((letterboxed!.raw as number) - (crop!.raw as number))).toBeGreaterThan(1e-4);
      await Promise.all([hps.dispose(), cropped.dispose()]);
    } finally {
      cleanup();
    }
  });
});
