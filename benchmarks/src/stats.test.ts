import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapDelta, bootstrapMean, bootstrapMeanOfGroups } from './stats.js';

describe('bootstrap', () => {
  it('gives the mean, n and a reproducible 95% interval', () => {
    const values = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1];
    const a = bootstrapMean(values);
    expect(a.mean).toBeCloseTo(0.7, 12);
    expect(a.n).toBe(10);
    expect(bootstrapMean(values)).toEqual(a);
    // Normal approximation: 0.7 ± 1.96·sqrt(0.21/10) ≈ [0.42, 0.98]; the bootstrap lands near it.
    expect(a.ci![0]).toBeGreaterThan(0.3);
    expect(a.ci![0]).toBeLessThan(0.5);
    expect(a.ci![1]).toBeGreaterThanOrEqual(0.9);
    expect(a.ci![1]).toBeLessThanOrEqual(1);
    const continuous = [0.1, 0.35, 0.8, 0.55, 0.9, 0.2, 0.61];
    expect(bootstrapMean(continuous, { seed: 'other' }).ci).not.toEqual(bootstrapMean(continuous).ci);
  });

  it('handles empty, single and constant samples', () => {
    expect(bootstrapMean([])).toEqual({ n: 0, mean: null, ci: null });
    expect(bootstrapMean([0.4])).toEqual({ n: 1, mean: 0.4, ci: null });
    expect(bootstrapMean([0.5, 0.5, 0.5]).ci).toEqual([0.5, 0.5]);
  });

  it('interval contains the mean and stays within the data range', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 30 }), (values) => {
        const e = bootstrapMean(values, { resamples: 200 });
        const lo = Math.min(...values);
        const hi = Math.max(...values);
        return e.ci![0] >= lo - 1e-12 && e.ci![1] <= hi + 1e-12 && e.ci![0] <= e.mean! + 1e-12 && e.mean! <= e.ci![1] + 1e-12;
      }),
      { numRuns: 50 },
    );
  });

  it('mean of groups weighs each group equally (GenEval overall)', () => {
    const e = bootstrapMeanOfGroups([[1, 1, 1, 1], [0, 0], []]);
    expect(e.mean).toBe(0.5);
    expect(e.n).toBe(6);
    expect(e.ci).toEqual([0.5, 0.5]);
  });

  it('delta of two samples', () => {
    const d = bootstrapDelta([0, 0, 0, 1], [1, 1, 1, 0]);
    expect(d.mean).toBeCloseTo(0.5, 12);
    expect(d.ci![0]).toBeLessThan(0.5);
    expect(d.ci![1]).toBeGreaterThan(0.5);
  });
});
