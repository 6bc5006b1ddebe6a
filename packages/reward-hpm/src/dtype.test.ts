import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRgbImage, InvalidConfigError, ModelLoadError, type RewardSample } from '@t2i-reward/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipReference, FIXTURES_DIR, imageRewardReference, tinyClipFolder, TINY_IMAGE_REWARD_DIR } from '../test/fixtures.js';
import { ClipReward } from './clip-reward.js';
import { createHpmReward } from './create.js';
import { ImageRewardModel } from './image-reward.js';
import { onnxFileName } from './options.js';

/**
 * dtype 'q8' loads onnx/*_quantized.onnx (written by scripts/quantize_onnx.py: int8 per-channel weights, 7-bit range,
 * uint8 activations quantised per sample). Tolerances below are for the committed tiny fixtures (width 16, cosines
 * 0.24–0.59): measured max |Δ cosine| vs fp32 0.016 (CLIP, both towers q8), 0.0045 (CLIP, vision tower only), 0.0079
 * (SigLIP); max |Δ raw| 0.019 for ImageReward (z-score units). Tolerances are about twice that. At width 16 every weight column
 * is a few values, so the tiny models lose more than full-size ones: the bench measures ViT-B/32 (README).
 */
const Q8_COSINE_TOLERANCE = 0.03;
const Q8_IMAGE_REWARD_TOLERANCE = 0.04;

const reference = clipReference();
const images = reference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height, 'reference'));
const samples: RewardSample[] = reference.prompts.flatMap((entry) => images.map((image) => ({ image, prompt: entry.prompt })));

