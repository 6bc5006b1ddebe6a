import { setMaxListeners } from 'node:events';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { BroadcastChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { ExpertFailedError, InvalidConfigError, ModelDisposedError, RewardAbortedError, RuntimeUnavailableError, throwIfAborted } from '../errors.js';
import type { ExpertConfig } from '../config/schema.js';
import type { ImageLoadOptions } from '../images/load.js';
import type { RewardCallOptions, RewardItemResult, RewardModelV1, RewardSample } from '../spec.js';
import type { ExpertBuild, PoolImageOptions, PoolReply, PoolTask, PoolWorkerData } from './protocol.js';
import { resultFromWire, rewardErrorFromWire, samplesToWire } from './wire.js';

export interface RewardPoolOptions {
  /** Worker threads (default: `os.availableParallelism()`, one per core). */
  threads?: number;
  /**
   * Modules every worker imports for expert plugins that are not found by kind (package names or file URLs
   * exporting `expertPlugin` or `expertPlugins`). Built-in kinds and packages named by `kind` need none.
   */
  modules?: readonly string[];
  /** The worker module (default: core's own; from source, `src/pool/worker.ts` run through tsx). */
  workerFile?: string | URL;
  /** Node flags for the workers (default: none; from source, tsx and the `t2ir-source` condition). */
  execArgv?: readonly string[];
  /**
   * Nice value of the worker threads (Linux: per thread; 0..19). Default 10: models yield the CPU to the calling
   * thread whenever it has work, so a server's event loop (health checks, intake) and a trainer's sampling stay
   * prompt while every core scores; throughput is unchanged when that thread idles. 0 keeps normal priority.
   */
  nice?: number;
}

/** The workers' default nice value (see RewardPoolOptions.nice). */
export const DEFAULT_POOL_NICE = 10;

export interface RewardPoolStats {
  /** Worker threads alive now. */
  threads: number;
  maxThreads: number;
  /** Tasks waiting for a free worker. */
  queued: number;
  /** Tasks finished. */
  completed: number;
}

/** Core's worker module and the flags it needs: dist/pool-worker.js when built, the TypeScript source under tsx. */
function defaultWorker(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { file: new URL('./pool-worker.js', here).href, execArgv: [] };
  const require = createRequire(here);
  let tsx: string;
  try {
    tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  } catch (error) {
    throw new RuntimeUnavailableError('running the reward pool from TypeScript sources needs tsx (npm install -D tsx), or build @t2i-reward/core', {
      cause: error,
    });
  }
  return { file: new URL('./worker.ts', here).href, execArgv: ['--import', tsx, '--conditions=t2ir-source'] };
}

let poolCounter = 0;

/**
 * A pool of worker threads that run CPU experts off the calling thread (piscina underneath). Workers start on
 * first use; each builds the experts it is asked for from their config entries and keeps them until they are
 * disposed. `destroy()` terminates the threads. Share one pool between experts to keep one thread per core.
 */
export class RewardPool {
  readonly maxThreads: number;
  /** The workers' nice value (RewardPoolOptions.nice). */
  readonly nice: number;
  readonly #options: RewardPoolOptions;
  readonly #channelName = `t2i-reward-pool/${process.pid}/${++poolCounter}/${randomUUID()}`;
  #piscina: Promise<Piscina> | undefined;
  #instance: Piscina | undefined;
  #channel: BroadcastChannel | undefined;
  #destroyed: Promise<void> | undefined;
  #holders = 0;
  #destroyWhenUnheld = false;

  constructor(options: RewardPoolOptions = {}) {
    const threads = options.threads ?? defaultPoolThreads();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new InvalidConfigError(`pool threads must be a positive integer, got ${String(threads)}`, { data: { path: 'threads' } });
    }
    const nice = options.nice ?? DEFAULT_POOL_NICE;
    if (!Number.isInteger(nice) || nice < 0 || nice > 19) {
      throw new InvalidConfigError(`pool nice must be an integer in 0..19, got ${String(nice)}`, { data: { path: 'nice' } });
    }
    this.maxThreads = threads;
    this.nice = nice;
    this.#options = options;
  }

  get destroyed(): boolean {
    return this.#destroyed !== undefined;
  }

  #start(): Promise<Piscina> {
    this.#piscina ??= (async () => {
      let PiscinaClass: typeof Piscina;
      try {
        ({ Piscina: PiscinaClass } = await import('piscina'));
      } catch (error) {
        throw new RuntimeUnavailableError('the reward pool needs piscina (npm install piscina)', { cause: error });
      }
      const fallback = this.#options.workerFile === undefined ? defaultWorker() : undefined;
      const file = String(this.#options.workerFile ?? fallback!.file);
      const workerData: PoolWorkerData = {
        modules: [...(this.#options.modules ?? [])],
        channel: this.#channelName,
        source: file.endsWith('.ts'),
        nice: this.nice,
      };
      this.#instance = new PiscinaClass({
        filename: file,
        execArgv: [...(this.#options.execArgv ?? fallback?.execArgv ?? [])],
        minThreads: this.maxThreads,
        maxThreads: this.maxThreads,
        idleTimeout: Number.MAX_SAFE_INTEGER,
        // Idle workers keep their event loop running, so disposal announcements reach them between tasks.
        atomics: 'async',
        workerData,
      });
      return this.#instance;
    })();
    return this.#piscina;
  }

  /** Runs one task on a free worker. Abort removes a queued task, or ends the worker running it. */
  async run(task: PoolTask, options: { transferList?: ArrayBuffer[]; signal?: AbortSignal } = {}): Promise<PoolReply> {
    if (this.destroyed) throw new ModelDisposedError('the reward pool was destroyed');
    const piscina = await this.#start();
    try {
      return (await piscina.run(task, {
        ...(options.transferList ? { transferList: options.transferList } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      })) as PoolReply;
    } catch (error) {
      if (options.signal?.aborted || (error as Error | null)?.name === 'AbortError') {
        throw new RewardAbortedError('scoring aborted', { cause: options.signal?.reason ?? error });
      }
      if (this.destroyed) throw new ModelDisposedError('the reward pool was destroyed', { cause: error });
      throw error;
    }
  }

  /** Tells every worker to dispose the expert built under `key`. */
  announceDispose(key: string): void {
    if (!this.#piscina || this.destroyed) return;
    if (!this.#channel) {
      this.#channel = new BroadcastChannel(this.#channelName);
      // A shared pool nobody destroys must not keep the process alive (idle piscina workers do not either).
      this.#channel.unref();
    }
    this.#channel.postMessage({ dispose: key });
  }

  /** @internal A pooled reward that uses this pool; a pool created for an ensemble ends with its last user. */
  hold(): void {
    this.#holders += 1;
  }

  /** @internal */
  async release(): Promise<void> {
    this.#holders = Math.max(0, this.#holders - 1);
    if (this.#holders === 0 && this.#destroyWhenUnheld) await this.destroy();
  }

  /**
   * Ends the pool when the last pooled reward using it is disposed: for a pool created on behalf of a set of
   * experts (an ensemble, a benchmark protocol) whose owner disposes the experts, not the pool.
   */
  destroyWhenUnheld(): void {
    this.#destroyWhenUnheld = true;
  }

  stats(): RewardPoolStats {
    const piscina = this.#instance;
    return {
      threads: piscina ? piscina.threads.length : 0,
      maxThreads: this.maxThreads,
      queued: piscina ? piscina.queueSize : 0,
      completed: piscina ? piscina.completed : 0,
    };
  }

  /** Terminates the workers (tasks still running reject). Idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      this.#channel?.close();
      this.#channel = undefined;
      if (!this.#piscina) return;
      const piscina = await this.#piscina.catch(() => undefined);
      await piscina?.destroy();
    })();
    return this.#destroyed;
  }
}

/** One worker per core: `os.availableParallelism()`. */
export function defaultPoolThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export function createRewardPool(options: RewardPoolOptions = {}): RewardPool {
  return new RewardPool(options);
}

export interface PooledRewardOptions {
  /** The pool to run in (shared with other experts); default: a pool of its own, destroyed by `dispose()`. */
  pool?: RewardPool | RewardPoolOptions;
  /** Folder relative paths resolve against (default: the working directory). */
  configDir?: string;
  /** JSON path of the entry, for error messages (default "experts/0"). */
  path?: string;
  /** Image limits for experts that load images themselves (the serialisable keys only cross). */
  image?: ImageLoadOptions;
  /**
   * Items per worker task (default: the batch split evenly over the pool's threads, so one batch keeps every
   * worker busy).
   */
  chunkSize?: number;
}

function serialisableImageOptions(image: ImageLoadOptions | undefined): PoolImageOptions {
  const { maxBytes, maxPixels, allowUrls, allowedRoot } = image ?? {};
  return {
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(maxPixels !== undefined ? { maxPixels } : {}),
    ...(allowUrls !== undefined ? { allowUrls: [...allowUrls] } : {}),
    ...(allowedRoot !== undefined ? { allowedRoot } : {}),
  };
}

/** Splits `count` items into at most `parts` contiguous chunks of near-equal size. */
export function chunkRanges(count: number, parts: number, chunkSize?: number): [number, number][] {
  const size = chunkSize ?? Math.ceil(count / Math.max(1, Math.min(parts, count)));
  const ranges: [number, number][] = [];
  for (let start = 0; start < count; start += size) ranges.push([start, Math.min(count, start + size)]);
  return ranges;
}

/**
 * One abort listener on the caller's signal for a whole call, however many pool tasks it splits into: piscina adds
 * a listener per task, and a batch split one image per task (the detector) passed Node's limit of 10 and printed
 * MaxListenersExceededWarning on every `t2ir train --demo`. The tasks share a signal of the call's own, whose
 * listeners are bounded by the call's task count; `done` drops the listener on the caller's signal.
 */
function callSignal(outer: AbortSignal | undefined): { signal?: AbortSignal; done: () => void } {
  if (!outer) return { done: () => undefined };
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  if (outer.aborted) {
    controller.abort(outer.reason);
    return { signal: controller.signal, done: () => undefined };
  }
  const forward = () => controller.abort(outer.reason);
  outer.addEventListener('abort', forward, { once: true });
  return { signal: controller.signal, done: () => outer.removeEventListener('abort', forward) };
}

/**
 * A RewardModelV1 whose model lives in pool workers: `doScore` splits the batch over the workers, sends the
 * pixels as transferable buffers, and rebuilds typed errors on return. The calling thread never runs the model.
 */
export class PooledReward implements RewardModelV1 {
  readonly specificationVersion = 'v1' as const;
  readonly kind: string;
  readonly modelId: string;
  readonly version: string;
  readonly pool: RewardPool;
  /** Thread ids of the workers that scored the last batch (diagnostics; never the calling thread's 0). */
  lastThreads: number[] = [];
  /** Items per worker task (undefined: each batch split evenly over the threads). */
  readonly chunkSize: number | undefined;
  readonly #build: ExpertBuild;
  #disposed: Promise<void> | undefined;

  /** @internal Use createPooledReward. */
  constructor(pool: RewardPool, build: ExpertBuild, identity: { kind: string; modelId: string; version: string }, chunkSize?: number) {
    this.pool = pool;
    this.#build = build;
    this.kind = identity.kind;
    this.modelId = identity.modelId;
    this.version = identity.version;
    this.chunkSize = chunkSize;
  }

  async doScore(samples: readonly RewardSample[], options: RewardCallOptions = {}): Promise<RewardItemResult[]> {
    if (this.#disposed) throw new ModelDisposedError(`${this.modelId} was disposed`);
    throwIfAborted(options.signal);
    if (samples.length === 0) return [];
    const ranges = chunkRanges(samples.length, this.pool.maxThreads, this.chunkSize);
    const call = callSignal(options.signal);
    const replies = await Promise.allSettled(
      ranges.map(([start, end]) => {
        const wire = samplesToWire(samples.slice(start, end));
        const task: PoolTask = { op: 'score', build: this.#build, samples: wire.samples };
        return this.pool.run(task, { transferList: wire.transferList, ...(call.signal ? { signal: call.signal } : {}) });
      }),
    ).finally(call.done);
    throwIfAborted(options.signal);
    if (this.#disposed) throw new ModelDisposedError(`${this.modelId} was disposed`);
    const results: RewardItemResult[] = [];
    const threads = new Set<number>();
    for (const [index, settled] of replies.entries()) {
      const [start, end] = ranges[index]!;
      if (settled.status === 'rejected') {
        // The worker died under this chunk (crash, out of memory): its items fail, the others stand.
        const error = new ExpertFailedError(`${this.modelId}: pool worker failed: ${(settled.reason as Error)?.message ?? String(settled.reason)}`, {
          cause: settled.reason,
        });
        for (let i = start; i < end; i += 1) results.push({ score: null, raw: null, warnings: [], error });
        continue;
      }
      const reply = settled.value;
      threads.add(reply.threadId);
      if (!reply.ok) throw rewardErrorFromWire(reply.error);
      if (!('results' in reply) || reply.results.length !== end - start) {
        throw new ExpertFailedError(
          `${this.modelId}: a pool worker returned ${'results' in reply ? reply.results.length : 0} results for ${end - start} samples`,
        );
      }
      for (const result of reply.results) results.push(resultFromWire(result));
    }
    this.lastThreads = [...threads];
    return results;
  }

  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      this.pool.announceDispose(this.#build.key);
      await this.pool.release();
    })();
    return this.#disposed;
  }
}

/**
 * Builds an expert from its (serialisable) config entry inside pool workers and returns a RewardModelV1 that
 * scores there. One worker builds it at once (so config and load errors surface here, with the entry's path);
 * the others build their copy on first use.
 */
export async function createPooledReward(entry: ExpertConfig, options: PooledRewardOptions = {}): Promise<PooledReward> {
  const ownPool = !(options.pool instanceof RewardPool);
  const pool = options.pool instanceof RewardPool ? options.pool : new RewardPool(options.pool);
  const build: ExpertBuild = {
    key: randomUUID(),
    entry,
    configDir: path.resolve(options.configDir ?? process.cwd()),
    path: options.path ?? 'experts/0',
    image: serialisableImageOptions(options.image),
  };
  pool.hold();
  if (ownPool) pool.destroyWhenUnheld();
  try {
    const reply = await pool.run({ op: 'describe', build });
    if (!reply.ok) throw rewardErrorFromWire(reply.error);
    if (!('identity' in reply)) throw new ExpertFailedError('a pool worker did not describe the expert');
    return new PooledReward(pool, build, reply.identity, options.chunkSize);
  } catch (error) {
    pool.announceDispose(build.key);
    await pool.release();
    throw error;
  }
}
