import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnsembleFromConfig } from '../config/config.js';
import { EXAMPLE_IMAGES } from '../examples.js';
import { ImageDecodeError, InvalidConfigError, ModelDisposedError, ModelLoadError, RewardAbortedError, T2IRewardError } from '../errors.js';
import { loadImage } from '../images/load.js';
import type { RewardSample, RgbImage } from '../spec.js';
import { describeRewardContract } from '../test/index.js';
import { createTestImage } from '../test/mock.js';
import { FIXTURE_KIND, expertPlugin } from './__fixtures__/cpu-plugin.js';
import { createPooledReward, createRewardPool, chunkRanges, DEFAULT_POOL_NICE, type PooledReward } from './pool.js';
import { errorFromWire, errorToWire } from './wire.js';

const fixtureModule = new URL('./__fixtures__/cpu-plugin.ts', import.meta.url).href;
const photos = await Promise.all(EXAMPLE_IMAGES.map(async ({ path, prompt }) => ({ image: await loadImage(path), prompt })));
const corrupt = { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'a dog' };
const entry = (options: Record<string, unknown> = {}) => ({ kind: FIXTURE_KIND, backend: { type: 'js' }, options });

// One pool of two fixture workers for the RewardPool tests and the abort-signal tests below.
const pool = createRewardPool({ threads: 2, modules: [fixtureModule] });
afterAll(() => pool.destroy());

describe('RewardPool', () => {
  it('scores the bundled photos as the same expert does in-thread, on worker threads, one batch spread over both', async () => {
    const pooled = await createPooledReward(entry(), { pool });
    const inThread = await expertPlugin.create(entry(), { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} });
    const [a, b] = await Promise.all([pooled.doScore(photos), inThread.doScore(photos)]);
    expect(a.map((r) => r.score)).toEqual(b.map((r) => r.score));
    expect(a.map((r) => r.raw)).toEqual(b.map((r) => r.raw));
    expect(b.every((r) => r.details?.threadId === 0)).toBe(true);
    const threads = new Set(a.map((r) => r.details?.threadId));
    expect(threads.has(0)).toBe(false);
    expect(threads.size).toBe(2);
    expect(pooled.lastThreads.sort()).toEqual([...threads].sort());
    // The caller's images are copied, not detached by the transfer.
    expect(photos[0]!.image.data.byteLength).toBe(photos[0]!.image.width * photos[0]!.image.height * 3);
    await pooled.dispose();
    await inThread.dispose();
  });

  it('a bad image fails its item only, with its typed error rebuilt on this thread', async () => {
    const pooled = await createPooledReward(entry(), { pool });
    const results = await pooled.doScore([photos[0]!, corrupt, photos[1]!]);
    expect(results[0]!.error).toBeUndefined();
    expect(results[2]!.error).toBeUndefined();
    expect(results[1]!.score).toBeNull();
    expect(ImageDecodeError.isInstance(results[1]!.error)).toBe(true);
    expect(results[1]!.error).toBeInstanceOf(ImageDecodeError);
    expect(results[1]!.error?.data).toEqual({ width: 3, height: 3 });
    await pooled.dispose();
  });

  it('abort: a running task is stopped (RewardAbortedError) and the pool keeps scoring', async () => {
    // The task would spin for ten minutes, far past the test's timeout: a rejection at all shows it was stopped,
    // not waited for (no wall-clock bound needed).
    const slow = await createPooledReward(entry({ spinMs: 600_000 }), { pool });
    const controller = new AbortController();
    const pending = slow.doScore(photos.slice(0, 2), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await expect(pending).rejects.toSatisfy(RewardAbortedError.isInstance);
    const already = new AbortController();
    already.abort();
    await expect(slow.doScore(photos, { signal: already.signal })).rejects.toSatisfy(RewardAbortedError.isInstance);
    await slow.dispose();
    const fast = await createPooledReward(entry(), { pool });
    const results = await fast.doScore(photos.slice(0, 3));
    expect(results.every((r) => typeof r.score === 'number')).toBe(true);
    await fast.dispose();
  });

  it('a model that cannot load rejects at creation with its typed error', async () => {
    await expect(createPooledReward(entry({ failLoad: true }), { pool, path: 'experts/3' })).rejects.toSatisfy(ModelLoadError.isInstance);
    await expect(createPooledReward({ kind: FIXTURE_KIND, backend: { type: 'onnx' } }, { pool, path: 'experts/1' })).rejects.toThrow(
      /experts\/1\/backend\/type/,
    );
  });

  it('disposing one pooled expert leaves the others of a shared pool working', async () => {
    const first = await createPooledReward(entry(), { pool });
    const second = await createPooledReward(entry(), { pool });
    await first.dispose();
    await first.dispose();
    await expect(first.doScore(photos)).rejects.toSatisfy(ModelDisposedError.isInstance);
    expect((await second.doScore(photos.slice(0, 2))).every((r) => r.error === undefined)).toBe(true);
    expect(pool.destroyed).toBe(false);
    await second.dispose();
  });
});

