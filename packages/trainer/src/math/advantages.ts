import { Type, type Static } from '@sinclair/typebox';
import { normalizeScores, StringEnum } from '@t2i-reward/core';

/**
 * Group-relative advantages (GRPO, DESIGN.md §3). Pure number-array functions, no TF.js.
 *
 * A reward that failed is `null`, `undefined` or NaN: it is left out of every statistic and its sample gets
 * `valid: false` (advantage 0), so the trainer can drop it from the loss instead of treating it as a 0 reward.
 */

/** How the centred reward is scaled: by its group's std, by the whole batch's std, or not at all (Dr. GRPO). */
export const STD_SCALINGS = ['group', 'batch', 'none'] as const;
export type StdScaling = (typeof STD_SCALINGS)[number];
/** `sample` divides by n − 1 (Bessel; torch.std, TRL, T2I-R1); `population` divides by n (numpy.std, Flow-GRPO). */
export const STD_ESTIMATORS = ['sample', 'population'] as const;
export type StdEstimator = (typeof STD_ESTIMATORS)[number];
/** A group is a contiguous run of `groupSize` samples, or an explicit key per sample (e.g. the prompt). */
export type Groups = number | readonly (string | number)[];
export type MaybeReward = number | null | undefined;

/** The advantage options (JSON Schema, the train config's `settings` takes them); AdvantageOptions is its type. */
export const advantageOptionsSchema = Type.Object(
  {
    /** Added to the std before dividing; default 1e-4 (T2I-R1, TRL). */
    epsilon: Type.Optional(Type.Number({ minimum: 0 })),
    /** Default `group`. */
    scale: Type.Optional(StringEnum(STD_SCALINGS)),
    /** Default `sample` (Bessel-corrected, as TRL). */
    std: Type.Optional(StringEnum(STD_ESTIMATORS)),
  },
  { additionalProperties: false },
);
export type AdvantageOptions = Static<typeof advantageOptionsSchema>;

export interface AdvantageResult {
  /** Per sample; 0 where `valid` is false. */
  advantages: number[];
  /** False where the reward was missing (null / NaN): leave that sample out of the loss. */
  valid: boolean[];
  /** The group mean and the std used for each sample's scaling (NaN for an invalid sample). */
  baseline: number[];
  scaleStd: number[];
}

export const DEFAULT_EPSILON = 1e-4;

export function isValidReward(value: MaybeReward): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Mean of the valid values; NaN when there are none. */
export function nanMean(values: readonly MaybeReward[]): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (isValidReward(value)) {
      sum += value;
      count += 1;
    }
  }
  return count === 0 ? Number.NaN : sum / count;
}

/**
 * Std of the valid values. With fewer than two values (one for `population`) the spread is 0: a lone sample
 * carries no relative signal, and dividing 0 by ε keeps its advantage at 0.
 */
export function nanStd(values: readonly MaybeReward[], estimator: StdEstimator = 'sample'): number {
  const valid = values.filter(isValidReward);
  const n = valid.length;
  const dof = estimator === 'sample' ? n - 1 : n;
  if (dof <= 0) return 0;
  const mean = valid.reduce((a, b) => a + b, 0) / n;
  const squares = valid.reduce((acc, v) => acc + (v - mean) * (v - mean), 0);
  return Math.sqrt(squares / dof);
}

/** Sample indices of each group, in first-seen order. */
export function groupIndices(count: number, groups: Groups): number[][] {
  if (typeof groups === 'number') {
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`groupSize must be a positive integer, got ${groups}`);
    if (count % groups !== 0) throw new RangeError(`${count} samples do not split into groups of ${groups}`);
    const out: number[][] = [];
    for (let start = 0; start < count; start += groups) {
      out.push(Array.from({ length: groups }, (_, k) => start + k));
    }
    return out;
  }
  if (groups.length !== count) throw new RangeError(`${count} rewards but ${groups.length} group keys`);
  const byKey = new Map<string | number, number[]>();
  groups.forEach((key, index) => {
    const members = byKey.get(key);
    if (members) members.push(index);
    else byKey.set(key, [index]);
  });
  return [...byKey.values()];
}

