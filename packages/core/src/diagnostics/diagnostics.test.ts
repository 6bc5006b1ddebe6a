import { describe, expect, it } from 'vitest';
import { bestIndices, expertAgreement, groupIndices, kendallTauB } from './agreement.js';
import { driftAlarms, leastSquaresSlope } from './drift.js';

describe('kendallTauB', () => {
  it('counts concordant and discordant pairs', () => {
    expect(kendallTauB([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // one discordant pair (positions 1, 2) of 6: (5 − 1) / 6
    expect(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 12);
  });

  it('is τ-b: ties in either list shrink the denominator', () => {
    // pairs: (0,1) tied in a, (1,2) tied in b, the other 4 concordant: 4 / √((6 − 1)(6 − 1)) = 0.8 (τ-a would be 4/6)
    expect(kendallTauB([1, 1, 2, 3], [1, 2, 2, 3])).toBeCloseTo(0.8, 12);
    // a pair tied in both lists counts in both tie totals: C = 2 (0–2, 1–2), n₁ = n₂ = 1 → 2 / 2
    expect(kendallTauB([0, 0, 1], [5, 5, 9])).toBe(1);
  });

  it('leaves out missing scores and is null when undefined', () => {
    expect(kendallTauB([1, null, 3], [2, 5, 1])).toBe(-1);
    expect(kendallTauB([1, Number.NaN, 3], [2, 5, 1])).toBe(-1);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(kendallTauB([1], [1])).toBeNull();
    expect(kendallTauB([1, null], [null, 2])).toBeNull();
  });
});

describe('expertAgreement', () => {
  it('averages τ over the groups where it is defined and counts groups whose best samples differ', () => {
    const summary = expertAgreement({ y: [4, 3, 2, 1, 1, 2, 3, 4], x: [1, 2, 3, 4, 1, 1, 1, 1] }, 4);
    expect(summary.experts).toEqual(['x', 'y']);
    expect(summary.groups).toBe(2);
    // group 1: τ = −1; group 2: x is constant (τ undefined)
    expect(summary.pairs).toEqual([{ a: 'x', b: 'y', tau: -1, groups: 1 }]);
    expect(summary.meanTau).toBe(-1);
    // group 1: best {3} vs {0} differ; group 2: x's best (all, tied) includes y's best {3}
    expect(summary.bestDiffers).toBe(0.5);
    expect(summary.bestJudgedGroups).toBe(2);
  });

  it('groups by key and handles three experts', () => {
    const keys = ['p', 'q', 'p', 'q', 'p', 'q'];
    const summary = expertAgreement(
      {
        a: [0.1, 0.5, 0.2, 0.4, 0.3, 0.6],
        b: [0.1, 0.6, 0.2, 0.4, 0.3, 0.5],
        c: [0.3, null, 0.2, 0.1, 0.1, 0.9],
      },
      keys,
    );
    // p = items 0, 2, 4: a = b = (0.1, 0.2, 0.3), c = (0.3, 0.2, 0.1); q = 1, 3, 5: a (0.5, 0.4, 0.6), b (0.6, 0.4, 0.5), c (−, 0.1, 0.9)
    const tau = (x: string, y: string) => summary.pairs.find((p) => p.a === x && p.b === y)!.tau;
    // a–b: p → 1; q → pairs (1,3) C, (1,5) D, (3,5) C → 1/3; mean 2/3
    expect(tau('a', 'b')).toBeCloseTo((1 + 1 / 3) / 2, 12);
    // a–c: p → −1; q (items 3, 5 only) → 1; mean 0
    expect(tau('a', 'c')).toBeCloseTo(0, 12);
    expect(tau('b', 'c')).toBeCloseTo(0, 12);
    expect(summary.meanTau).toBeCloseTo((2 / 3 + 0 + 0) / 3, 12);
    // p: a, b best item 4, c best item 0 → differ; q: a best 5, b best 1, c best 5 → no shared sample → differ
    expect(summary.bestDiffers).toBe(1);
  });

  it('is null when nothing can be judged', () => {
    const summary = expertAgreement({ a: [1, 2], b: [null, null] }, 2);
    expect(summary.pairs[0]!.tau).toBeNull();
    expect(summary.meanTau).toBeNull();
    expect(summary.bestDiffers).toBeNull();
  });

  it('bestIndices and groupIndices', () => {
    expect(bestIndices([0.2, 0.9, 0.9, null])).toEqual([1, 2]);
    expect(bestIndices([null, Number.NaN])).toEqual([]);
    expect(groupIndices(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(groupIndices(3, ['b', 'a', 'b'])).toEqual([[0, 2], [1]]);
    expect(() => groupIndices(3, ['a'])).toThrow(RangeError);
    expect(() => groupIndices(3, 0)).toThrow(RangeError);
  });
});

describe('drift', () => {
  it('fits a least-squares slope', () => {
    // mean x 1, mean y 2; Σ(x−x̄)(y−ȳ) = 1, Σ(x−x̄)² = 2
    expect(
      leastSquaresSlope([
        { step: 0, value: 1 },
        { step: 1, value: 3 },
        { step: 2, value: 2 },
      ]),
    ).toBeCloseTo(0.5, 12);
    expect(
      leastSquaresSlope([
        { step: 1, value: 1 },
        { step: 1, value: 2 },
      ]),
    ).toBeNull();
    expect(
      leastSquaresSlope([
        { step: 1, value: null },
        { step: 2, value: 2 },
      ]),
    ).toBeNull();
  });

  const line = (from: number, to: number, start: number, slope: number) =>
    Array.from({ length: to - from + 1 }, (_, k) => ({ step: from + k, value: start + slope * k }));

  it('raises the alarm when one expert rises and every other falls', () => {
    const alarms = driftAlarms({ a: line(1, 5, 0.1, 0.1), b: line(1, 5, 1, -0.05), c: line(1, 5, 0.8, -0.01) });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.expert).toBe('a');
    expect(alarms[0]!.slope).toBeCloseTo(0.1, 12);
    expect(alarms[0]!.others.b).toBeCloseTo(-0.05, 12);
    expect(alarms[0]!.others.c).toBeCloseTo(-0.01, 12);
    expect([alarms[0]!.fromStep, alarms[0]!.toStep]).toEqual([1, 5]);
  });

  it('stays quiet when the others are flat, when all rise, or with one expert', () => {
    expect(driftAlarms({ a: line(1, 5, 0.1, 0.1), b: line(1, 5, 0.5, -0.001) })).toEqual([]);
    expect(driftAlarms({ a: line(1, 5, 0.1, 0.1), b: line(1, 5, 0.1, 0.05) })).toEqual([]);
    expect(driftAlarms({ a: line(1, 5, 0.1, 0.1) })).toEqual([]);
    // too few points in the window
    expect(driftAlarms({ a: line(1, 2, 0.1, 0.1), b: line(1, 2, 1, -0.1) })).toEqual([]);
  });

  it('fits only the last `window` points', () => {
    // b rose for 10 steps and fell over the last 4: with window 4 the alarm fires, with 14 it does not
    const b = [...line(1, 10, 0, 0.1), ...line(11, 14, 1, -0.1)];
    const a = line(1, 14, 0, 0.02);
    expect(driftAlarms({ a, b }, { window: 4 }).map((x) => x.expert)).toEqual(['a']);
    expect(driftAlarms({ a, b }, { window: 14 })).toEqual([]);
  });
});
