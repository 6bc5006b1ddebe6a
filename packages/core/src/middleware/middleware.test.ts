import { describe, expect, it } from 'vitest';
import { createEnsemble, wrapEnsembleExperts } from '../ensemble/ensemble.js';
import { ModelLoadError } from '../errors.js';
import type { PromptSpec } from '../prompt-spec/types.js';
import type { RewardSample } from '../spec.js';
import { createMockReward, createTestImage } from '../test/mock.js';
import { cacheMiddleware, canonicalJson, memoryScoreStore, scoreCacheKey, type CachedScore } from './cache.js';
import { metricsMiddleware, type ScoreCallMetrics } from './metrics.js';
import { wrapRewardModel, type RewardMiddleware } from './wrap.js';

const red = createTestImage(4, 4, [255, 0, 0]);
const grey = createTestImage(4, 4, [128, 128, 128]);
const sample = (image = red, prompt = 'a red square'): RewardSample => ({ image, prompt });

describe('wrapRewardModel', () => {
  it('keeps the identity and applies an array of middlewares first-outermost', async () => {
    const model = createMockReward({ kind: 'toy', modelId: 'toy/1' });
    const order: string[] = [];
    const tag = (name: string): RewardMiddleware => ({
      async wrapScore({ doScore, samples, options }) {
        order.push(`${name}>`);
        const results = await doScore(samples, options);
        order.push(`<${name}`);
        return results;
      },
    });
    const wrapped = wrapRewardModel(model, [tag('a'), tag('b')]);
    expect([wrapped.specificationVersion, wrapped.kind, wrapped.modelId, wrapped.version]).toEqual(['v1', 'toy', 'toy/1', model.version]);
    const [result] = await wrapped.doScore([sample(grey)]);
    expect(result!.score).toBeCloseTo(128 / 255, 6);
    expect(order).toEqual(['a>', 'b>', '<b', '<a']);
    await wrapped.dispose();
    expect(model.disposeCount).toBe(1);
  });
});

describe('cacheMiddleware', () => {
  it('sends only misses to the model and answers repeats from the store', async () => {
    const model = createMockReward();
    const cache = cacheMiddleware();
    const wrapped = wrapRewardModel(model, cache);
    const first = await wrapped.doScore([sample(red), sample(grey)]);
    const second = await wrapped.doScore([sample(grey), sample(red, 'another prompt'), sample(red)]);
    expect(model.calls.map((call) => call.length)).toEqual([2, 1]);
    expect(second[0]!.score).toBe(first[1]!.score);
    expect(second[2]!.score).toBe(first[0]!.score);
    expect([cache.hits, cache.misses]).toEqual([2, 3]);
    // A hit owns its warnings array.
    second[0]!.warnings.push('mutated');
    expect((await wrapped.doScore([sample(grey)]))[0]!.warnings).toEqual([]);
  });

  it('never stores failed items and reports lookups', async () => {
    const model = createMockReward({ failWhen: (s) => s.prompt === 'bad' });
    const lookups: boolean[][] = [];
    const wrapped = wrapRewardModel(model, cacheMiddleware({ onLookup: (_, cached) => lookups.push([...cached]) }));
    await wrapped.doScore([sample(red, 'bad'), sample(red)]);
    const again = await wrapped.doScore([sample(red, 'bad'), sample(red)]);
    expect(again[0]!.error?.message).toMatch(/cannot score this item/); // failed again: scored, not served from the cache
    expect(lookups).toEqual([
      [false, false],
      [false, true],
    ]);
  });

  it('keys on spec and extra options, and a key of undefined always scores', async () => {
    const spec: PromptSpec = { objects: [{ name: 'square' }], relations: [] };
    const base = { modelId: 'm', version: '1', imageHash: red.hash, prompt: 'p' };
    expect(scoreCacheKey(base)).not.toBe(scoreCacheKey({ ...base, spec }));
    expect(scoreCacheKey({ ...base, options: { a: 1, b: 2 } })).toBe(scoreCacheKey({ ...base, options: { b: 2, a: 1 } }));
    expect(canonicalJson({ b: [1, { d: 1, c: undefined }], a: null })).toBe('{"a":null,"b":[1,{"d":1}]}');
    const model = createMockReward();
    const wrapped = wrapRewardModel(model, cacheMiddleware({ key: () => undefined }));
    await wrapped.doScore([sample()]);
    await wrapped.doScore([sample()]);
    expect(model.calls.length).toBe(2);
  });

  it('memoryScoreStore is bounded by bytes too: large details evict the least recently used, an oversized value is not kept', () => {
    const store = memoryScoreStore(10_000, 40_000);
    const details = { boxes: 'x'.repeat(4_000) };
    for (let index = 0; index < 10; index++) store.set(`k${index}`, { score: index, raw: index, warnings: [], details });
    expect(store.bytes).toBeLessThanOrEqual(40_000);
    expect(store.size).toBeLessThan(10);
    expect((store.get('k9') as CachedScore | undefined)?.score).toBe(9);
    expect(store.get('k0')).toBeUndefined();
    store.set('huge', { score: 1, raw: 1, warnings: [], details: { blob: 'y'.repeat(20_000) } });
    expect(store.get('huge')).toBeUndefined();
  });

  it('memoryScoreStore evicts the least recently used entry', () => {
    const store = memoryScoreStore(2);
    const value = { score: 1, raw: 1, warnings: [] };
    store.set('a', value);
    store.set('b', value);
    store.get('a');
    store.set('c', value);
    expect([store.get('a'), store.get('b'), store.get('c')].map(Boolean)).toEqual([true, false, true]);
    expect(store.size).toBe(2);
  });
});

