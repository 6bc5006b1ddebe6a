import { createEnsemble, type EnsembleConfig, type RewardModelV1 } from '@t2i-reward/core';
import type { CachedReward } from '../cache.js';
import { expertRecord, type Protocol, type ProtocolOutcome, type ProtocolSample } from './types.js';

export interface NamedExpert {
  name: string;
  model: CachedReward | RewardModelV1;
  weight?: number;
}

export interface EnsembleProtocolOptions {
  experts: NamedExpert[];
  aggregate?: EnsembleConfig['aggregate'];
  onMissing?: EnsembleConfig['onMissing'];
}

function isCached(model: CachedReward | RewardModelV1): model is CachedReward {
  return typeof (model as CachedReward).wasCached === 'function';
}

/** Scores every image with the configured T2I-R1 ensemble (core's createEnsemble): score = the reward. */
export function createEnsembleProtocol(options: EnsembleProtocolOptions): Protocol {
  const ensemble = createEnsemble({
    experts: options.experts.map((e) => ({ name: e.name, model: e.model, ...(e.weight !== undefined ? { weight: e.weight } : {}) })),
    ...(options.aggregate ? { aggregate: options.aggregate } : {}),
    ...(options.onMissing ? { onMissing: options.onMissing } : {}),
  });
  return {
    name: 'ensemble',
    metric: 'score',
    overall: 'mean-of-items',
    describe: () => ({
      aggregate: options.aggregate ?? 'mean',
      experts: options.experts.map((e) => ({ name: e.name, modelId: e.model.modelId, version: e.model.version, weight: e.weight ?? 1 })),
    }),
    unsupportedReason: () => undefined,
    async score(samples: readonly ProtocolSample[], signal?: AbortSignal): Promise<ProtocolOutcome[]> {
      // Images are decoded already: scoreSamples skips the ensemble's own decoding.
      const results = await ensemble.scoreSamples(
        samples.map(({ item, image }) => ({ image, prompt: item.prompt, ...(item.spec ? { spec: item.spec } : {}) })),
        signal ? { signal } : {},
      );
      return results.map((result, i) => {
        const sample = samples[i]!;
        const experts = Object.fromEntries(
          Object.entries(result.experts).map(([name, outcome]) => {
            const model = options.experts.find((e) => e.name === name)?.model;
            const cached = model && isCached(model) ? model.wasCached({ image: sample.image, prompt: sample.item.prompt }) : false;
            return [name, expertRecord(outcome.kind, outcome.modelId, outcome, cached)];
          }),
        );
        if (result.error || result.reward === null) {
          const message = result.error?.message ?? 'no expert could judge this image';
          return { status: 'error', score: null, experts, warnings: result.warnings, problem: { kind: 'expert-error', itemId: sample.item.id, message } };
        }
        return { status: 'ok', score: result.reward, experts, warnings: result.warnings };
      });
    },
    async dispose() {
      await Promise.all(options.experts.map((e) => e.model.dispose()));
    },
  };
}
