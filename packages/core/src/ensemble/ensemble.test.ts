import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { ExpertFailedError, InvalidConfigError, ModelDisposedError, RewardAbortedError, T2IRewardError, UnsupportedModelVersionError } from '../errors.js';
import { EXAMPLE_IMAGES } from '../examples.js';
import type { RewardModelV1, RewardSample } from '../spec.js';
import { createMockReward, createTestImage } from '../test/index.js';
import { aggregateOutcomes, createEnsemble, ensembleResultToJson, NormalizerStore, type ScoreInput } from './index.js';

const fixed = (kind: string, score: number | null) => createMockReward({ kind, score: () => score });
const red = createTestImage(8, 8, [255, 0, 0]);
const item = (prompt = 'a red square'): ScoreInput => ({ image: red, prompt });

describe('createEnsemble: aggregation', () => {
  it('mean is the plain mean of the experts that scored (weights unused)', async () => {
    const ensemble = createEnsemble({ experts: [{ model: fixed('a', 0.2), weight: 5 }, { model: fixed('b', 0.6) }] });
    const [result] = await ensemble.score([item()]);
    expect(result!.reward).toBeCloseTo(0.4);
    expect(result!.experts.a).toMatchObject({ score: 0.2, raw: 0.2, kind: 'a', weight: 5, warnings: [] });
  });

  it('weighted-mean and sum apply the weights', async () => {
    const experts = [
      { model: fixed('a', 0.2), weight: 3 },
      { model: fixed('b', 0.6), weight: 1 },
    ];
    expect((await createEnsemble({ experts, aggregate: 'weighted-mean' }).score([item()]))[0]!.reward).toBeCloseTo((0.6 + 0.6) / 4);
    expect((await createEnsemble({ experts, aggregate: 'sum' }).score([item()]))[0]!.reward).toBeCloseTo(1.2);
  });

  it('a null score is skipped by default, counted as 0 or fails the item by option', async () => {
    const experts = () => [{ model: fixed('a', 0.8) }, { model: fixed('b', null) }];
    const skip = (await createEnsemble({ experts: experts() }).score([item()]))[0]!;
    expect(skip.reward).toBeCloseTo(0.8);
    expect(skip.warnings).toContain('aggregated without b');
    expect((await createEnsemble({ experts: experts(), onMissing: 'zero' }).score([item()]))[0]!.reward).toBeCloseTo(0.4);
    const fail = (await createEnsemble({ experts: experts(), onMissing: 'fail' }).score([item()]))[0]!;
    expect(fail.reward).toBeNull();
    expect(ExpertFailedError.isInstance(fail.error)).toBe(true);
    expect(fail.experts.a!.score).toBe(0.8);
  });

  it('no reward when no expert scored; an error when every expert failed', () => {
    const none = aggregateOutcomes([{ name: 'a', weight: 1, result: { score: null, raw: null, warnings: [] } }], 'mean', 'skip');
    expect(none).toEqual({ reward: null, warnings: ['no expert scored this item'] });
    const failure = new ExpertFailedError('x');
    const all = aggregateOutcomes([{ name: 'a', weight: 1, result: { score: null, raw: null, warnings: [], error: failure } }], 'sum', 'zero');
    expect(all.reward).toBeNull();
    expect(all.error?.cause).toBe(failure);
    expect(aggregateOutcomes([{ name: 'a', weight: 0, result: { score: 1, raw: 1, warnings: [] } }], 'weighted-mean', 'skip').reward).toBeNull();
  });
});

