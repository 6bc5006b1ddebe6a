import { ExpertFailedError, ModelDisposedError, isFatalRewardError, throwIfAborted, toRewardError, type T2IRewardError } from './errors.js';
import type { RewardCallOptions, RewardItemResult, RewardModelV1, RewardSample } from './spec.js';

export interface BaseRewardInit {
  kind: string;
  modelId: string;
  version: string;
}

/**
 * Shared plumbing for experts: abort and dispose checks, one-result-per-sample enforcement, and turning a
 * thrown batch into per-item errors (so one bad item never takes the batch down silently).
 * Subclasses implement `scoreBatch`; `loadOnce` memoises their lazy model loading.
 */
export abstract class BaseReward implements RewardModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly kind: string;
  readonly modelId: string;
  readonly version: string;
  #disposed = false;
  #loading: Promise<unknown> | undefined;

  protected constructor(init: BaseRewardInit) {
    this.kind = init.kind;
    this.modelId = init.modelId;
    this.version = init.version;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  protected abstract scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]>;

  /** Frees runtime resources; called once by dispose(). */
  protected async onDispose(): Promise<void> {}

  /** Runs `load` once (concurrent callers share the promise); a failed load is retried on the next call. */
  protected loadOnce<T>(load: () => Promise<T>): Promise<T> {
    if (!this.#loading) {
      this.#loading = load().catch((error: unknown) => {
        this.#loading = undefined;
        throw error;
      });
    }
    return this.#loading as Promise<T>;
  }

  async doScore(samples: readonly RewardSample[], options: RewardCallOptions = {}): Promise<RewardItemResult[]> {
    if (this.#disposed) throw new ModelDisposedError(`${this.modelId} was disposed`);
    throwIfAborted(options.signal);
    if (samples.length === 0) return [];
    let results: RewardItemResult[];
    try {
      results = await this.scoreBatch(samples, options.signal);
    } catch (error) {
      // Whole-call failures that must propagate: abort, dispose, load failures of the model itself.
      throwIfAborted(options.signal);
      if (isFatalRewardError(error)) throw error;
      // A batch that threw for another reason: retry item by item so only the culprit fails.
      if (samples.length === 1) return [failedResult(toRewardError(error, `${this.modelId} failed`))];
      results = [];
      for (const sample of samples) {
        throwIfAborted(options.signal);
        try {
          const [one] = await this.scoreBatch([sample], options.signal);
          results.push(one ?? failedResult(new ExpertFailedError(`${this.modelId} returned no result`)));
        } catch (itemError) {
          throwIfAborted(options.signal);
          results.push(failedResult(toRewardError(itemError, `${this.modelId} failed`)));
        }
      }
    }
    throwIfAborted(options.signal);
    if (results.length !== samples.length) {
      throw new ExpertFailedError(`${this.modelId} returned ${results.length} results for ${samples.length} samples`);
    }
    return results;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.onDispose();
  }
}

/** A result for an item that failed. */
export function failedResult(error: T2IRewardError, warnings: string[] = []): RewardItemResult {
  return { score: null, raw: null, warnings, error };
}

/** Clamps to [0, 1]; NaN stays NaN so callers notice. */
export function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
