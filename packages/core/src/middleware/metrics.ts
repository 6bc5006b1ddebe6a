import type { RewardModelV1 } from '../spec.js';
import type { RewardMiddleware } from './wrap.js';

/** One `doScore` call as seen by {@link metricsMiddleware}. */
export interface ScoreCallMetrics {
  /** Wall time of the call. */
  seconds: number;
  samples: number;
  /** Items with a score, items with a per-item error, items scored null without an error. */
  ok: number;
  error: number;
  nullScore: number;
  /** Set when the whole call threw (every item then counts as an error). */
  thrown?: unknown;
}

/** Reports each call's latency and outcome counts to `observe`; results and errors pass through unchanged. */
export function metricsMiddleware(observe: (metrics: ScoreCallMetrics, model: RewardModelV1) => void): RewardMiddleware {
  return {
    async wrapScore({ doScore, samples, options, model }) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const results = await doScore(samples, options);
        let ok = 0;
        let error = 0;
        let nullScore = 0;
        for (const result of results) {
          if (result.error) error++;
          else if (result.score === null) nullScore++;
          else ok++;
        }
        observe({ seconds: seconds(), samples: samples.length, ok, error, nullScore }, model);
        return results;
      } catch (thrown) {
        observe({ seconds: seconds(), samples: samples.length, ok: 0, error: samples.length, nullScore: 0, thrown }, model);
        throw thrown;
      }
    },
  };
}
