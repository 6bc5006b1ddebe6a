import type { RgbImage, RewardItemResult } from '@t2i-reward/core';
import type { BadInput, BenchItem, CategoryInfo, ExpertRecord, ProtocolName, ResultStatus } from '../types.js';

export interface ProtocolSample {
  item: BenchItem;
  image: RgbImage;
}

export interface ProtocolOutcome {
  status: ResultStatus;
  score: number | null;
  correct?: boolean;
  experts: Record<string, ExpertRecord>;
  warnings: string[];
  problem?: BadInput;
}

/** How a suite turns images into numbers: which experts, which formula, how categories add up. */
export interface Protocol {
  readonly name: ProtocolName;
  /** 'accuracy': per-image 0/1 (GenEval); 'score': per-image value in [0, 1] (or a raw cosine). */
  readonly metric: 'score' | 'accuracy';
  /** GenEval / CompBench report the mean of per-category means; the ensemble the mean over images. */
  readonly overall: 'mean-of-categories' | 'mean-of-items';
  /** Categories it knows (undefined: any). */
  readonly categories?: readonly CategoryInfo[];
  /** Identity of experts + options, stored in run.json so a re-run with other experts is caught. */
  describe(): Record<string, unknown>;
  /** Why a category cannot be scored (needs an expert that is not configured), or undefined. */
  unsupportedReason(category: string): string | undefined;
  score(samples: readonly ProtocolSample[], signal?: AbortSignal): Promise<ProtocolOutcome[]>;
  dispose(): Promise<void>;
}

/** A RewardItemResult as stored in results.jsonl. */
export function expertRecord(kind: string, modelId: string, result: RewardItemResult, cached?: boolean): ExpertRecord {
  return {
    kind,
    modelId,
    score: result.score,
    raw: result.raw,
    ...(result.details ? { details: result.details } : {}),
    warnings: [...(result.warnings ?? [])],
    ...(result.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
    ...(cached ? { cached: true } : {}),
  };
}
