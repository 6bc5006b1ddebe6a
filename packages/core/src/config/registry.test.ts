import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { InvalidConfigError } from '../errors.js';
import type { RewardMiddleware } from '../middleware/wrap.js';
import { createMockReward, createTestImage, rejectionOf } from '../test/index.js';
import { createEnsembleFromConfig, createRewardRegistry, type ExpertConfig, type ExpertPlugin } from './index.js';

function plugin(kind: string, extra: Partial<ExpertPlugin> = {}): ExpertPlugin & { built: ExpertConfig[] } {
  const built: ExpertConfig[] = [];
  return {
    kind,
    backends: ['local', 'served'],
    create: (config) => {
      built.push(config);
      return createMockReward({ kind, score: () => ({ score: 0.5, raw: 0.5 }) });
    },
    ...extra,
    built,
  };
}

describe('createRewardRegistry', () => {
  it('extend makes a child: its plugins are seen through it only, the parent is unchanged', async () => {
    const parent = createRewardRegistry({ plugins: [plugin('alpha')] });
    const child = parent.extend({ plugins: [plugin('beta')] });
    expect(child.kinds()).toEqual(expect.arrayContaining(['detector', 'alpha', 'beta']));
    expect(parent.kinds()).not.toContain('beta');
    expect((await child.resolveExpert('alpha')).kind).toBe('alpha');
    const unknown = await rejectionOf(parent.resolveExpert('beta'));
    expect(InvalidConfigError.isInstance(unknown)).toBe(true);
    expect(unknown.message).toContain('known: detector');
    expect(unknown.message).toContain('alpha');
    // The child's error names the kinds it holds too.
    expect((await rejectionOf(child.resolveExpert('gamma'))).message).toMatch(/alpha, beta/);
    expect(parent.isImported('alpha')).toBe(false);
  });

  it("explains an outcome with the kind's own explain, else core's explainDetails", () => {
    const registry = createRewardRegistry({ plugins: [plugin('alpha', { explain: (details) => `alpha says ${String(details?.why)}` })] });
    expect(registry.explain({ kind: 'alpha', details: { why: 'red' } })).toBe('alpha says red');
    expect(registry.explain({ kind: 'other', details: {} })).toBe('');
  });

  it('refuses a parent it did not make and a plugin without create', () => {
    expect(() => createRewardRegistry({ parent: {} as never })).toThrow(/createRewardRegistry/);
    expect(() => createRewardRegistry({ plugins: [{ kind: 'x', backends: [] } as never] })).toThrow(/plugins\/0 is not an ExpertPlugin/);
  });
});

describe('createEnsembleFromConfig: placement and middleware', () => {
  it('locates backend.model for in-process backends and leaves the served name of a remote one', async () => {
    const alpha = plugin('alpha', { placement: { local: 'in-process', served: 'remote' } });
    const registry = createRewardRegistry({ plugins: [alpha] });
    const ensemble = await createEnsembleFromConfig(
      {
        experts: [
          { kind: 'alpha', backend: { type: 'local', model: './m' } },
          { kind: 'alpha', backend: { type: 'served', model: './m' } },
        ],
        configDir: '/models',
      },
      { registry },
    );
    expect(alpha.built.map((config) => config.backend?.model)).toEqual([path.resolve('/models/m'), './m']);
    // The ensemble keeps where each expert was placed.
    expect(ensemble.experts.map((expert) => expert.placement)).toEqual([{ type: 'in-process' }, { type: 'remote' }]);
    await ensemble.dispose();
  });

  it('a plugin given as a value stays in-process even when its backend is a pool one (a worker could not import it)', async () => {
    const alpha = plugin('alpha', { placement: { local: 'pool' } });
    const ensemble = await createEnsembleFromConfig({ experts: [{ kind: 'alpha' }] }, { registry: createRewardRegistry({ plugins: [alpha] }) });
    expect(alpha.built).toHaveLength(1);
    expect(ensemble.experts[0]!.placement).toEqual({ type: 'in-process' });
    await ensemble.dispose();
  });

  it('wraps every expert in the middleware given at build, or each in its own, keeping each placement', async () => {
    const calls: string[] = [];
    const tag = (label: string): RewardMiddleware => ({
      wrapScore: async ({ doScore, samples, model }) => {
        calls.push(`${label}:${model.kind}`);
        const results = await doScore(samples);
        return results.map((result) => ({ ...result, score: (result.score ?? 0) * 2 }));
      },
    });
    const registry = createRewardRegistry({ plugins: [plugin('alpha'), plugin('beta', { placement: { local: 'remote' } })] });
    const config = { aggregate: 'sum' as const, experts: [{ kind: 'alpha' }, { kind: 'beta' }] };
    const all = await createEnsembleFromConfig(config, { registry, middleware: [tag('outer'), tag('inner')] });
    const [both] = await all.score([{ image: createTestImage(2, 2), prompt: 'x' }]);
    expect(both!.reward).toBeCloseTo(2 * (0.5 * 4));
    expect(calls).toEqual(['outer:alpha', 'inner:alpha', 'outer:beta', 'inner:beta']);
    expect(all.experts.map((expert) => expert.placement)).toEqual([{ type: 'in-process' }, { type: 'remote' }]);
    await all.dispose();
    calls.length = 0;
    const one = await createEnsembleFromConfig(config, { registry, middleware: (expert) => (expert.name === 'beta' ? tag('only') : undefined) });
    const [result] = await one.score([{ image: createTestImage(2, 2), prompt: 'x' }]);
    expect(result!.experts.alpha!.score).toBe(0.5);
    expect(result!.experts.beta!.score).toBe(1);
    expect(calls).toEqual(['only:beta']);
    await one.dispose();
  });
});
