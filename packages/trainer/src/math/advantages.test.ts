import { describe, expect, it } from 'vitest';
import { groupAdvantages, multiRewardAdvantages, nanStd } from './advantages.js';
import { PerPromptStatTracker } from './stat-tracker.js';

const EPS = 1e-4;

function expectClose(actual: readonly number[], expected: readonly number[], digits = 10): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i] ?? Number.NaN, digits));
}

describe('groupAdvantages', () => {
  it('group scaling with the Bessel-corrected std (TRL, T2I-R1)', () => {
    // [1,2,3,4]: mean 2.5, Σ(r − mean)² = 5, sample std = sqrt(5/3)
    const { advantages } = groupAdvantages([1, 2, 3, 4], 4);
    const std = Math.sqrt(5 / 3);
    expectClose(
      advantages,
      [-1.5, -0.5, 0.5, 1.5].map((d) => d / (std + EPS)),
    );
  });

  it('group scaling with the population std', () => {
    const { advantages } = groupAdvantages([1, 2, 3, 4], 4, { std: 'population' });
    const std = Math.sqrt(5 / 4);
    expectClose(
      advantages,
      [-1.5, -0.5, 0.5, 1.5].map((d) => d / (std + EPS)),
    );
  });

  it('two groups of two: group, batch and none (Dr. GRPO) scaling', () => {
    const rewards = [0, 1, 2, 6];
    // group 1: mean 0.5, std sqrt(0.5); group 2: mean 4, std sqrt(8)
    expectClose(groupAdvantages(rewards, 2).advantages, [
      -0.5 / (Math.sqrt(0.5) + EPS),
      0.5 / (Math.sqrt(0.5) + EPS),
      -2 / (Math.sqrt(8) + EPS),
      2 / (Math.sqrt(8) + EPS),
    ]);
    // batch: mean 2.25, Σ squares = 5.0625 + 1.5625 + 0.0625 + 14.0625 = 20.75, sample std = sqrt(20.75 / 3)
    const batchStd = Math.sqrt(20.75 / 3);
    expectClose(
      groupAdvantages(rewards, 2, { scale: 'batch' }).advantages,
      [-0.5, 0.5, -2, 2].map((d) => d / (batchStd + EPS)),
    );
    expectClose(groupAdvantages(rewards, 2, { scale: 'none' }).advantages, [-0.5, 0.5, -2, 2]);
  });

  it('epsilon is configurable', () => {
    const { advantages } = groupAdvantages([0, 1], 2, { epsilon: 0.5 });
    expectClose(advantages, [-0.5 / (Math.sqrt(0.5) + 0.5), 0.5 / (Math.sqrt(0.5) + 0.5)]);
  });

  it('groups by explicit keys, in any order', () => {
    const byKey = groupAdvantages([0, 2, 1, 6], ['a', 'b', 'a', 'b']);
    const contiguous = groupAdvantages([0, 1, 2, 6], 2);
    expectClose(byKey.advantages, [contiguous.advantages[0]!, contiguous.advantages[2]!, contiguous.advantages[1]!, contiguous.advantages[3]!]);
  });

  it('ignores null and NaN rewards instead of counting them as 0', () => {
    const result = groupAdvantages([1, null, 3, Number.NaN], 4);
    // valid rewards [1, 3]: mean 2 (it would be 1 if the missing ones counted as 0), sample std sqrt(2)
    expectClose(result.advantages, [-1 / (Math.SQRT2 + EPS), 0, 1 / (Math.SQRT2 + EPS), 0]);
    expect(result.valid).toEqual([true, false, true, false]);
    expect(result.baseline[0]).toBe(2);
  });

  it('a group with equal rewards has zero advantage in every mode', () => {
    for (const scale of ['group', 'batch', 'none'] as const) {
      for (const std of ['sample', 'population'] as const) {
        const { advantages } = groupAdvantages([0.7, 0.7, 0.7, 0.7, 0.1, 0.9, 0.4, 0.2], 4, { scale, std });
        expectClose(advantages.slice(0, 4), [0, 0, 0, 0]);
      }
    }
  });

  it('rejects batches that do not split into groups', () => {
    expect(() => groupAdvantages([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => groupAdvantages([1, 2], ['a'])).toThrow(RangeError);
  });

  it('nanStd of fewer than two values is 0', () => {
    expect(nanStd([5])).toBe(0);
    expect(nanStd([5], 'population')).toBe(0);
    expect(nanStd([])).toBe(0);
  });
});

describe('multiRewardAdvantages', () => {
  const matrix = [
    [1, 0],
    [0, 1],
    [1, 1],
    [0, 0],
  ];

  it('sum-then-normalize: weighted sum, then group normalisation', () => {
    const result = multiRewardAdvantages(matrix, 4, { weights: [1, 2] });
    // sums [1, 2, 3, 0]: mean 1.5, sample std sqrt(5/3)
    expectClose(result.combined, [1, 2, 3, 0]);
    const std = Math.sqrt(5 / 3);
    expectClose(
      result.advantages,
      [-0.5, 0.5, 1.5, -1.5].map((d) => d / (std + EPS)),
    );
  });

  it('sum-of-advantages: each reward normalised in its group, then weighted sum (no batch step)', () => {
    const result = multiRewardAdvantages(matrix, 4, { weights: [1, 2], mode: 'sum-of-advantages' });
    // each column is two 1s and two 0s: mean 0.5, sample std sqrt(1/3), so ±a with a = 0.5 / (sqrt(1/3) + ε)
    const a = 0.5 / (Math.sqrt(1 / 3) + EPS);
    expectClose(result.advantages, [a - 2 * a, -a + 2 * a, a + 2 * a, -a - 2 * a]);
  });

  it('normalize-then-sum (TRL): per-reward group normalisation, weighted sum, then a batch z-score', () => {
    const result = multiRewardAdvantages(matrix, 4, { weights: [1, 2], mode: 'normalize-then-sum' });
    const a = 0.5 / (Math.sqrt(1 / 3) + EPS);
    const sums = [-a, a, 3 * a, -3 * a];
    expectClose(result.normalizedSum!, sums);
    // sums have mean 0 and sample std a·sqrt(20/3)
    const std = a * Math.sqrt(20 / 3);
    expectClose(
      result.advantages,
      sums.map((v) => v / (std + EPS)),
    );
    expect(multiRewardAdvantages(matrix, 4, { mode: 'normalize-then-sum' }).combined).toEqual([1, 1, 2, 0]);
  });

  it('rejects an unknown mode', () => {
    expect(() => multiRewardAdvantages(matrix, 4, { mode: 'bogus' as never })).toThrow(RangeError);
  });

  it('a sample with all rewards missing is invalid; a partly missing one sums what it has', () => {
    const result = multiRewardAdvantages(
      [
        [1, null],
        [null, null],
        [0, 0],
        [1, 1],
      ],
      4,
    );
    expect(result.valid).toEqual([true, false, true, true]);
    // combined [1, NaN, 0, 2]: mean 1, sample std 1
    expectClose(result.advantages, [0, 0, -1 / (1 + EPS), 1 / (1 + EPS)]);
  });
});

describe('PerPromptStatTracker', () => {
  it('normalises per prompt and keeps history until clear()', () => {
    const tracker = new PerPromptStatTracker();
    const first = tracker.update(['p', 'p', 'q', 'q'], [1, 3, 5, 5]);
    // p: mean 2, population std 1; q: equal rewards → 0
    expectClose(first.advantages, [-1 / (1 + EPS), 1 / (1 + EPS), 0, 0]);
    const second = tracker.update(['p', 'p'], [5, 7]);
    // p's history [1, 3, 5, 7]: mean 4, population std sqrt(5)
    expectClose(second.advantages, [1 / (Math.sqrt(5) + EPS), 3 / (Math.sqrt(5) + EPS)]);
    expect(tracker.stats()).toEqual({ prompts: 2, meanGroupSize: 3 });
    tracker.clear();
    expectClose(tracker.update(['p', 'p'], [5, 7]).advantages, [-1 / (1 + EPS), 1 / (1 + EPS)]);
  });

  it('global std uses the whole batch', () => {
    const tracker = new PerPromptStatTracker({ globalStd: true });
    const result = tracker.update(['p', 'p', 'q', 'q'], [0, 1, 2, 6]);
    const batchStd = Math.sqrt(20.75 / 4);
    expectClose(
      result.advantages,
      [-0.5, 0.5, -2, 2].map((d) => d / (batchStd + EPS)),
    );
  });

  it('ignores missing rewards, bounds history, and round-trips through JSON', () => {
    const tracker = new PerPromptStatTracker({ historySize: 2 });
    const result = tracker.update(['p', 'p', 'p'], [1, null, 3]);
    expect(result.valid).toEqual([true, false, true]);
    tracker.update(['p'], [5]);
    const restored = PerPromptStatTracker.fromJSON(JSON.parse(JSON.stringify(tracker.toJSON())));
    // history bounded to the last two, [5, 4]: mean 4.5, population std 0.5 (unbounded it would be [1, 3, 5, 4])
    const a = tracker.update(['p'], [4]).advantages;
    const b = restored.update(['p'], [4]).advantages;
    expect(b).toEqual(a);
    expectClose(a, [(4 - 4.5) / (0.5 + EPS)]);
  });
});