describe('pooled expert: the core reward contract', () => {
  describeRewardContract('pool-fixture in a pool of its own', () => createPooledReward(entry(), { pool: { threads: 2, modules: [fixtureModule] } }), {
    samples: photos.slice(0, 3),
    unprocessableSample: corrupt,
  });
});

describe('dispose frees the workers', () => {
  it('a reward with a pool of its own ends its threads', async () => {
    const pooled = await createPooledReward(entry(), { pool: { threads: 2, modules: [fixtureModule] } });
    await pooled.doScore(photos);
    expect(pooled.pool.stats().threads).toBe(2);
    await pooled.dispose();
    expect(pooled.pool.destroyed).toBe(true);
    expect(pooled.pool.stats().threads).toBe(0);
    await expect(pooled.doScore(photos)).rejects.toSatisfy(ModelDisposedError.isInstance);
  });

  it('an ensemble built from config runs pool backends in its own pool and destroys it with itself', async () => {
    const config = {
      experts: [
        { kind: FIXTURE_KIND, name: 'pooled' },
        { kind: FIXTURE_KIND, name: 'local', execution: 'in-process' as const },
      ],
    };
    const ensemble = await createEnsembleFromConfig(config, { plugins: [expertPlugin], pool: { threads: 2, modules: [fixtureModule] } });
    // Plugin objects cannot cross threads: without `execution: 'pool'` a given plugin stays in-process.
    const samples: RewardSample[] = photos.slice(0, 2);
    const [result] = await ensemble.scoreSamples(samples);
    expect(result!.experts.pooled!.details?.threadId).toBe(0);
    await ensemble.dispose();

    const pooledConfig = {
      experts: [
        { kind: FIXTURE_KIND, name: 'pooled', execution: 'pool' as const },
        { kind: FIXTURE_KIND, name: 'local' },
      ],
    };
    const mixed = await createEnsembleFromConfig(pooledConfig, { plugins: [expertPlugin], pool: { threads: 2, modules: [fixtureModule] } });
    const results = await mixed.scoreSamples(samples);
    for (const item of results) {
      expect(item.experts.pooled!.details?.threadId).not.toBe(0);
      expect(item.experts.local!.details?.threadId).toBe(0);
      expect(item.experts.pooled!.score).toBe(item.experts.local!.score);
    }
    const pooled = mixed.experts.find((expert) => expert.name === 'pooled')!.model as PooledReward;
    expect(pooled.pool.stats().threads).toBe(2);
    expect(pooled.chunkSize).toBeUndefined();
    await mixed.dispose();
    expect(pooled.pool.destroyed).toBe(true);
    expect(pooled.pool.stats().threads).toBe(0);
  });

  it("a plugin's poolChunkSize sets the items per worker task of its pooled entries", async () => {
    const ensemble = await createEnsembleFromConfig(
      { experts: [{ kind: FIXTURE_KIND, name: 'pooled', execution: 'pool' as const }] },
      { plugins: [{ ...expertPlugin, poolChunkSize: 1 }], pool: { threads: 2, modules: [fixtureModule] } },
    );
    const pooled = ensemble.experts[0]!.model as PooledReward;
    expect(pooled.chunkSize).toBe(1);
    // Four images, one per task, each scored (on a worker) once.
    const results = await ensemble.scoreSamples(photos.slice(0, 4));
    expect(results.every((item) => item.experts.pooled!.score !== null && item.experts.pooled!.details?.threadId !== 0)).toBe(true);
    await ensemble.dispose();
  });

  it('a process that leaves a shared pool running still exits on its own', async () => {
    const script = fileURLToPath(new URL('./__fixtures__/leave-pool-running.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=t2ir-source', '--import', 'tsx', script], { timeout: 100_000 });
    expect(stdout).toMatch(/^scored 0\.50\d+; pool threads 1$/m);
  });

  it('pool: false keeps every expert in-process; a bad execution value is refused with its path', async () => {
    const ensemble = await createEnsembleFromConfig({ experts: [{ kind: FIXTURE_KIND, execution: 'pool' }] }, { plugins: [expertPlugin], pool: false });
    const [result] = await ensemble.scoreSamples([photos[0]!]);
    expect(result!.experts[FIXTURE_KIND]!.details?.threadId).toBe(0);
    await ensemble.dispose();
    await expect(createEnsembleFromConfig({ experts: [{ kind: FIXTURE_KIND, execution: 'gpu' as never }] }, { plugins: [expertPlugin] })).rejects.toSatisfy(
      (error: unknown) => InvalidConfigError.isInstance(error) && /experts\/0\/execution/.test((error as Error).message),
    );
  });
});

