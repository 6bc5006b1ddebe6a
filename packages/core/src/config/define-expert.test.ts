import { Type } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createMockReward, createTestImage, rejectionOf } from '../test/index.js';
import { createEnsembleFromConfig, createRewardRegistry, defineExpert, placementOfBackend } from './index.js';

const seen: unknown[] = [];
const toy = defineExpert({
  kind: 'toy',
  description: 'a toy',
  backends: {
    local: { model: 'optional', placement: 'pool' },
    served: {
      placement: 'remote',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'model', 'baseURL'],
        properties: { type: { const: 'served' }, model: { type: 'string' }, baseURL: { type: 'string' } },
      },
    },
  },
  options: { type: 'object', properties: { gain: { type: 'number', minimum: 0 } } },
  offline: { note: 'no model at all', backend: { type: 'local' } },
  judges: ['overall'],
  create(config) {
    seen.push(config);
    const gain = typeof config.options.gain === 'number' ? config.options.gain : 1;
    return createMockReward({ kind: 'toy', score: () => ({ score: 0.25 * gain, raw: 0.25 * gain }) });
  },
});

describe('defineExpert', () => {
  it('derives the plugin: backends (default first), placement, offline entry, entry schema', () => {
    expect(toy.backends).toEqual(['local', 'served']);
    expect(placementOfBackend(toy, 'local')).toBe('pool');
    expect(placementOfBackend(toy, 'served')).toBe('remote');
    expect(toy.offline).toEqual({ entry: { kind: 'toy', backend: { type: 'local' } }, note: 'no model at all' });
    expect(toy.configSchema!.required).toEqual(['kind']);
    expect(toy.judges).toEqual(['overall']);
  });

  it('validates entries with the derived schema: backend type enum, each backend its own keys, options closed', async () => {
    const registry = createRewardRegistry({ plugins: [toy] });
    const build = (expert: Record<string, unknown>) => createEnsembleFromConfig({ experts: [{ kind: 'toy', ...expert }] }, { registry });
    const closed = await rejectionOf(build({ options: { gain: 2, colour: 'red' } }));
    expect(closed.data?.path).toBe('experts/0/options/colour');
    const served = await rejectionOf(build({ backend: { type: 'served', model: 'm' } }));
    expect(served.message).toContain('baseURL');
    const extra = await rejectionOf(build({ backend: { type: 'local', url: 'x' } }));
    expect(extra.data?.path).toBe('experts/0/backend/url');
    const ensemble = await build({ options: { gain: 2 } });
    const [result] = await ensemble.score([{ image: createTestImage(2, 2), prompt: 'x' }]);
    expect(result!.reward).toBe(0.5);
    // create got the normalised entry: the default backend filled in.
    expect(seen.at(-1)).toMatchObject({ kind: 'toy', backend: { type: 'local' }, options: { gain: 2 } });
    await ensemble.dispose();
  });

  it('requires backend when the default backend needs a model, and options when they have required keys', () => {
    const needy = defineExpert({
      kind: 'needy',
      backends: { files: { model: 'required' } },
      options: { type: 'object', required: ['variant'], properties: { variant: { enum: ['a', 'b'] } } },
      setupHint: { needs: 'a model folder', example: { backend: { type: 'files', model: './m' }, options: { variant: 'a' } } },
      create: () => createMockReward(),
    });
    expect(needy.configSchema!.required).toEqual(['kind', 'backend', 'options']);
    expect(needy.setupHint!.example).toEqual({ kind: 'needy', backend: { type: 'files', model: './m' }, options: { variant: 'a' } });
    expect(() => defineExpert({ kind: 'none', backends: {}, create: () => createMockReward() })).toThrow(/at least one backend/);
  });

  it("types create's options and backend from the declaration (TypeBox Static, the model key a backend declares)", async () => {
    const typed = defineExpert({
      kind: 'typed',
      backends: {
        files: { model: 'required' },
        served: { placement: 'remote', schema: Type.Object({ type: Type.Literal('served'), url: Type.String() }, { additionalProperties: false }) },
      },
      options: Type.Object({ gain: Type.Optional(Type.Number({ minimum: 0 })) }, { additionalProperties: false }),
      create(config) {
        expectTypeOf(config.options).toEqualTypeOf<{ gain?: number }>();
        expectTypeOf(config.backend).toEqualTypeOf<{ type: 'files'; model: string } | { type: 'served'; url: string }>();
        return createMockReward({ kind: 'typed', score: () => config.options.gain ?? 0 });
      },
    });
    expect(typed.configSchema!.required).toEqual(['kind', 'backend']);
    const registry = createRewardRegistry({ plugins: [typed] });
    const ensemble = await createEnsembleFromConfig(
      { experts: [{ kind: 'typed', backend: { type: 'served', url: 'http://x' }, options: { gain: 0.5 } }] },
      { registry },
    );
    const [result] = await ensemble.score([{ image: createTestImage(2, 2), prompt: 'x' }]);
    expect(result!.reward).toBe(0.5);
    await ensemble.dispose();
    const negative = await rejectionOf(
      createEnsembleFromConfig({ experts: [{ kind: 'typed', backend: { type: 'files', model: './m' }, options: { gain: -1 } }] }, { registry }),
    );
    expect(negative.data?.path).toBe('experts/0/options/gain');
  });
});