/** A_i = (r_i − mean_group) / (std + ε), std per `scale`; `none` gives r_i − mean_group (Dr. GRPO). */
export function groupAdvantages(rewards: readonly MaybeReward[], groups: Groups, options: AdvantageOptions = {}): AdvantageResult {
  const scale = options.scale ?? 'group';
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  const estimator = options.std ?? 'sample';
  const n = rewards.length;
  const advantages = new Array<number>(n).fill(0);
  const valid = rewards.map(isValidReward);
  const baseline = new Array<number>(n).fill(Number.NaN);
  const scaleStd = new Array<number>(n).fill(Number.NaN);
  const batchStd = scale === 'batch' ? nanStd(rewards, estimator) : 0;
  for (const members of groupIndices(n, groups)) {
    const groupRewards = members.map((i) => rewards[i]);
    const mean = nanMean(groupRewards);
    const std = scale === 'group' ? nanStd(groupRewards, estimator) : scale === 'batch' ? batchStd : Number.NaN;
    for (const i of members) {
      const reward = rewards[i];
      if (!isValidReward(reward)) continue;
      baseline[i] = mean;
      scaleStd[i] = std;
      advantages[i] = scale === 'none' ? reward - mean : (reward - mean) / (std + epsilon);
    }
  }
  return { advantages, valid, baseline, scaleStd };
}

/**
 * How several rewards per sample (one per expert) become one advantage:
 * - `sum-then-normalize` (T2I-R1, TRL's default): weighted sum per sample, then `groupAdvantages` of the sums.
 * - `normalize-then-sum` (TRL's `normalize_then_sum`, the GDPO form): each reward normalised in its group,
 *   (r − mean_g) / (std_g + ε); weighted sum; then that sum z-scored over the whole batch,
 *   (s − mean_batch) / (std_batch + ε). As in TRL, `scale` does not apply to it.
 * - `sum-of-advantages`: each reward turned into advantages by `groupAdvantages` with the given `scale`, then their
 *   weighted sum, no batch step. Not a TRL form: TRL's `normalize_then_sum` z-scores the sum over the batch since the
 *   commit that added it (huggingface/trl 0e0cb5f, #4785, "Add support for GDPO"); this is what our
 *   `normalize-then-sum` computed before it was made TRL's. It is DanceGRPO's multi-reward advantage
 *   (XueZeyue/DanceGRPO `fastvideo/train_grpo_hunyuan.py`: each reward z-scored in its group with std + 1e-8), whose
 *   update takes one clipped PPO loss per reward and sums the losses with the weights: the same gradient as the
 *   loss on this summed advantage wherever the ratio clip does not bind.
 * - `gdpo` (GDPO, arXiv 2601.05242; Flow-Factory's `advantage_aggregation: gdpo`): each expert normalised by core's
 *   `group-z` normaliser (the table the ensemble and the server use), weighted sum, then that sum z-scored over the
 *   batch. The same numbers as `normalize-then-sum` (TRL implements GDPO under that name; a test holds the two
 *   implementations equal); Flow-Factory divides by max(std, 1e-6) where we add ε.
 */
export const MULTI_REWARD_MODES = ['sum-then-normalize', 'normalize-then-sum', 'sum-of-advantages', 'gdpo'] as const;
export type MultiRewardMode = (typeof MULTI_REWARD_MODES)[number];

export interface MultiRewardOptions extends AdvantageOptions {
  /** Default `sum-then-normalize`; see MultiRewardMode. */
  mode?: MultiRewardMode;
  /** One weight per reward column; default 1 each. */
  weights?: readonly number[];
}

export interface MultiRewardResult extends AdvantageResult {
  /**
   * Per sample, the weighted sum of its raw rewards (NaN when all its rewards were missing): what
   * `sum-then-normalize` normalises, and what TRL logs as the reward in every mode.
   */
  combined: number[];
  /** `normalize-then-sum` only: the weighted sum of the group-normalised rewards, before the batch z-score. */
  normalizedSum?: number[];
}

/**
 * Advantages from a [sample][reward] matrix. Missing entries are skipped in the weighted sums (like TRL's
 * nansum); a sample whose rewards are all missing is invalid, advantage 0 (TRL: NaN, then 0 by nan_to_num).
 */