describe('wire', () => {
  it('typed errors keep class, code, data and cause across the boundary', () => {
    const original = new ImageDecodeError('bad bytes', { data: { index: 2, fn: undefined }, cause: new TypeError('truncated') });
    const back = errorFromWire(structuredClone(errorToWire(original)));
    expect(ImageDecodeError.isInstance(back)).toBe(true);
    expect((back as T2IRewardError).code).toBe('IMAGE_DECODE');
    expect((back as T2IRewardError).data).toEqual({ index: 2 });
    expect((back.cause as Error).name).toBe('TypeError');
    expect((back.cause as Error).message).toBe('truncated');
    const plugin = new T2IRewardError('OCR_FAILED', 'no text');
    plugin.name = 'OcrError';
    const rebuilt = errorFromWire(errorToWire(plugin)) as T2IRewardError;
    expect(T2IRewardError.isInstance(rebuilt)).toBe(true);
    expect([rebuilt.name, rebuilt.code]).toEqual(['OcrError', 'OCR_FAILED']);
  });

  it.runIf(process.platform === 'linux')('workers run at nice 10 by default (the owning thread keeps its priority); nice: 0 keeps theirs', async () => {
    const before = os.getPriority();
    const lowered = await createPooledReward(entry(), { pool: { threads: 1, modules: [fixtureModule] } });
    const [low] = await lowered.doScore(photos.slice(0, 1));
    expect(low!.details?.nice).toBe(Math.max(before, DEFAULT_POOL_NICE));
    expect(os.getPriority()).toBe(before);
    await lowered.dispose();
    const normal = await createPooledReward(entry(), { pool: { threads: 1, nice: 0, modules: [fixtureModule] } });
    const [same] = await normal.doScore(photos.slice(0, 1));
    expect(same!.details?.nice).toBe(before);
    await normal.dispose();
    expect(() => createRewardPool({ nice: 20 })).toThrow(InvalidConfigError);
  });

  it('chunkRanges splits a batch evenly over the threads', () => {
    expect(chunkRanges(5, 2)).toEqual([
      [0, 3],
      [3, 5],
    ]);
    expect(chunkRanges(1, 4)).toEqual([[0, 1]]);
    expect(chunkRanges(8, 2, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 8],
    ]);
    expect(createTestImage(2, 2).data.length).toBe(12);
  });
});

describe('RewardPool and abort signals', () => {
  it("a batch split into many tasks adds one listener to the caller's signal (no MaxListenersExceededWarning), removed after", async () => {
    const pooled = await createPooledReward(entry(), { pool, chunkSize: 1 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const controller = new AbortController();
    const batch = Array.from({ length: 16 }, (_, i) => photos[i % photos.length]!);
    try {
      const scoring = pooled.doScore(batch, { signal: controller.signal });
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      const results = await scoring;
      expect(results.every((result) => typeof result.score === 'number')).toBe(true);
      // Node emits the warning on the next tick after the 11th listener.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      process.off('warning', onWarning);
      await pooled.dispose();
    }
  });

  it("aborting the caller's signal still ends every task of the call", async () => {
    const pooled = await createPooledReward(entry({ spinMs: 20_000 }), { pool, chunkSize: 1 });
    const controller = new AbortController();
    const scoring = pooled.doScore([photos[0]!, photos[1]!, photos[2]!], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(scoring).rejects.toSatisfy(RewardAbortedError.isInstance);
    await pooled.dispose();
  });
});
