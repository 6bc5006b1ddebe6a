import { LRUCache } from 'lru-cache';
import type { Ensemble, ScoreInput } from '@t2i-reward/core';
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
}

/** Reward from a core `Ensemble`: its aggregated `reward`, and each expert's `score` for per-expert metrics. */
export function ensembleReward(ensemble: Pick<Ensemble, 'score' | 'dispose'>): RewardFunction {
  return {
    async score(inputs, options) {
      // RewardInput is ScoreInput with a looser image type: the ensemble validates images itself.
      const results = await ensemble.score(inputs as readonly ScoreInput[], options?.signal ? { signal: options.signal } : {});
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

export interface CachedRewardOptions {
  /** Cache key of an input, or undefined to always score it. Default: prompt + the RgbImage's content hash. */
  key?: (input: RewardInput) => string | undefined;
  maxEntries?: number;
}

export interface CachedReward extends RewardFunction {
  readonly hits: number;
  readonly misses: number;
}

function defaultKey(input: RewardInput): string | undefined {
  const image = input.image as { hash?: unknown } | null;
  return image && typeof image === 'object' && typeof image.hash === 'string' ? `${input.prompt}\u0000${image.hash}` : undefined;
}

/**
 * Memoises a deterministic reward per (prompt, image content): a policy that has converged re-draws the same
 * images, and the detector need not see them twice. Failed items are not cached.
 */
export function cachedReward(inner: RewardFunction, options: CachedRewardOptions = {}): CachedReward {
  const key = options.key ?? defaultKey;
  const cache = new LRUCache<string, RewardOutcome>({ max: options.maxEntries ?? 10_000 });
  let hits = 0;
  let misses = 0;
  return {
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    async score(inputs, scoreOptions) {
      const keys = inputs.map(key);
      const out: (RewardOutcome | undefined)[] = keys.map((k) => (k === undefined ? undefined : cache.get(k)));
      const todo = out.flatMap((value, i) => (value === undefined ? [i] : []));
      hits += inputs.length - todo.length;
      misses += todo.length;
      if (todo.length > 0) {
        const scored = await inner.score(
          todo.map((i) => inputs[i]!),
          scoreOptions,
        );
        todo.forEach((i, j) => {
          const outcome = scored[j]!;
          out[i] = outcome;
          const k = keys[i];
          if (k !== undefined && outcome.reward !== null && !outcome.error) cache.set(k, outcome);
        });
      }
      return out as RewardOutcome[];
    },
    dispose: () => inner.dispose?.(),
  };
}
