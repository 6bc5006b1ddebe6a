import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { createMockReward, createTestImage } from '../test/index.js';
import { ENSEMBLE_PRESETS, applyEnsemblePreset, createEnsembleFromConfig, parseEnsembleConfig, type ExpertConfig, type ExpertPlugin } from './index.js';

/** Stand-in plugins of the four reference kinds: each records the entry it got and scores a fixed value. */
function plugins(scores: Record<string, number | null>) {
  const seen: Record<string, ExpertConfig> = {};
  const list: ExpertPlugin[] = Object.entries(scores).map(([kind, score]) => ({
    kind,
    backends: ['test'],
    create(config) {
      seen[kind] = config;
      return createMockReward({ kind, score: () => score });
    },
  }));
  return { list, seen };
}

describe('ensemble preset t2i-r1-reference', () => {
  const config = {
    aggregate: 'mean' as const,
    experts: [
      { kind: 'detector', weight: 3, options: { formula: 'paper' } },
      { kind: 'vqa', backend: { type: 'test' }, options: { aggregate: 'product', maxQuestions: 2, imageConcurrency: 4 } },
      { kind: 'orm', options: { temperature: 1, template: 'Is it {prompt}?', seed: 5 } },
      { kind: 'hpm', options: { variant: 'pickscore' } },
    ],
  };

  it('sums with weight 1, keeps zeros, and sets every expert to its reference mode', () => {
    const applied = applyEnsemblePreset(config, 't2i-r1-reference');
    expect(applied).toMatchObject({ aggregate: 'sum', onMissing: 'zero' });
    expect(applied.experts.map((e) => e.weight)).toEqual([1, 1, 1, 1]);
    expect(applied.experts.map((e) => e.options)).toEqual([
      { formula: 't2i-r1-code', reproduceBugs: true },
      { imageConcurrency: 4, reference: 't2i-r1-code' },
      { seed: 5, reference: 't2i-r1-code', temperature: 0.3 },
      { variant: 'hps-v2.1' },
    ]);
    expect(applied.experts[1]!.backend).toEqual({ type: 'test' });
    expect(config.experts[0]!.options).toEqual({ formula: 'paper' }); // the input is not changed
  });

  it('refuses unknown presets and experts the reference does not have', () => {
    expect(() => applyEnsemblePreset(config, 'paper')).toThrow(/unknown ensemble preset "paper"/);
    let error: unknown;
    try {
      applyEnsemblePreset({ experts: [{ kind: 'detector' }, { kind: 'ocr' }] }, 't2i-r1-reference');
    } catch (caught) {
      error = caught;
    }
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    expect((error as InvalidConfigError).data?.path).toBe('experts/1/kind');
    expect(() => parseEnsembleConfig({ preset: 'nope', experts: [{ kind: 'hpm' }] })).toThrow(/preset must be one of/);
    expect(Object.keys(ENSEMBLE_PRESETS)).toEqual(['t2i-r1-reference']);
  });

  it('a config file naming the preset builds the reference ensemble: a plain sum, a missing score counted 0', async () => {
    const { list, seen } = plugins({ detector: 0.9, vqa: 0, orm: null, hpm: 0.27 });
    const ensemble = await createEnsembleFromConfig({ ...config, preset: 't2i-r1-reference' }, { plugins: list });
    expect(seen['vqa']!.options).toEqual({ imageConcurrency: 4, reference: 't2i-r1-code' });
    expect(seen['detector']!.options).toEqual({ formula: 't2i-r1-code', reproduceBugs: true });
    const [result] = await ensemble.score([{ image: createTestImage(4, 4), prompt: 'a dog' }]);
    expect(result!.reward).toBeCloseTo(0.9 + 0 + 0 + 0.27, 12);
    await ensemble.dispose();
  });
});
