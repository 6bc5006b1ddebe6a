import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { averageRanks, NormalizerStore, normalizeScores, parseNormalizeSpec, RunningStatistics, type NormalizeSpec } from './normalize.js';

interface GoldenCall {
  values: (number | null | 'NaN')[];
  groups: number[];
  expected: (number | null)[];
}
const golden = JSON.parse(readFileSync(new URL('./__fixtures__/normalize-golden.json', import.meta.url), 'utf8')) as {
  epsilon: number;
  cases: { spec: NormalizeSpec; calls: GoldenCall[] }[];
};

const decode = (values: GoldenCall['values']) => values.map((v) => (v === 'NaN' ? Number.NaN : v));

function expectClose(actual: readonly (number | null)[], expected: readonly (number | null)[], where: string): void {
  expect(actual.length, where).toBe(expected.length);
  actual.forEach((value, i) => {
    const want = expected[i]!;
    if (want === null) expect(value, `${where} item ${i}`).toBeNull();
    else expect(Math.abs(value! - want), `${where} item ${i}: ${value} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
  });
}

describe('normalizers against the numpy port (scripts/normalize-golden.py)', () => {
  it('covers ≥ 50 sequences with missing items, one-sample groups and zero variance', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(50);
    expect(golden.epsilon).toBe(1e-4);
    const calls = golden.cases.flatMap((c) => c.calls);
    expect(calls.some((c) => c.values.includes(null))).toBe(true);
    expect(calls.some((c) => c.values.includes('NaN'))).toBe(true);
    expect(calls.some((c) => new Set(c.groups).size < c.groups.length && c.groups.some((g) => c.groups.filter((h) => h === g).length === 1))).toBe(true);
    expect(calls.some((c) => c.values.length > 2 && new Set(c.values.filter((v) => typeof v === 'number')).size === 1)).toBe(true);
    for (const mode of ['none', 'batch-z', 'group-z', 'running-z', 'rank']) expect(golden.cases.some((c) => c.spec.mode === mode)).toBe(true);
  });

  golden.cases.forEach((testCase, index) => {
    it(`case ${index}: ${JSON.stringify(testCase.spec)}`, () => {
      const store = new NormalizerStore();
      testCase.calls.forEach((call, k) => {
        const result = store.normalize('expert', decode(call.values), testCase.spec, call.groups);
        expectClose(result.values, call.expected, `call ${k}`);
        // stats are reported exactly where a value is
        result.stats.forEach((stats, i) => expect(stats === null, `stats ${i}`).toBe(result.values[i] === null));
      });
    });
  });

  it('running statistics survive a JSON round trip mid-stream (the resumed stream equals the uninterrupted one)', () => {
    for (const testCase of golden.cases.filter((c) => c.spec.mode === 'running-z' && c.calls.length >= 3)) {
      const straight = new NormalizerStore();
      const outputs = testCase.calls.map((call) => straight.normalize('e', decode(call.values), testCase.spec, call.groups).values);
      let store = new NormalizerStore();
      testCase.calls.forEach((call, k) => {
        if (k === 1) store = NormalizerStore.fromJSON(JSON.parse(JSON.stringify(store.toJSON())));
        expect(store.normalize('e', decode(call.values), testCase.spec, call.groups).values).toEqual(outputs[k]);
      });
    }
  });
});

describe('normalizer details', () => {
  it('ranks average ties', () => {
    expect(averageRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    expect(normalizeScores([5, null, 5, 1], { mode: 'rank' }).values).toEqual([0.75, null, 0.75, 0]);
  });

  it('missing items never move the statistics', () => {
    const a = new RunningStatistics();
    const b = new RunningStatistics();
    for (const x of [1, 2, 3]) a.update('*', x);
    for (const x of [1, Number.NaN, 2, Number.POSITIVE_INFINITY, 3]) b.update('*', x);
    expect(b.toJSON()).toEqual(a.toJSON());
    const z = normalizeScores([1, null, 3, Number.NaN], { mode: 'batch-z' });
    expect(z.stats[0]).toEqual({ count: 2, mean: 2, std: 1 });
  });

  it('a lone value and a constant group normalise to 0 (ε keeps the division finite)', () => {
    expect(normalizeScores([7], { mode: 'group-z', std: 'sample' }).values).toEqual([0]);
    expect(normalizeScores([2, 2, 2], { mode: 'group-z' }).values).toEqual([0, 0, 0]);
  });

  it('keeps separate running statistics per expert and per statistics kind', () => {
    const store = new NormalizerStore();
    store.normalize('a', [1, 2], { mode: 'running-z' });
    store.normalize('a', [10], { mode: 'running-z', statistics: 'ema', decay: 0.5 });
    store.normalize('b', [5], { mode: 'running-z' });
    expect(Object.keys(store.toJSON().running).sort()).toEqual(['a', 'a#ema:0.5', 'b']);
    expect(store.summary().a!['*']).toEqual({ count: 2, mean: 1.5, std: 0.5 });
  });

  it('validates specs with the bad key named', () => {
    expect(parseNormalizeSpec('group-z')).toEqual({ mode: 'group-z' });
    expect(() => parseNormalizeSpec({ mode: 'zscore' })).toThrow(/normalize\/mode must be one of/);
    expect(() => parseNormalizeSpec({ mode: 'running-z', decay: 2 })).toThrow(/normalize\/decay/);
    expect(() => parseNormalizeSpec({ mode: 'none', clip: [1, 0] })).toThrow(InvalidConfigError);
    expect(() => NormalizerStore.fromJSON({ format: 'other' } as never)).toThrow(InvalidConfigError);
  });
});

describe('normalize in ensemble configs', () => {
  it('the config schema takes `normalize` per expert and the ensemble applies it; plugins never see the key', async () => {
    const { parseEnsembleConfig, createEnsembleFromConfig } = await import('../config/config.js');
    const { createMockReward, createTestImage } = await import('../test/index.js');
    const seen: unknown[] = [];
    const plugin = {
      kind: 'toy',
      backends: ['local'],
      configSchema: { type: 'object', additionalProperties: false, properties: { kind: {}, name: {}, weight: {}, backend: {}, options: {} } },
      create: (config: unknown) => {
        seen.push(config);
        return createMockReward({ kind: 'toy', score: (sample) => Number(sample.prompt) });
      },
    };
    const config = parseEnsembleConfig({ aggregate: 'sum', experts: [{ kind: 'toy', normalize: { mode: 'group-z', std: 'sample' } }] });
    expect(() => parseEnsembleConfig({ experts: [{ kind: 'toy', normalize: { mode: 'z' } }] })).toThrow(/experts\/0\/normalize\/mode must be one of/);
    const ensemble = await createEnsembleFromConfig(config, { plugins: [plugin], pool: false });
    expect(seen).toEqual([expect.not.objectContaining({ normalize: expect.anything() })]);
    const image = createTestImage(2, 2);
    const results = await ensemble.score(['1', '3'].map((prompt) => ({ image, prompt, metadata: { group: 0 } })));
    expect(results.map((r) => r.reward)).toEqual([-1 / (Math.SQRT2 + 1e-4), 1 / (Math.SQRT2 + 1e-4)]);
    expect(ensemble.modelId).toContain('~group-z');
    await ensemble.dispose();
  });
});
