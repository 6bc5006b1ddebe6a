import { describe, expect, it } from 'vitest';
import { cosineSimilarity, scoreVariant } from './scoring.js';

const opts = { logitScale: 100, pickscoreNormalization: 'divide-26' as const };

describe('variant formulas', () => {
  it('hps: raw cosine, score clamped to [0, 1]', () => {
    expect(scoreVariant('hps-v2.1', 0.28, opts)).toEqual({ raw: 0.28, score: 0.28 });
    expect(scoreVariant('hps-v2', -0.1, opts)).toEqual({ raw: -0.1, score: 0 });
  });
  it('pickscore: logit_scale · cos, /26 or cosine normalisation', () => {
    const r = scoreVariant('pickscore', 0.215, opts);
    expect(r.raw).toBeCloseTo(21.5, 12);
    expect(r.score).toBeCloseTo(21.5 / 26, 12);
    expect(scoreVariant('pickscore', 0.3, opts).score).toBe(1);
    expect(scoreVariant('pickscore', 0.215, { ...opts, pickscoreNormalization: 'cosine' }).score).toBeCloseTo(0.215, 12);
    expect(scoreVariant('pickscore', 0.2, { ...opts, logitScale: 50 }).raw).toBeCloseTo(10, 12);
  });
  it('clipscore: 2.5 · max(cos, 0); cosine: raw cos', () => {
    expect(scoreVariant('clipscore', 0.3, opts).raw).toBeCloseTo(0.75, 12);
    expect(scoreVariant('clipscore', 0.3, opts).score).toBeCloseTo(0.3, 12);
    expect(scoreVariant('clipscore', -0.2, opts)).toEqual({ raw: 0, score: 0 });
    expect(scoreVariant('cosine', -0.2, opts)).toEqual({ raw: -0.2, score: 0 });
  });
  it('cosine similarity ignores scale and handles zero vectors', () => {
    expect(cosineSimilarity([1, 0], [3, 0])).toBe(1);
    expect(cosineSimilarity([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
  });
});