/** A temp copy of a fixture folder without `drop` (so a wrong file choice fails to load instead of passing). */
function copyWithout(source: string, drop: string[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hpm-dtype-'));
  cpSync(source, dir, { recursive: true });
  for (const file of drop) rmSync(join(dir, file), { force: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function cosines(model: ClipReward, batch: RewardSample[]): Promise<number[]> {
  const results = await model.doScore(batch);
  await model.dispose();
  return results.map((r) => {
    expect(r.error).toBeUndefined();
    return r.details!['cosine'] as number;
  });
}

const maxAbsDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe("dtype 'q8' (onnx/*_quantized.onnx) on the CLIP family", () => {
  let clip: { dir: string; cleanup: () => void };
  beforeAll(() => {
    clip = tinyClipFolder(['onnx/model.onnx']);
  });
  afterAll(() => clip.cleanup());

  it('maps dtypes to transformers.js file suffixes, per session when asked', () => {
    expect(onnxFileName('vision_model', undefined)).toBe('vision_model.onnx');
    expect(onnxFileName('vision_model', 'q8')).toBe('vision_model_quantized.onnx');
    expect(onnxFileName('text_model', { vision_model: 'q8' })).toBe('text_model.onnx');
    expect(onnxFileName('text_model', 'fp16')).toBe('text_model_fp16.onnx');
  });

  it('loads only the quantised files and scores within the documented tolerance of fp32 and of torch', async () => {
    const fp32 = await cosines(new ClipReward({ variant: 'cosine', model: clip.dir }), samples);
    const onlyQuantized = copyWithout(clip.dir, ['onnx/text_model.onnx', 'onnx/vision_model.onnx']);
    try {
      const q8Model = new ClipReward({ variant: 'cosine', model: onlyQuantized.dir, dtype: 'q8' });
      expect(q8Model.modelId).toContain('/q8/');
      const q8 = await cosines(q8Model, samples);
      const torch = reference.prompts.flatMap((entry) => entry.cosine);
      expect(maxAbsDiff(q8, fp32)).toBeLessThanOrEqual(Q8_COSINE_TOLERANCE);
      expect(maxAbsDiff(q8, torch)).toBeLessThanOrEqual(Q8_COSINE_TOLERANCE);
      // Quantised for real: not the fp32 numbers (fp32 matches torch to ~2e-7).
      expect(maxAbsDiff(q8, fp32)).toBeGreaterThan(1e-5);
      // And fp32 cannot load from a folder without the fp32 files.
      await expect(new ClipReward({ variant: 'cosine', model: onlyQuantized.dir }).doScore(samples.slice(0, 1))).rejects.toSatisfy(ModelLoadError.isInstance);
    } finally {
      onlyQuantized.cleanup();
    }
  });

  it('takes a per-session dtype (int8 vision tower, fp32 text tower) through createHpmReward', async () => {
    const mixed = copyWithout(clip.dir, ['onnx/text_model_quantized.onnx', 'onnx/vision_model.onnx']);
    try {
      const model = createHpmReward({ variant: 'hps-v2.1', model: mixed.dir, dtype: { vision_model: 'q8' } }) as ClipReward;
      expect(model.modelId).toContain('/vision_model=q8/');
      const fp32 = await cosines(new ClipReward({ variant: 'hps-v2.1', model: clip.dir }), samples);
      const q8 = await cosines(model, samples);
      expect(maxAbsDiff(q8, fp32)).toBeLessThanOrEqual(Q8_COSINE_TOLERANCE);
    } finally {
      mixed.cleanup();
    }
  });

  it('loads the quantised tiny SigLIP', async () => {
    const siglipDir = join(FIXTURES_DIR, 'tiny-siglip');
    const siglip = JSON.parse(readFileSync(join(siglipDir, 'reference.json'), 'utf8')) as {
      images: { width: number; height: number; rgb: number[] }[];
      cases: { prompt: string }[];
    };
    const batch = siglip.cases.flatMap((c) =>
      siglip.images.map((image) => ({ image: createRgbImage(Uint8Array.from(image.rgb), image.width, image.height), prompt: c.prompt })),
    );
    const onlyQuantized = copyWithout(siglipDir, ['onnx/text_model.onnx', 'onnx/vision_model.onnx']);
    try {
      const fp32 = await cosines(new ClipReward({ variant: 'cosine', model: siglipDir }), batch);
      const q8 = await cosines(new ClipReward({ variant: 'cosine', model: onlyQuantized.dir, dtype: 'q8' }), batch);
      expect(maxAbsDiff(q8, fp32)).toBeLessThanOrEqual(Q8_COSINE_TOLERANCE);
      expect(maxAbsDiff(q8, fp32)).toBeGreaterThan(1e-6);
    } finally {
      onlyQuantized.cleanup();
    }
  });

  it('rejects an unknown dtype by name', () => {
    expect(() => createHpmReward({ variant: 'cosine', dtype: 'q7' as never })).toThrow(InvalidConfigError);
    expect(() => createHpmReward({ variant: 'cosine', dtype: { vision_model: 'int3' } as never })).toThrow(InvalidConfigError);
  });
});

describe("dtype 'q8' on ImageReward's raw onnxruntime sessions", () => {
  const irReference = imageRewardReference();
  const irImages = irReference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height));
  const irSamples = irReference.cases.flatMap((c) => irImages.map((image) => ({ image, prompt: c.prompt })));

  it('opens vision_model_quantized.onnx + text_model_quantized.onnx and stays within tolerance of fp32', async () => {
    const onlyQuantized = copyWithout(TINY_IMAGE_REWARD_DIR, ['onnx/text_model.onnx', 'onnx/vision_model.onnx']);
    try {
      const model = createHpmReward({ variant: 'image-reward', model: onlyQuantized.dir, dtype: 'q8' }) as ImageRewardModel;
      expect(model.modelId).toBe(`hpm/onnx/image-reward/q8/${onlyQuantized.dir}`);
      const results = await model.doScore(irSamples);
      await model.dispose();
      const q8 = results.map((r) => r.raw as number);
      const fp32 = irReference.cases.flatMap((c) => c.image_reward);
      expect(maxAbsDiff(q8, fp32)).toBeLessThanOrEqual(Q8_IMAGE_REWARD_TOLERANCE);
      expect(maxAbsDiff(q8, fp32)).toBeGreaterThan(1e-6);
      const fp32Model = new ImageRewardModel({ model: onlyQuantized.dir });
      await expect(fp32Model.load()).rejects.toSatisfy(ModelLoadError.isInstance);
    } finally {
      onlyQuantized.cleanup();
    }
  });

  it('names the quantiser script when the q8 files are missing', async () => {
    const fp32Only = copyWithout(TINY_IMAGE_REWARD_DIR, ['onnx/text_model_quantized.onnx', 'onnx/vision_model_quantized.onnx']);
    try {
      await expect(new ImageRewardModel({ model: fp32Only.dir, dtype: 'q8' }).load()).rejects.toThrow(/quantize_onnx\.py/);
    } finally {
      fp32Only.cleanup();
    }
  });
});
