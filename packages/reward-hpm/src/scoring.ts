/**
 * Score formulas of the CLIP-family variants. Every variant keeps the model's native value as `raw` and maps it
 * to a bounded `score` in [0, 1] for the ensemble.
 */
export const CLIP_VARIANTS = ['hps-v2', 'hps-v2.1', 'pickscore', 'clipscore', 'cosine'] as const;
export type ClipVariant = (typeof CLIP_VARIANTS)[number];

/** PickScore's "[0,1]-ish" normalisation: logit_scale (100) · cosine / 26, as used by Diffusion-DPO / D3PO evals. */
export const PICKSCORE_DIVISOR = 26;
/** CLIPScore weight w of Hessel et al. (2021): CLIPScore = w · max(cos, 0). */
export const CLIPSCORE_WEIGHT = 2.5;

export const PICKSCORE_NORMALIZATIONS = ['divide-26', 'cosine'] as const;
export type PickScoreNormalization = (typeof PICKSCORE_NORMALIZATIONS)[number];

export interface VariantScore {
  raw: number;
  score: number;
}

export interface VariantScoringOptions {
  /** exp(logit_scale) of the checkpoint; PickScore and OpenAI CLIP trained it to the 100 cap. */
  logitScale: number;
  pickscoreNormalization: PickScoreNormalization;
}

const clamp01 = (value: number): number => (value < 0 ? 0 : value > 1 ? 1 : value);

/**
 * raw / score per variant:
 * - hps-v2, hps-v2.1: raw = cosine (T2I-R1 adds it unscaled, ≈ 0.2–0.35 on real checkpoints); score = clamp(cos, 0, 1),
 *   i.e. the raw value itself whenever it is meaningful, so the ensemble sees T2I-R1's scale.
 * - pickscore: raw = logitScale · cosine (≈ 18–23 for PickScore_v1); score = clamp(raw / 26, 0, 1) ('divide-26'),
 *   or clamp(cos, 0, 1) ('cosine').
 * - clipscore: raw = 2.5 · max(cos, 0) ∈ [0, 2.5]; score = raw / 2.5 (the clipped cosine).
 * - cosine: raw = cosine ∈ [−1, 1], T2I-CompBench's non-spatial metric; score = max(cos, 0).
 */
export function scoreVariant(variant: ClipVariant, cosine: number, options: VariantScoringOptions): VariantScore {
  switch (variant) {
    case 'hps-v2':
    case 'hps-v2.1':
      return { raw: cosine, score: clamp01(cosine) };
    case 'pickscore': {
      const raw = options.logitScale * cosine;
      return { raw, score: options.pickscoreNormalization === 'divide-26' ? clamp01(raw / PICKSCORE_DIVISOR) : clamp01(cosine) };
    }
    case 'clipscore': {
      const raw = CLIPSCORE_WEIGHT * Math.max(cosine, 0);
      return { raw, score: raw / CLIPSCORE_WEIGHT };
    }
    case 'cosine':
      return { raw: cosine, score: clamp01(cosine) };
  }
}

/** Cosine similarity of two embeddings (float64 accumulation; not assumed normalised). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`embedding sizes differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const denominator = Math.sqrt(na) * Math.sqrt(nb);
  return denominator === 0 ? 0 : dot / denominator;
}
