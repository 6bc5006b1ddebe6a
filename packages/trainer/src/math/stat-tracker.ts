import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '@t2i-reward/core';
import { DEFAULT_EPSILON, isValidReward, nanMean, nanStd, STD_ESTIMATORS, type AdvantageResult, type MaybeReward } from './advantages.js';

/** The stat tracker's options (JSON Schema, the train config's `settings.statTracker`); StatTrackerOptions is its type. */
export const statTrackerOptionsSchema = Type.Object(
  {
    /** Scale by the std of the current batch's rewards instead of the prompt's own (Flow-GRPO `global_std`). */
    globalStd: Type.Optional(Type.Boolean()),
    /** Default 1e-4. */
    epsilon: Type.Optional(Type.Number({ minimum: 0 })),
    /** Default `population` (numpy.std, as Flow-GRPO). */
    std: Type.Optional(StringEnum(STD_ESTIMATORS)),
    /** Keep at most this many past rewards per prompt; default: all until `clear()`. */
    historySize: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type StatTrackerOptions = Static<typeof statTrackerOptionsSchema>;

export interface StatTrackerState {
  options: StatTrackerOptions;
  history: [string, number[]][];
}

/**
 * Per-prompt reward statistics (Flow-GRPO's PerPromptStatTracker): groups samples by prompt string, so a
 * batch may hold any number of samples per prompt, and rewards seen earlier for the same prompt (since the
 * last `clear()`) join the baseline. Missing rewards are ignored.
 */
export class PerPromptStatTracker {
  readonly options: Required<Omit<StatTrackerOptions, 'historySize'>> & { historySize: number | undefined };
  private readonly history = new Map<string, number[]>();

  constructor(options: StatTrackerOptions = {}) {
    this.options = {
      globalStd: options.globalStd ?? false,
      epsilon: options.epsilon ?? DEFAULT_EPSILON,
      std: options.std ?? 'population',
      historySize: options.historySize,
    };
  }

  update(prompts: readonly string[], rewards: readonly MaybeReward[]): AdvantageResult {
    if (prompts.length !== rewards.length) throw new RangeError(`${prompts.length} prompts but ${rewards.length} rewards`);
    const { epsilon, std: estimator, historySize, globalStd } = this.options;
    prompts.forEach((prompt, i) => {
      const reward = rewards[i];
      if (!isValidReward(reward)) return;
      const past = this.history.get(prompt) ?? [];
      past.push(reward);
      if (historySize !== undefined && past.length > historySize) past.splice(0, past.length - historySize);
      this.history.set(prompt, past);
    });
    const batchStd = globalStd ? nanStd(rewards, estimator) : 0;
    const n = rewards.length;
    const advantages = new Array<number>(n).fill(0);
    const valid = rewards.map(isValidReward);
    const baseline = new Array<number>(n).fill(Number.NaN);
    const scaleStd = new Array<number>(n).fill(Number.NaN);
    prompts.forEach((prompt, i) => {
      const reward = rewards[i];
      if (!isValidReward(reward)) return;
      const past = this.history.get(prompt) ?? [];
      const mean = nanMean(past);
      const std = globalStd ? batchStd : nanStd(past, estimator);
      baseline[i] = mean;
      scaleStd[i] = std;
      advantages[i] = (reward - mean) / (std + epsilon);
    });
    return { advantages, valid, baseline, scaleStd };
  }

  /** Number of prompts tracked and their mean history length. */
  stats(): { prompts: number; meanGroupSize: number } {
    const sizes = [...this.history.values()].map((h) => h.length);
    return { prompts: sizes.length, meanGroupSize: sizes.length === 0 ? 0 : sizes.reduce((a, b) => a + b, 0) / sizes.length };
  }

  clear(): void {
    this.history.clear();
  }

  /** For checkpoints: a resumed run must see the same baselines. */
  toJSON(): StatTrackerState {
    const { historySize, ...rest } = this.options;
    return {
      options: historySize === undefined ? rest : { ...rest, historySize },
      history: [...this.history.entries()].map(([k, v]) => [k, [...v]]),
    };
  }

  static fromJSON(state: StatTrackerState): PerPromptStatTracker {
    const tracker = new PerPromptStatTracker(state.options);
    for (const [prompt, values] of state.history) tracker.history.set(prompt, [...values]);
    return tracker;
  }
}
