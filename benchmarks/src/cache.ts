import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RewardCallOptions, RewardItemResult, RewardModelV1, RewardSample } from '@t2i-reward/core';

/** JSON with object keys sorted, so equal values give equal cache keys whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface ScoreCacheKeyParts {
  modelId: string;
  version: string;
  /** Everything else that changes the score (thresholds, protocol options). */
  options?: unknown;
  imageHash: string;
  prompt: string;
  spec?: unknown;
}

type CachedResult = Pick<RewardItemResult, 'score' | 'raw' | 'details' | 'warnings'>;

/**
 * A content-addressed score cache on disk: one small JSON file per (expert, version, options, image hash,
 * prompt, spec), under `<dir>/<2 hex>/<62 hex>.json`. Failed items are never cached.
 */
export class ScoreCache {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string) {}

  static key(parts: ScoreCacheKeyParts): string {
    return createHash('sha256').update(canonicalJson(parts)).digest('hex');
  }

  #file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key.slice(2)}.json`);
  }

  async get(key: string): Promise<CachedResult | undefined> {
    try {
      const value = JSON.parse(await fs.readFile(this.#file(key), 'utf8')) as CachedResult;
      this.hits++;
      return value;
    } catch {
      this.misses++;
      return undefined;
    }
  }

  async set(key: string, result: RewardItemResult): Promise<void> {
    if (result.error) return;
    const file = this.#file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const value: CachedResult = { score: result.score, raw: result.raw, warnings: result.warnings, ...(result.details ? { details: result.details } : {}) };
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

export function withScoreCache(model: RewardModelV1, cache: ScoreCache, options?: unknown): CachedReward {
  let lastCached = new Map<string, boolean>();
  const keyOf = (sample: RewardSample) =>
    ScoreCache.key({ modelId: model.modelId, version: model.version, options, imageHash: sample.image.hash, prompt: sample.prompt, spec: sample.spec });
  return {
    specificationVersion: 'v1',
    kind: model.kind,
    modelId: model.modelId,
    version: model.version,
    inner: model,
    wasCached: (sample) => lastCached.get(`${sample.image.hash}\u0000${sample.prompt}`) === true,
    async doScore(samples: readonly RewardSample[], callOptions?: RewardCallOptions): Promise<RewardItemResult[]> {
      const keys = samples.map(keyOf);
      const found = await Promise.all(keys.map((key) => cache.get(key)));
      const missIndexes = found.flatMap((hit, i) => (hit ? [] : [i]));
      const fresh = missIndexes.length > 0 ? await model.doScore(missIndexes.map((i) => samples[i]!), callOptions) : [];
      await Promise.all(fresh.map((result, j) => cache.set(keys[missIndexes[j]!]!, result)));
      lastCached = new Map(samples.map((sample, i) => [sampleId(sample), found[i] !== undefined]));
      const results: RewardItemResult[] = found.map((hit) => (hit ? { ...hit, warnings: [...(hit.warnings ?? [])] } : (undefined as unknown as RewardItemResult)));
      missIndexes.forEach((i, j) => {
        results[i] = fresh[j]!;
      });
      return results;
    },
    dispose: () => model.dispose(),
  };
}
