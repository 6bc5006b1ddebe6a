import { createHash } from 'node:crypto';
import type { RewardItemResult, RewardModelV1, RewardSample } from '../spec.js';
import type { RewardMiddleware } from './wrap.js';

/** What a cache keeps of a result (failed items are never stored). */
export type CachedScore = Pick<RewardItemResult, 'score' | 'raw' | 'details' | 'warnings'>;

/** Where cached scores live: memory ({@link memoryScoreStore}), disk (the benchmarks' `ScoreCache`), anything. */
export interface ScoreCacheStore {
  get(key: string): CachedScore | undefined | Promise<CachedScore | undefined>;
  set(key: string, value: CachedScore): void | Promise<void>;
}

/** JSON with object keys sorted, so equal values give equal cache keys whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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

/** sha256 hex of the canonical JSON of the parts: the key of one (model, options, image, prompt, spec). */
export function scoreCacheKey(parts: ScoreCacheKeyParts): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

/**
 * An in-memory store that keeps the most recently used scores: at most `maxEntries` (default 10,000) and at most
 * `maxBytes` (default 64 MiB) counted as the UTF-16 size of each key and of its value's JSON (details can be
 * large); a value larger than a quarter of `maxBytes` is not kept.
 */
export function memoryScoreStore(maxEntries = 10_000, maxBytes = 64 * 1024 * 1024): ScoreCacheStore & { readonly size: number; readonly bytes: number } {
  const entries = new Map<string, { value: CachedScore; bytes: number }>();
  let bytes = 0;
  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    bytes -= entry.bytes;
    entries.delete(key);
  };
  return {
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
    get(key) {
      const entry = entries.get(key);
      if (entry !== undefined) {
        // Re-insert: Map iteration order is insertion order, so the first key is the least recently used.
        entries.delete(key);
        entries.set(key, entry);
      }
      return entry?.value;
    },
    set(key, value) {
      drop(key);
      const size = 2 * (key.length + (JSON.stringify(value)?.length ?? 0));
      if (size > maxBytes / 4) return;
      entries.set(key, { value, bytes: size });
      bytes += size;
      while (entries.size > maxEntries || bytes > maxBytes) drop(entries.keys().next().value as string);
    },
  };
}

export interface CacheMiddlewareOptions {
  /** Default: a fresh {@link memoryScoreStore}. */
  store?: ScoreCacheStore;
  /** Extra key parts that change the score (thresholds, protocol options). */
  options?: unknown;
  /** Key of one sample, or undefined to always score it. Default: {@link scoreCacheKey} of model, options and sample. */
  key?: (sample: RewardSample, model: RewardModelV1) => string | undefined;
  /** Called once per call with which samples were answered from the cache. */
  onLookup?: (samples: readonly RewardSample[], cached: readonly boolean[]) => void;
}

export interface CacheMiddleware extends RewardMiddleware {
  /** Samples answered from the cache / scored by the model, over all calls. */
  readonly hits: number;
  readonly misses: number;
}

/**
 * Answers repeated (model, image content, prompt, spec) from a store and sends only the misses to the model.
 * Results with an error are never stored; a hit comes back with its own copy of the warnings.
 */
export function cacheMiddleware(options: CacheMiddlewareOptions = {}): CacheMiddleware {
  const store = options.store ?? memoryScoreStore();
  const keyOf =
    options.key ??
    ((sample: RewardSample, model: RewardModelV1) =>
      scoreCacheKey({
        modelId: model.modelId,
        version: model.version,
        options: options.options,
        imageHash: sample.image.hash,
        prompt: sample.prompt,
        spec: sample.spec,
      }));
  let hits = 0;
  let misses = 0;
  return {
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    async wrapScore({ doScore, samples, options: callOptions, model }) {
      const keys = samples.map((sample) => keyOf(sample, model));
      const found = await Promise.all(keys.map((key) => (key === undefined ? undefined : store.get(key))));
      const missIndexes = found.flatMap((hit, i) => (hit ? [] : [i]));
      hits += samples.length - missIndexes.length;
      misses += missIndexes.length;
      const fresh =
        missIndexes.length > 0
          ? await doScore(
              missIndexes.map((i) => samples[i]!),
              callOptions,
            )
          : [];
      await Promise.all(
        fresh.map((result, j) => {
          const key = keys[missIndexes[j]!];
          if (key === undefined || result.error) return undefined;
          return store.set(key, { score: result.score, raw: result.raw, warnings: result.warnings, ...(result.details ? { details: result.details } : {}) });
        }),
      );
      options.onLookup?.(
        samples,
        found.map((hit) => hit !== undefined),
      );
      const results = found.map((hit) => (hit ? { ...hit, warnings: [...(hit.warnings ?? [])] } : undefined));
      missIndexes.forEach((i, j) => {
        results[i] = fresh[j]!;
      });
      return results as RewardItemResult[];
    },
  };
}
