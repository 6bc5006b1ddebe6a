import type { Ensemble, NormalizerStore, ScoreInput } from '@t2i-reward/core';
import type { RewardInput } from './policy.js';

/** One scored sample: the aggregated reward and each expert's own score (null = that expert failed). */
export interface RewardOutcome {
  reward: number | null;
  experts: Record<string, number | null>;
  /** Each expert's weight in the ensemble (for `normalize-then-sum`). */
  weights?: Record<string, number>;
  /** Named yes/no observations about the sample (the demo: `extraCopies`); metrics report the share raised. */
  flags?: Record<string, boolean>;
  error?: string;
}

export interface RewardFunction {
  score(inputs: readonly RewardInput[], options?: { signal?: AbortSignal }): Promise<RewardOutcome[]>;
  dispose?(): Promise<void> | void;
  /** Running statistics the reward keeps (an ensemble's running-z experts): the trainer stores them in checkpoints. */
  readonly normalizers?: NormalizerStore;
}

/** Options of {@link ensembleReward}. */
export interface EnsembleRewardOptions {
  /** Called as the ensemble finishes each chunk of a call, with the number of items that chunk scored: progress bars. */
  onItemsScored?: (count: number) => void;
}

/** Reward from a core `Ensemble`: its aggregated `reward`, and each expert's `score` for per-expert metrics. */
export function ensembleReward(
  ensemble: Pick<Ensemble, 'score' | 'dispose'> & Partial<Pick<Ensemble, 'normalizers'>>,
  rewardOptions: EnsembleRewardOptions = {},
): RewardFunction {
  return {
    ...(ensemble.normalizers ? { normalizers: ensemble.normalizers } : {}),
    async score(inputs, options) {
      // RewardInput is ScoreInput with a looser image type: the ensemble validates images itself.
      // Per call, so concurrent calls (sampleAhead) each report their own chunks.
      let reported = 0;
      const onItemsScored = rewardOptions.onItemsScored;
      const results = await ensemble.score(inputs as readonly ScoreInput[], {
        ...(options?.signal ? { signal: options.signal } : {}),
        ...(onItemsScored
          ? {
              onProgress: (done: number) => {
                onItemsScored(done - reported);
                reported = done;
              },
            }
          : {}),
      });
      return results.map((result) => {
        const experts: Record<string, number | null> = {};
        const weights: Record<string, number> = {};
        for (const [name, outcome] of Object.entries(result.experts)) {
          experts[name] = outcome.score;
          weights[name] = outcome.weight ?? 1;
        }
        const outcome: RewardOutcome = { reward: result.reward, experts, weights };
        if (result.error) outcome.error = result.error.message;
        return outcome;
      });
    },
    dispose: () => ensemble.dispose(),
  };
}