describe('metricsMiddleware', () => {
  it('counts ok / error / null per call and reports a thrown call as all errors', async () => {
    const seen: ScoreCallMetrics[] = [];
    const model = createMockReward({ score: (s) => (s.prompt === 'null' ? null : 0.5), failWhen: (s) => s.prompt === 'bad' });
    const wrapped = wrapRewardModel(
      model,
      metricsMiddleware((m) => seen.push(m)),
    );
    await wrapped.doScore([sample(red, 'ok'), sample(red, 'null'), sample(red, 'bad')]);
    expect(seen[0]).toMatchObject({ samples: 3, ok: 1, nullScore: 1, error: 1 });
    const broken = wrapRewardModel(
      {
        ...model,
        specificationVersion: 'v1',
        kind: 'x',
        modelId: 'x',
        version: '0',
        doScore: () => Promise.reject(new ModelLoadError('gone')),
        dispose: async () => {},
      },
      metricsMiddleware((m) => seen.push(m)),
    );
    await expect(broken.doScore([sample(), sample()])).rejects.toThrow('gone');
    expect(seen[1]).toMatchObject({ samples: 2, ok: 0, error: 2, nullScore: 0 });
    expect(ModelLoadError.isInstance(seen[1]!.thrown)).toBe(true);
  });
});

describe('wrapEnsembleExperts', () => {
  it('wraps each expert and keeps every ensemble option (batch size, image limits, spec resolution)', async () => {
    const a = createMockReward({ kind: 'a', score: (s) => (s.spec ? 1 : 0) });
    const b = createMockReward({ kind: 'b' });
    const resolved: string[] = [];
    const ensemble = createEnsemble({
      experts: [
        { model: a, weight: 2 },
        { name: 'second', model: b },
      ],
      aggregate: 'weighted-mean',
      onMissing: 'zero',
      batchSize: 1,
      resolveSpec: (s) => {
        resolved.push(s.prompt);
        return { objects: [], relations: [] };
      },
    });
    const calls: string[] = [];
    const wrapped = wrapEnsembleExperts(ensemble, (expert) =>
      expert.name === 'second' ? undefined : metricsMiddleware((m, model) => calls.push(`${expert.name}:${model.kind}:${m.samples}`)),
    );
    expect(wrapped.modelId).toBe(ensemble.modelId);
    expect(wrapped.experts.map((e) => [e.name, e.weight])).toEqual([
      ['a', 2],
      ['second', 1],
    ]);
    const results = await wrapped.score([
      { image: red, prompt: 'one' },
      { image: grey, prompt: 'two' },
    ]);
    expect(calls).toEqual(['a:a:1', 'a:a:1']); // batchSize 1 kept
    expect(resolved).toEqual(['one', 'two']); // resolveSpec kept
    expect(results[0]!.experts.a!.score).toBe(1);
    expect(wrapped.experts[1]!.model).toBe(b);
    await wrapped.dispose();
    expect([a.disposeCount, b.disposeCount]).toEqual([1, 1]);
  });

  it('refuses an object that is not a core ensemble', () => {
    expect(() => wrapEnsembleExperts({} as never, () => undefined)).toThrow(/createEnsemble/);
  });
});
