import { describe, expect, it } from 'vitest';
import { SeededRng } from '../rng.js';
import { multiRewardAdvantages, type MaybeReward, type MultiRewardMode } from './advantages.js';

/*
 * A port of TRL's advantage computation (huggingface/trl, trl/trainer/grpo_trainer.py `_generate_and_score_completions`,
 * both `multi_objective_aggregation` branches, and trl/trainer/utils.py `nanstd`), written from reading that code
 * and kept in torch's vocabulary: NaN is a missing reward, `nanstd` is Bessel-corrected and NaN for ≤ 1 value,
 * `nansum` skips NaN, rows whose rewards are all NaN are "unscorable" and `nan_to_num` zeroes their advantage.
 */
type Matrix = number[][];

function nanmean(values: readonly number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? Number.NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
}

function nanstd(values: readonly number[]): number {
  const mean = nanmean(values);
  const variance = nanmean(values.map((v) => (v - mean) ** 2));
  const count = values.filter((v) => !Number.isNaN(v)).length;
  const correction = count > 1 ? count / (count - 1) : Number.NaN;
  return Math.sqrt(variance * correction);
}

function nansum(values: readonly number[]): number {
  return values.filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0);
}

function trlAdvantages(
  rewardsPerFunc: Matrix,
  weights: readonly number[],
  numGenerations: number,
  aggregation: 'sum_then_normalize' | 'normalize_then_sum',
  scaleRewards: 'group' | 'batch' | 'none',
): number[] {
  const rows = rewardsPerFunc.length;
  const unscorable = rewardsPerFunc.map((row) => row.every((v) => Number.isNaN(v)));
  const groupOf = (i: number): number[] => {
    const start = Math.floor(i / numGenerations) * numGenerations;
    return Array.from({ length: numGenerations }, (_, k) => start + k);
  };
  let advantages: number[];
  if (aggregation === 'sum_then_normalize') {
    const rewards = rewardsPerFunc.map((row, i) => (unscorable[i] ? Number.NaN : nansum(row.map((v, k) => v * weights[k]!))));
    const mean = rewards.map((_, i) => nanmean(groupOf(i).map((j) => rewards[j]!)));
    const std =
      scaleRewards === 'batch'
        ? rewards.map(() => (rows > 1 ? nanstd(rewards) : 0))
        : rewards.map((_, i) => (numGenerations > 1 ? nanstd(groupOf(i).map((j) => rewards[j]!)) : 0));
    advantages = rewards.map((r, i) => (scaleRewards === 'none' ? r - mean[i]! : (r - mean[i]!) / (std[i]! + 1e-4)));
  } else {
    const rewardK = rewardsPerFunc.map((row, i) =>
      row.map((v, k) => {
        const column = groupOf(i).map((j) => rewardsPerFunc[j]![k]!);
        const std = numGenerations > 1 ? nanstd(column) : 0;
        return (v - nanmean(column)) / (std + 1e-4);
      }),
    );
    const rewards = rewardK.map((row, i) => (unscorable[i] ? Number.NaN : nansum(row.map((v, k) => v * weights[k]!))));
    const std = rows > 1 ? nanstd(rewards) : 0;
    const mean = nanmean(rewards);
    advantages = rewards.map((r) => (r - mean) / (std + 1e-4));
  }
  return advantages.map((a) => (Number.isNaN(a) ? 0 : a));
}

/** 24 random cases: 1–4 reward columns, groups of 2–8, 1–4 groups, ~15% missing entries, some constant groups. */
function randomCase(rng: SeededRng): { matrix: Matrix; weights: number[]; groupSize: number } {
  const columns = 1 + rng.int(4);
  const groupSize = 2 + rng.int(7);
  const rows = groupSize * (1 + rng.int(4));
  const constantColumn = rng.next() < 0.3 ? rng.int(columns) : -1;
  const matrix = Array.from({ length: rows }, () =>
    Array.from({ length: columns }, (_, k) => {
      if (rng.next() < 0.15) return Number.NaN;
      return k === constantColumn ? 0.5 : rng.int(3) === 0 ? rng.int(2) : (rng.next() - 0.3) * 4;
    }),
  );
  const weights = Array.from({ length: columns }, () => Math.round((0.1 + rng.next() * 2) * 100) / 100);
  return { matrix, weights, groupSize };
}

describe('multi-reward advantages against a port of TRL', () => {
  const rng = SeededRng.fromSeed(2505);
  const cases = Array.from({ length: 24 }, () => randomCase(rng));

  it.each(['normalize_then_sum', 'sum_then_normalize'] as const)('%s agrees to 1e-12 on 24 random cases', (aggregation) => {
    const mode: MultiRewardMode = aggregation === 'normalize_then_sum' ? 'normalize-then-sum' : 'sum-then-normalize';
    for (const scale of ['group', 'batch', 'none'] as const) {
      if (aggregation === 'normalize_then_sum' && scale !== 'group') continue; // TRL ignores scale_rewards there
      for (const { matrix, weights, groupSize } of cases) {
        const expected = trlAdvantages(matrix, weights, groupSize, aggregation, scale);
        const ours = multiRewardAdvantages(
          matrix.map((row) => row.map((v): MaybeReward => (Number.isNaN(v) ? null : v))),
          groupSize,
          { mode, weights, scale },
        );
        ours.advantages.forEach((a, i) => expect(Math.abs(a - expected[i]!)).toBeLessThan(1e-12));
      }
    }
  });

  it('normalize-then-sum differs from sum-of-advantages (the old meaning) by the batch z-score', () => {
    const { matrix, weights, groupSize } = cases[3]!;
    const input = matrix.map((row) => row.map((v): MaybeReward => (Number.isNaN(v) ? null : v)));
    const trl = multiRewardAdvantages(input, groupSize, { mode: 'normalize-then-sum', weights }).advantages;
    const summed = multiRewardAdvantages(input, groupSize, { mode: 'sum-of-advantages', weights }).advantages;
    expect(Math.max(...trl.map((a, i) => Math.abs(a - summed[i]!)))).toBeGreaterThan(1e-3);
  });
});
