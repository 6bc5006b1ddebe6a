import type { PromptSpec, RewardItemResult, RewardModelV1, RewardSample } from '@t2i-reward/core';
import type { CachedReward } from '../cache.js';
import type { ExpertRecord } from '../types.js';
import { expertRecord, type ProtocolSample } from './types.js';

export interface ExpertRun {
  result: RewardItemResult;
  record: ExpertRecord;
}

/** Scores samples with one expert (in one batch call) and returns its results with their stored records. */
export async function runExpert(
  model: CachedReward | RewardModelV1,
  samples: readonly ProtocolSample[],
  specOf: (sample: ProtocolSample) => PromptSpec | undefined,
  signal?: AbortSignal,
): Promise<ExpertRun[]> {
  if (samples.length === 0) return [];
  const rewardSamples: RewardSample[] = samples.map((sample) => {
    const spec = specOf(sample);
    return { image: sample.image, prompt: sample.item.prompt, ...(spec ? { spec } : {}) };
  });
  const results = await model.doScore(rewardSamples, signal ? { signal } : {});
  const cachedOf = (sample: RewardSample) => (typeof (model as CachedReward).wasCached === 'function' ? (model as CachedReward).wasCached(sample) : false);
  return results.map((result, i) => ({ result, record: expertRecord(model.kind, model.modelId, result, cachedOf(rewardSamples[i]!)) }));
}
