import { createEnsemble, type Ensemble, type RewardCallOptions, type RewardItemResult, type RewardModelV1, type RewardSample } from '@t2i-reward/core';
import type { ServerMetrics } from './metrics.js';

/** Wraps a model so each doScore call lands in the per-expert latency histogram and outcome counters. */
export function instrumentModel(model: RewardModelV1, expert: string, metrics: ServerMetrics): RewardModelV1 {
  return {
    specificationVersion: model.specificationVersion,
    kind: model.kind,
    modelId: model.modelId,
    version: model.version,
    async doScore(samples: readonly RewardSample[], options?: RewardCallOptions): Promise<RewardItemResult[]> {
      const started = performance.now();
      try {
        const results = await model.doScore(samples, options);
        let ok = 0;
        let error = 0;
        let nullScore = 0;
        for (const result of results) {
          if (result.error) error++;
          else if (result.score === null) nullScore++;
          else ok++;
        }
        metrics.observeExpert(expert, (performance.now() - started) / 1000, { ok, error, nullScore });
        return results;
      } catch (thrown) {
        metrics.observeExpert(expert, (performance.now() - started) / 1000, { ok: 0, error: samples.length, nullScore: 0 });
        throw thrown;
      }
    },
    dispose: () => model.dispose(),
  };
}

/**
 * The same ensemble (experts, names, weights, aggregation, missing policy) with every expert instrumented.
 * Disposing it disposes the original experts.
 */
export function instrumentEnsemble(ensemble: Ensemble, metrics: ServerMetrics): Ensemble {
  return createEnsemble({
    experts: ensemble.experts.map((expert) => ({ name: expert.name, model: instrumentModel(expert.model, expert.name, metrics), weight: expert.weight })),
    aggregate: ensemble.aggregate,
    onMissing: ensemble.onMissing,
  });
}
