import { createRgbImage } from '@t2i-reward/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipReference, tinyClipFolder } from '../test/fixtures.js';
import { ClipReward } from './clip-reward.js';

const reference = clipReference();
const images = reference.images.map((image) => createRgbImage(Uint8Array.from(image.rgb), image.width, image.height, 'reference'));
const prompts = reference.prompts.map((entry) => entry.prompt);

function normalized(values: readonly number[]): number[] {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

let split: { dir: string; cleanup: () => void };
let combined: { dir: string; cleanup: () => void };
beforeAll(() => {
  split = tinyClipFolder();
  combined = tinyClipFolder(['onnx/text_model.onnx', 'onnx/vision_model.onnx']);
});
afterAll(() => {
  split.cleanup();
  combined.cleanup();
});

describe('ClipReward.embed (for zero-shot classifiers)', () => {
  it.each(['split', 'combined'] as const)('gives the torch reference embeddings, L2-normalised, in input order (%s layout)', async (layout) => {
    const model = new ClipReward({ variant: 'cosine', model: (layout === 'split' ? split : combined).dir });
    try {
      const texts = [prompts[1]!, prompts[0]!, prompts[1]!];
      const out = await model.embed(images, texts);
      expect(out.images).toHaveLength(images.length);
      expect(out.texts).toHaveLength(3);
      out.images.forEach((embedding, i) => {
        const want = normalized(reference.image_embeds[i]!);
        embedding.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-5));
      });
      [1, 0, 1].forEach((p, t) => {
        const want = normalized(reference.prompts[p]!.text_embeds);
        out.texts[t]!.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-5));
      });
      // The dot product of the two is the cosine the scorer reports.
      const dot = out.images[0]!.reduce((sum, v, k) => sum + v * out.texts[1]![k]!, 0);
      expect(Math.abs(dot - reference.prompts[0]!.cosine[0]!)).toBeLessThan(1e-5);
    } finally {
      await model.dispose();
    }
  });

  it('embeds texts alone on the split layout and refuses that on the combined one', async () => {
    const model = new ClipReward({ variant: 'cosine', model: split.dir });
    const both = new ClipReward({ variant: 'cosine', model: combined.dir });
    try {
      expect((await model.embed([], prompts)).texts).toHaveLength(prompts.length);
      await expect(both.embed([], prompts)).rejects.toThrow(RangeError);
    } finally {
      await model.dispose();
      await both.dispose();
    }
  });
});
