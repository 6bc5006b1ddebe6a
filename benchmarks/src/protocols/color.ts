import type { RgbImage } from '@t2i-reward/core';

/**
 * GenEval's colour hook: the crop of one detected object, the candidate colours, and the object's class name
 * ("car"), which GenEval's prompts include. Returns one of the candidates.
 */
export type ColorClassifier = (crop: RgbImage, candidates: readonly string[], context: { className: string }) => Promise<string>;

/** The three prompts of djghosh13/geneval `evaluation/evaluate_images.py` `color_classification`, per colour. */
export function genevalColorPrompts(color: string, className: string): string[] {
  return [`a photo of a ${color} ${className}`, `a photo of a ${color}-colored ${className}`, `a photo of a ${color} object`];
}

/** A model giving L2-normalised CLIP embeddings (`@t2i-reward/hpm`'s ClipReward has `embed`). */
export interface EmbeddingModel {
  embed(images: readonly RgbImage[], texts: readonly string[]): Promise<{ images: Float32Array[]; texts: Float32Array[] }>;
}

export function isEmbeddingModel(value: unknown): value is EmbeddingModel {
  return typeof value === 'object' && value !== null && typeof (value as EmbeddingModel).embed === 'function';
}

/**
 * GenEval's colour classifier on a CLIP model, as `evaluate_images.py` builds it with clip_benchmark's
 * `zero_shot_classifier` / `run_classification`: per colour, the normalised text embeddings of its three prompts
 * are averaged and the mean re-normalised; the crop's normalised image embedding picks the colour with the largest
 * dot product (first on ties, as argmax). GenEval uses OpenAI CLIP ViT-L/14 with open_clip's transform (resize the
 * short side, centre crop): an `hpm` expert with `variant: 'cosine'` preprocesses the same way.
 */
export function clipColorClassifier(model: EmbeddingModel): ColorClassifier {
  return async (crop, candidates, { className }) => {
    const texts = candidates.flatMap((color) => genevalColorPrompts(color, className));
    const { images, texts: embeddings } = await model.embed([crop], texts);
    const image = images[0]!;
    let best = candidates[0]!;
    let bestValue = -Infinity;
    candidates.forEach((color, c) => {
      const dim = image.length;
      const mean = new Float64Array(dim);
      for (let t = 0; t < 3; t++) {
        const e = embeddings[c * 3 + t]!;
        for (let k = 0; k < dim; k++) mean[k]! += e[k]! / 3;
      }
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += mean[k]! * mean[k]!;
      norm = Math.sqrt(norm);
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += image[k]! * (mean[k]! / norm);
      if (dot > bestValue) {
        bestValue = dot;
        best = color;
      }
    });
    return best;
  };
}
