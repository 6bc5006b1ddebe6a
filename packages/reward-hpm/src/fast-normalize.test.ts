import { join } from 'node:path';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR, tinyClipFolder } from '../test/fixtures.js';
import { ClipReward, fastNormalizer } from './clip-reward.js';

function noise(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return createRgbImage(data, width, height);
}

describe('direct normalisation of images already at the input size', () => {
  for (const fixture of ['tiny-clip', 'tiny-siglip']) {
    it(`gives bit-identical pixel_values to the ${fixture} image processor and refuses other sizes`, async () => {
      const transformers = await import('@huggingface/transformers');
      const processor = await transformers.AutoImageProcessor.from_pretrained(join(FIXTURES_DIR, fixture), { local_files_only: true });
      const fast = fastNormalizer(transformers as never, processor);
      expect(fast).toBeDefined();
      const { width, height } = fast!;
      const images = [noise(width, height, 1), noise(width, height, 2)];
      const expected = (await processor(images.map((im) => new transformers.RawImage(new Uint8ClampedArray(im.data), im.width, im.height, 3)))) as {
        pixel_values: { data: Float32Array; dims: number[] };
      };
      expect(expected.pixel_values.dims).toEqual([2, 3, height, width]);
      const out = new Float32Array(expected.pixel_values.data.length);
      images.forEach((image, i) => {
        expect(fast!.accepts(image)).toBe(true);
        fast!.write(image, out, i * 3 * width * height);
      });
      expect(Array.from(out)).toEqual(Array.from(expected.pixel_values.data));
      expect(fast!.accepts(noise(width + 8, height, 3))).toBe(false);
      expect(fast!.accepts(noise(width * 2, height * 2, 4))).toBe(false);
    });
  }

  it('is off for a processor that pads or flips channels', async () => {
    const transformers = await import('@huggingface/transformers');
    const processor = await transformers.AutoImageProcessor.from_pretrained(join(FIXTURES_DIR, 'tiny-clip'), { local_files_only: true });
    (processor as unknown as { do_flip_channel_order: boolean }).do_flip_channel_order = true;
    expect(fastNormalizer(transformers as never, processor)).toBeUndefined();
  });

  it('mixes direct and processor-resized images in one batch with the scores each gets alone', async () => {
    const folder = tinyClipFolder();
    try {
      const model = new ClipReward({ variant: 'cosine', model: folder.dir, imageResize: 'processor' });
      const native = noise(32, 32, 5);
      const other = noise(48, 40, 6);
      const prompt = 'a red car next to a tree';
      const together = await model.doScore([
        { image: native, prompt },
        { image: other, prompt },
        { image: native, prompt },
      ]);
      const alone = [(await model.doScore([{ image: native, prompt }]))[0]!, (await model.doScore([{ image: other, prompt }]))[0]!];
      await model.dispose();
      expect(Math.abs((together[0]!.raw as number) - (alone[0]!.raw as number))).toBeLessThan(1e-6);
      expect(Math.abs((together[1]!.raw as number) - (alone[1]!.raw as number))).toBeLessThan(1e-6);
      expect(together[2]!.raw).toBe(together[0]!.raw);
      expect(Math.abs((together[0]!.raw as number) - (together[1]!.raw as number))).toBeGreaterThan(1e-6);
    } finally {
      folder.cleanup();
    }
  });
});