export function multiRewardAdvantages(rewards: readonly (readonly MaybeReward[])[], groups: Groups, options: MultiRewardOptions = {}): MultiRewardResult {
  const mode = options.mode ?? 'sum-then-normalize';
  if (!MULTI_REWARD_MODES.includes(mode)) throw new RangeError(`unknown multi-reward mode ${JSON.stringify(mode)}`);
  const columns = rewards.length === 0 ? 0 : Math.max(...rewards.map((row) => row.length));
  const weights = options.weights ?? new Array<number>(columns).fill(1);
  if (weights.length !== columns) throw new RangeError(`${columns} reward columns but ${weights.length} weights`);
  const weightedSum = (rows: readonly (readonly MaybeReward[])[]): number[] =>
    rows.map((row) => {
      let sum = 0;
      let any = false;
      row.forEach((value, k) => {
        if (isValidReward(value)) {
          sum += (weights[k] ?? 1) * value;
          any = true;
        }
      });
      return any ? sum : Number.NaN;
    });
  const combined = weightedSum(rewards);
  if (mode === 'sum-then-normalize') {
    return { ...groupAdvantages(combined, groups, options), combined };
  }
  const n = rewards.length;
  if (mode === 'gdpo') {
    const estimator = options.std ?? 'sample';
    const epsilon = options.epsilon ?? DEFAULT_EPSILON;
    const keys = new Array<number>(n).fill(0);
    groupIndices(n, groups).forEach((members, g) => members.forEach((i) => (keys[i] = g)));
    const normalized: number[][] = rewards.map(() => new Array<number>(columns).fill(Number.NaN));
    for (let k = 0; k < columns; k += 1) {
      const column = normalizeScores(
        rewards.map((row) => row[k]),
        { mode: 'group-z', std: estimator, epsilon },
        { groups: keys },
      );
      column.values.forEach((value, i) => {
        if (value !== null) normalized[i]![k] = value;
      });
    }
    const normalizedSum = weightedSum(normalized);
    const batch = groupAdvantages(normalizedSum, new Array<number>(n).fill(0), { scale: 'group', std: estimator, epsilon });
    return { ...batch, combined, normalizedSum };
  }
  if (mode === 'normalize-then-sum') {
    const estimator = options.std ?? 'sample';
    const epsilon = options.epsilon ?? DEFAULT_EPSILON;
    // Per column: (r − group mean) / (group std + ε), missing entries stay missing.
    const normalized: number[][] = rewards.map(() => new Array<number>(columns).fill(Number.NaN));
    const groupList = groupIndices(n, groups);
    for (let k = 0; k < columns; k += 1) {
      for (const members of groupList) {
        const values = members.map((i) => rewards[i]![k]);
        const mean = nanMean(values);
        const std = nanStd(values, estimator);
        for (const i of members) {
          const value = rewards[i]![k];
          normalized[i]![k] = isValidReward(value) ? (value - mean) / (std + epsilon) : Number.NaN;
        }
      }
    }
    const normalizedSum = weightedSum(normalized);
    const batch = groupAdvantages(normalizedSum, new Array<number>(n).fill(0), { scale: 'group', std: estimator, epsilon });
    return { ...batch, combined, normalizedSum };
  }
  const advantages = new Array<number>(n).fill(0);
  const valid = new Array<boolean>(n).fill(false);
  for (let k = 0; k < columns; k += 1) {
    const column = groupAdvantages(
      rewards.map((row) => row[k]),
      groups,
      options,
    );
    column.advantages.forEach((a, i) => {
      if (column.valid[i]) {
        advantages[i] = (advantages[i] ?? 0) + (weights[k] ?? 1) * a;
        valid[i] = true;
      }
    });
  }
  return {
    advantages,
    valid,
    baseline: new Array<number>(n).fill(Number.NaN),
    scaleStd: new Array<number>(n).fill(Number.NaN),
    combined,
  };
}

/** Mean / std / min / max of the valid entries, for metrics. */
export function summarize(values: readonly MaybeReward[]): { mean: number; std: number; min: number; max: number; count: number } {
  const valid = values.filter(isValidReward);
  if (valid.length === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN, count: 0 };
  return {
    mean: nanMean(valid),
    std: nanStd(valid, 'population'),
    min: Math.min(...valid),
    max: Math.max(...valid),
    count: valid.length,
  };
}
