import { describe, expect, it } from 'vitest';
import { createTestImage } from '@t2i-reward/core/test';
import { clipColorClassifier, genevalColorPrompts, isEmbeddingModel, type EmbeddingModel } from './color.js';

/** An embedding model with hand-set unit vectors per text, recording what it was asked. */
function fixedModel(image: number[], texts: Record<string, number[]>) {
  const asked: string[][] = [];
  const unit = (v: number[]) => Float32Array.from(v.map((x) => x / Math.hypot(...v)));
  const model: EmbeddingModel = {
    embed: async (_images, list) => {
      asked.push([...list]);
      return { images: [unit(image)], texts: list.map((t) => unit(texts[t] ?? [0, 0, 1])) };
    },
  };
  return { model, asked };
}

describe('GenEval colour classifier on CLIP embeddings', () => {
  it('uses the three prompts of evaluate_images.py with the class name', () => {
    expect(genevalColorPrompts('red', 'car')).toEqual(['a photo of a red car', 'a photo of a red-colored car', 'a photo of a red object']);
  });

  it("averages each colour's normalised prompt embeddings and re-normalises before the dot product", async () => {
    // Image along x. "red": its three prompts all at 60° from x → mean length 1, dot 0.5.
    // "blue": prompts at +50°, −50° and 90° (spread) → mean (2cos50/3, 0, 1/3) → normalised dot ≈ 0.789;
    // without the re-normalisation blue's mean would dot at 2cos50/3 ≈ 0.43 < 0.5 and red would win.
    const deg = (a: number, z = 0) => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180), z];
    const texts: Record<string, number[]> = {};
    for (const p of genevalColorPrompts('red', 'car')) texts[p] = deg(60);
    const [b1, b2, b3] = genevalColorPrompts('blue', 'car');
    texts[b1!] = deg(50);
    texts[b2!] = deg(-50);
    texts[b3!] = [0, 0, 1];
    const { model, asked } = fixedModel([1, 0, 0], texts);
    const classify = clipColorClassifier(model);
    await expect(classify(createTestImage(4, 4), ['red', 'blue'], { className: 'car' })).resolves.toBe('blue');
    expect(asked[0]).toEqual([...genevalColorPrompts('red', 'car'), ...genevalColorPrompts('blue', 'car')]);
    // Ties go to the first candidate (argmax).
    const tie = fixedModel([1, 0, 0], {});
    await expect(clipColorClassifier(tie.model)(createTestImage(2, 2), ['green', 'pink'], { className: 'dog' })).resolves.toBe('green');
  });

  it('recognises models with embeddings', () => {
    expect(isEmbeddingModel(fixedModel([1], {}).model)).toBe(true);
    expect(isEmbeddingModel({ doScore: async () => [] })).toBe(false);
  });
});
