import { createRgbImage, loadImage, ModelLoadError } from '@t2i-reward/core';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, imageRewardReference, spyOnSessionRun, TINY_IMAGE_REWARD_DIR } from '../test/fixtures.js';
import { IMAGE_REWARD_MEAN, IMAGE_REWARD_STD, ImageRewardModel } from './image-reward.js';

const reference = imageRewardReference();
const images = reference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height));
const model = new ImageRewardModel({ model: TINY_IMAGE_REWARD_DIR });
afterAll(() => model.dispose());

describe('ImageReward on raw onnxruntime-node (tiny random-weight export)', () => {
  it('uses the published normalisation constants', () => {
    expect(IMAGE_REWARD_MEAN).toBe(0.16717362830052426);
    expect(IMAGE_REWARD_STD).toBe(1.0333394966054072);
  });

  it('matches the torch reference within 1e-5, one vision and one text session call per batch', async () => {
    await model.load();
    const run = await spyOnSessionRun();
    try {
      const samples = reference.cases.flatMap((c) => images.map((image) => ({ image, prompt: c.prompt })));
      const results = await model.doScore(samples);
      expect(run).toHaveBeenCalledTimes(2);
      reference.cases.forEach((c, p) =>
        c.image_reward.forEach((expected, i) => {
          const result = results[p * images.length + i]!;
          expect(Math.abs((result.raw as number) - expected)).toBeLessThanOrEqual(1e-5);
          expect(Math.abs((result.details!['headOutput'] as number) - c.head_output[i]!)).toBeLessThanOrEqual(1e-5);
          expect(result.score).toBeCloseTo(1 / (1 + Math.exp(-expected)), 5);
        }),
      );
    } finally {
      run.mockRestore();
    }
  });

  it('tokenises like the reference WordPiece (via transformers.js, padded to 35)', async () => {
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const tokenizer = await AutoTokenizer.from_pretrained(TINY_IMAGE_REWARD_DIR, { local_files_only: true });
    for (const c of reference.cases) {
      const ids = tokenizer.encode(c.prompt);
      expect([...ids, ...Array<number>(35 - ids.length).fill(0)]).toEqual(c.input_ids);
    }
  });

  it('scores empty, over-long prompts and gray / RGBA / 1×1 PNGs, or fails clearly', async () => {
    const gray = await loadImage(
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#777' } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    );
    const rgba = await loadImage(
      await sharp({ create: { width: 20, height: 50, channels: 4, background: { r: 9, g: 99, b: 199, alpha: 0.5 } } })
        .png()
        .toBuffer(),
    );
    const tiny = await loadImage(
      await sharp({ create: { width: 1, height: 1, channels: 3, background: '#0f0' } })
        .png()
        .toBuffer(),
    );
    const long = 'a red car and a blue bench '.repeat(200).slice(0, 5000);
    const results = await model.doScore([
      { image: gray, prompt: '' },
      { image: rgba, prompt: long },
      { image: tiny, prompt: 'a red car' },
      { image: { data: new Uint8Array(3), width: 2, height: 2, hash: 'bad' }, prompt: 'a red car' },
    ]);
    expect(results[0]!.warnings.join()).toMatch(/empty prompt/);
    expect(results[1]!.warnings.join()).toMatch(/truncated to 35 tokens/);
    expect(results[2]!.warnings.join()).toMatch(/1×1/);
    for (const result of results.slice(0, 3)) expect(result.score).toBeGreaterThan(0);
    expect(results[3]!.error?.code).toBe('INVALID_IMAGE_INPUT');
  });

  it('names the missing files of a folder that is not an export', async () => {
    const broken = new ImageRewardModel({ model: FIXTURES_DIR });
    const failure = await broken.doScore([{ image: images[0]!, prompt: 'x' }]).catch((error: unknown) => error);
    expect(ModelLoadError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/onnx\/vision_model\.onnx/);
  });
});
