import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  cacheMiddleware,
  scoreCacheKey,
  wrapRewardModel,
  type CachedScore,
  type RewardItemResult,
  type RewardModelV1,
  type RewardSample,
  type ScoreCacheKeyParts,
  type ScoreCacheStore,
} from '@t2i-reward/core';

export { canonicalJson, type ScoreCacheKeyParts } from '@t2i-reward/core';

/**
 * A content-addressed score cache on disk: one small JSON file per (expert, version, options, image hash,
 * prompt, spec), under `<dir>/<2 hex>/<62 hex>.json`. Failed items are never cached.
 */
export class ScoreCache implements ScoreCacheStore {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string) {}

  static key(parts: ScoreCacheKeyParts): string {
    return scoreCacheKey(parts);
  }

  #file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key.slice(2)}.json`);
  }

  async get(key: string): Promise<CachedScore | undefined> {
    try {
      const value = JSON.parse(await fs.readFile(this.#file(key), 'utf8')) as CachedScore;
      this.hits++;
      return value;
    } catch {
      this.misses++;
      return undefined;
    }
  }

  async set(key: string, result: CachedScore | RewardItemResult): Promise<void> {
    if ('error' in result && result.error) return;
    const file = this.#file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const value: CachedScore = { score: result.score, raw: result.raw, warnings: result.warnings, ...(result.details ? { details: result.details } : {}) };
    // Temp + rename: a reader never sees half a file, two writers of one key write the same content.
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.writeFile(temp, JSON.stringify(value));
    await fs.rename(temp, file);
  }
}

function sampleId(sample: RewardSample): string {
  return `${sample.image.hash}\u0000${sample.prompt}`;
}

/** A RewardModelV1 that answers from the cache and scores only the misses with the wrapped model. */
export interface CachedReward extends RewardModelV1 {
  readonly inner: RewardModelV1;
  /** Whether the last doScore call answered this (image, prompt) from the cache. */
  wasCached(sample: Pick<RewardSample, 'image' | 'prompt'>): boolean;
}

/** The model behind core's `cacheMiddleware` with this disk store; `wasCached` answers for the last call. */
export function withScoreCache(model: RewardModelV1, cache: ScoreCache, options?: unknown): CachedReward {
  let lastCached = new Map<string, boolean>();
  const wrapped = wrapRewardModel(
    model,
    cacheMiddleware({
      store: cache,
      options,
      onLookup: (samples, cached) => {
        lastCached = new Map(samples.map((sample, i) => [sampleId(sample), cached[i] === true]));
      },
    }),
  );
  return { ...wrapped, inner: model, wasCached: (sample) => lastCached.get(sampleId(sample)) === true };
}