describe('createEnsemble: inputs and failures', () => {
  it('decodes each image once for all experts and keeps the image identity', async () => {
    const a = createMockReward({ kind: 'a' });
    const b = createMockReward({ kind: 'b' });
    const ensemble = createEnsemble({ experts: [{ model: a }, { model: b }] });
    const [result] = await ensemble.score([{ image: EXAMPLE_IMAGES[0]!.path, prompt: 'a dog' }]);
    expect(a.calls[0]![0]!.image).toBe(b.calls[0]![0]!.image);
    expect(result!.image).toMatchObject({ width: 768, height: 576, source: EXAMPLE_IMAGES[0]!.path });
    expect(result!.reward).toBeGreaterThan(0);
  });

  it('a corrupt image among good ones fails only its item', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const expert = createMockReward();
    const ensemble = createEnsemble({ experts: [{ model: expert }] });
    const results = await ensemble.score([
      { image: png, prompt: 'grey' },
      { image: png.subarray(0, png.length - 20), prompt: 'truncated' },
      { image: Buffer.from('plain text'), prompt: 'not an image' },
      { image: 'https://example.com/a.png', prompt: 'not allowed' },
      { image: red, prompt: 'red' },
    ]);
    expect(results.map((result) => result.error?.code ?? result.reward?.toFixed(3))).toEqual([
      '0.502',
      'IMAGE_DECODE',
      'IMAGE_DECODE',
      'IMAGE_SOURCE_NOT_ALLOWED',
      '0.333',
    ]);
    expect(expert.calls.map((batch) => batch.map((sample) => sample.prompt))).toEqual([['grey', 'red']]);
    expect(results[1]!.experts).toEqual({});
  });

  it('an expert failing one item or the whole batch leaves the other experts and items alone', async () => {
    const picky = createMockReward({ kind: 'picky', failWhen: (sample) => sample.prompt === 'bad' });
    const crashing: RewardModelV1 = {
      ...createMockReward({ kind: 'crashing' }),
      kind: 'crashing',
      specificationVersion: 'v1',
      modelId: 'crashing',
      version: '1',
      doScore: async () => {
        throw new Error('GPU on fire');
      },
      dispose: async () => undefined,
    };
    const ensemble = createEnsemble({ experts: [{ model: picky }, { model: crashing }, { model: fixed('steady', 0.5) }] });
    const [good, bad] = await ensemble.score([item('good'), item('bad')]);
    expect(good!.reward).toBeCloseTo((1 / 3 + 0.5) / 2);
    expect(good!.experts.crashing!.error?.message).toContain('GPU on fire');
    expect(good!.warnings).toEqual(expect.arrayContaining(['crashing failed: doScore rejected: GPU on fire']));
    expect(bad!.reward).toBeCloseTo(0.5);
    expect(bad!.experts.picky!.error?.code).toBe('EXPERT_FAILED');
  });

  it('a malformed expert result becomes a per-item error', async () => {
    const liar = createMockReward({ kind: 'liar', score: () => ({ score: Number.NaN }) });
    const [result] = await createEnsemble({ experts: [{ model: liar }, { model: fixed('ok', 1) }] }).score([item()]);
    expect(result!.experts.liar!.error?.message).toContain('non-finite');
    expect(result!.reward).toBe(1);
  });

  it('fills specs with resolveSpec, keeping given ones', async () => {
    const expert = createMockReward();
    const spec = { objects: [{ name: 'cat' }], relations: [] };
    const ensemble = createEnsemble({
      experts: [{ model: expert }],
      resolveSpec: (sample) => ({ prompt: sample.prompt, objects: [{ name: 'square' }], relations: [] }),
    });
    await ensemble.score([item(), { ...item('a cat'), spec }]);
    expect(expert.calls[0]!.map((sample) => sample.spec?.objects[0]?.name)).toEqual(['square', 'cat']);
  });

  it('parses prompts once for all experts by default (core parser), or not at all', async () => {
    const a = createMockReward({ kind: 'a' });
    const b = createMockReward({ kind: 'b' });
    await createEnsemble({ experts: [{ model: a }, { model: b }] }).score([item('a dog on the left of a cat')]);
    const spec = a.calls[0]![0]!.spec;
    expect(spec?.relations).toEqual([expect.objectContaining({ subject: 'dog', relation: 'left of', object: 'cat' })]);
    expect(b.calls[0]![0]!.spec).toBe(spec);
    const c = createMockReward();
    await createEnsemble({ experts: [{ model: c }], resolveSpec: false }).score([item('a dog')]);
    expect(c.calls[0]![0]!.spec).toBeUndefined();
  });

  it('runs experts concurrently', async () => {
    let releaseA!: () => void;
    const bStarted = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const a = createMockReward({ kind: 'a' });
    // Two models of their own kind that score as `a`, each after its own step.
    const scoresAfter = (kind: string, step: () => Promise<void> | void): RewardModelV1 => ({
      specificationVersion: 'v1',
      kind,
      modelId: kind,
      version: '1',
      doScore: async (samples) => {
        await step();
        return a.doScore(samples);
      },
      dispose: async () => undefined,
    });
    const waitsForB = scoresAfter('waits', () => bStarted);
    const signalsA = scoresAfter('signals', () => releaseA());
    // Sequential calls would wait forever: the first expert only finishes once the second has started.
    const [result] = await createEnsemble({ experts: [{ model: waitsForB }, { model: signalsA }] }).score([item()]);
    expect(result!.reward).toBeCloseTo(1 / 3);
  });

  it('reports progress per batch', async () => {
    const progress: [number, number][] = [];
    const expert = createMockReward();
    const ensemble = createEnsemble({ experts: [{ model: expert }], batchSize: 2 });
    await ensemble.score([item(), item(), item(), item(), item()], { onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(expert.calls.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });
});

describe('createEnsemble: lifecycle and validation', () => {
  it('rejects models of an unknown specification version', () => {
    const future = { ...fixed('a', 1), specificationVersion: 'v2' } as unknown as RewardModelV1;
    expect(() => createEnsemble({ experts: [{ model: future }] })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MODEL_VERSION' }));
    try {
      createEnsemble({ experts: [{ model: future }] });
    } catch (error) {
      expect(UnsupportedModelVersionError.isInstance(error)).toBe(true);
    }
  });

  it('validates weights, names and policies, and names repeated kinds', () => {
    const bad = (options: Parameters<typeof createEnsemble>[0]) => {
      try {
        createEnsemble(options);
      } catch (error) {
        return InvalidConfigError.isInstance(error) ? error.data?.path : error;
      }
      return 'no error';
    };
    expect(bad({ experts: [{ model: fixed('a', 1), weight: '1' as never }] })).toBe('experts/0/weight');
    expect(bad({ experts: [{ model: fixed('a', 1) }, { model: fixed('a', 1), weight: -1 }] })).toBe('experts/1/weight');
    expect(
      bad({
        experts: [
          { name: 'x', model: fixed('a', 1) },
          { name: 'x', model: fixed('b', 1) },
        ],
      }),
    ).toBe('experts/1/name');
    expect(bad({ experts: [{ model: fixed('a', 1) }], aggregate: 'max' as never })).toBe('aggregate');
    expect(bad({ experts: [] })).toBe('experts');
    const ensemble = createEnsemble({ experts: [{ model: fixed('detector', 1) }, { model: fixed('detector', 0) }, { model: fixed('vqa', 1) }] });
    expect(ensemble.experts.map((expert) => expert.name)).toEqual(['detector', 'detector-2', 'vqa']);
    expect(ensemble.kind).toBe('ensemble');
    expect(ensemble.modelId).toBe('ensemble/mean/skip(detector=detector/mock-brightness,detector-2=detector/mock-brightness,vqa=vqa/mock-brightness)');
  });

  it('honours an aborted signal, even with an expert that never returns', async () => {
    const never: RewardModelV1 = {
      specificationVersion: 'v1',
      kind: 'never',
      modelId: 'never',
      version: '1',
      doScore: () => new Promise(() => undefined),
      dispose: async () => undefined,
    };
    const ensemble = createEnsemble({ experts: [{ model: never }] });
    await expect(ensemble.score([item()], { signal: AbortSignal.abort() })).rejects.toSatisfy(RewardAbortedError.isInstance);
    const controller = new AbortController();
    const pending = ensemble.score([item()], { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(pending).rejects.toSatisfy(RewardAbortedError.isInstance);
  });

  it('dispose disposes every expert once; later calls reject', async () => {
    const a = createMockReward({ kind: 'a' });
    const b = createMockReward({ kind: 'b' });
    const ensemble = createEnsemble({ experts: [{ model: a }, { model: b }] });
    await ensemble.dispose();
    await ensemble.dispose();
    expect([a.disposeCount, b.disposeCount]).toEqual([1, 1]);
    await expect(ensemble.score([item()])).rejects.toSatisfy(ModelDisposedError.isInstance);
  });

  it('is a RewardModelV1 whose details keep every expert, as JSON', async () => {
    const ensemble = createEnsemble({ experts: [{ model: fixed('a', 0.25) }, { model: fixed('b', null) }] });
    const samples: RewardSample[] = [{ image: red, prompt: 'x' }];
    const [result] = await ensemble.doScore(samples);
    expect(result).toMatchObject({ score: 0.25, raw: 0.25, details: { experts: { a: { score: 0.25 }, b: { score: null } } } });
    const [full] = await ensemble.scoreSamples(samples);
    const json = JSON.parse(JSON.stringify(ensembleResultToJson(full!)));
    expect(json).toMatchObject({ reward: 0.25, experts: { a: { kind: 'a', score: 0.25, raw: 0.25 } }, image: { width: 8 } });
    const failed = ensembleResultToJson({ reward: null, experts: {}, warnings: [], error: new ExpertFailedError('x') });
    expect(failed.error).toEqual({ name: 'ExpertFailedError', code: 'EXPERT_FAILED', message: 'x' });
    expect(T2IRewardError.isInstance(new ExpertFailedError('x'))).toBe(true);
  });
});

describe('createEnsemble: per-expert normalisation', () => {
  /** An expert whose score is read from the prompt's table (missing → null). */
  const byPrompt = (kind: string, table: Record<string, number | null>) => createMockReward({ kind, score: (sample) => table[sample.prompt] ?? null });
  const prompts = ['p1 a', 'p1 b', 'p2 a', 'p2 b', 'p2 c'];
  const inputs = (group: (p: string) => string) => prompts.map((prompt) => ({ image: red, prompt, metadata: { group: group(prompt) } }));
  const small = { 'p1 a': 0.1, 'p1 b': 0.3, 'p2 a': 0.5, 'p2 b': null, 'p2 c': 0.9 };
  const large = { 'p1 a': 100, 'p1 b': 300, 'p2 a': 700, 'p2 b': 500, 'p2 c': 600 };

  it('group-z per expert before a weighted sum: the ×1000 expert no longer drowns the other', async () => {
    const ensemble = createEnsemble({
      aggregate: 'sum',
      experts: [
        { name: 'small', model: byPrompt('s', small), normalize: { mode: 'group-z' } },
        { name: 'large', model: byPrompt('l', large), normalize: { mode: 'group-z' } },
      ],
    });
    const results = await ensemble.score(inputs((p) => p.slice(0, 2)));
    // p1: each expert's two values z-score to ∓1 (population std, ε = 1e-4).
    const z1 = 0.1 / (0.1 + 1e-4);
    expect(results[0]!.experts.small!.normalized!.value).toBeCloseTo(-z1, 12);
    expect(results[0]!.experts.small!.score).toBe(0.1); // the raw score stays
    expect(results[0]!.experts.large!.normalized).toMatchObject({ mode: 'group-z', stats: { count: 2, mean: 200, std: 100 } });
    expect(results[0]!.reward).toBeCloseTo(-z1 - 100 / (100 + 1e-4), 12);
    // p2 b: small is missing (null) and stays out of p2's statistics: {0.5, 0.9}.
    expect(results[3]!.experts.small!.normalized).toEqual({ value: null, mode: 'group-z', stats: null });
    expect(results[2]!.experts.small!.normalized!.stats).toEqual({ count: 2, mean: 0.7, std: expect.closeTo(0.2, 12) as unknown as number });
    expect(results[3]!.reward).toBeCloseTo(results[3]!.experts.large!.normalized!.value!, 12);
  });

  it('groups default to the prompt; statistics span the whole call across batches', async () => {
    const model = byPrompt('l', large);
    const ensemble = createEnsemble({ batchSize: 2, experts: [{ model, normalize: { mode: 'batch-z' } }] });
    const results = await ensemble.score(prompts.map((prompt) => ({ image: red, prompt })));
    const values = Object.values(large);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    results.forEach((result, i) => expect(result.reward).toBeCloseTo((values[i]! - mean) / (std + 1e-4), 12));
    expect(model.calls.length).toBe(3);
  });

  it('running-z statistics persist across calls and restore from JSON', async () => {
    const make = (normalizers?: NormalizerStore) =>
      createEnsemble({ experts: [{ name: 'l', model: byPrompt('l', large), normalize: { mode: 'running-z' } }], ...(normalizers ? { normalizers } : {}) });
    const straight = make();
    const first = await straight.score(inputs(() => 'g').slice(0, 2));
    const second = await straight.score(inputs(() => 'g').slice(2));
    expect(first[0]!.experts.l!.normalized!.stats).toMatchObject({ count: 2, key: '*' });
    expect(second[0]!.experts.l!.normalized!.stats).toMatchObject({ count: 5, mean: 440 });
    const restarted = make();
    await restarted.score(inputs(() => 'g').slice(0, 2));
    const resumed = make(NormalizerStore.fromJSON(JSON.parse(JSON.stringify(restarted.normalizers.toJSON()))));
    expect((await resumed.score(inputs(() => 'g').slice(2))).map((r) => r.reward)).toEqual(second.map((r) => r.reward));
  });

  it('a per-call override replaces the configured mode; rank averages ties; bad overrides fail before scoring', async () => {
    const ties = byPrompt('t', { 'p1 a': 2, 'p1 b': 2, 'p2 a': 1 });
    const ensemble = createEnsemble({ experts: [{ name: 't', model: ties }] });
    const raw = await ensemble.score(inputs(() => 'g').slice(0, 3));
    expect(raw.map((r) => r.reward)).toEqual([2, 2, 1]);
    expect(raw[0]!.experts.t!.normalized).toBeUndefined();
    const ranked = await ensemble.score(inputs(() => 'g').slice(0, 3), { normalize: { t: { mode: 'rank' } } });
    expect(ranked.map((r) => r.reward)).toEqual([0.75, 0.75, 0]);
    expect(ensembleResultToJson(ranked[0]!)).toMatchObject({
      experts: { t: { score: 2, normalized: { value: 0.75, mode: 'rank', stats: { rank: 2.5, count: 3 } } } },
    });
    await expect(ensemble.score([item()], { normalize: { nobody: { mode: 'rank' } } })).rejects.toThrow(/names no expert 'nobody'/);
    await expect(ensemble.score([item()], { normalize: { mode: 'zz' } as never })).rejects.toThrow(InvalidConfigError);
    expect(ties.calls.length).toBe(2);
    expect(() => createEnsemble({ experts: [{ model: ties, normalize: { mode: 'group-z', decay: 3 } }] })).toThrow(/experts\/0\/normalize\/decay/);
  });
});
