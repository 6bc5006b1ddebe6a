import { Type, type Static } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { configErrorOf } from '../test/index.js';
import { validateWithSchema } from '../validation.js';
import { ENSEMBLE_PRESETS, ENSEMBLE_PRESET_NAMES } from './presets.js';
import { ensembleConfigSchema, type EnsembleConfig } from './schema.js';
import { Const, Dictionary, Pair, StringEnum } from './typebox.js';

const schema = Type.Object(
  {
    mode: StringEnum(['mean', 'sum']),
    type: Type.Optional(Const('openai')),
    clip: Type.Optional(Pair(Type.Number())),
    headers: Type.Optional(Dictionary(Type.String())),
  },
  { additionalProperties: false },
);

/** The first violation of `value` against `schema`: its path and message. */
function violation(value: unknown): { path: string; message: string } {
  const error = configErrorOf(() => validateWithSchema(schema, value, 'test options'));
  return { path: String(error.data?.path), message: error.message };
}

describe('TypeBox builders for option schemas', () => {
  it('emit the keywords a hand-written schema would (enum, const, array pair, additionalProperties)', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['mode'],
      properties: {
        mode: { enum: ['mean', 'sum'] },
        type: { const: 'openai' },
        clip: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
      },
    });
  });

  it("keep the validator's one-line messages, naming the bad key", () => {
    expect(violation({ mode: 'max' })).toEqual({ path: 'mode', message: 'invalid test options: mode must be one of "mean", "sum"' });
    expect(violation({ mode: 'sum', type: 'vllm' })).toEqual({ path: 'type', message: 'invalid test options: type must be equal to constant' });
    expect(violation({ mode: 'sum', clip: [0, 1, 2] }).message).toBe('invalid test options: clip must NOT have more than 2 items');
    expect(violation({ mode: 'sum', headers: { 'x-key': 1 } }).path).toBe('headers/x-key');
  });

  it('type the values as precisely as the hand-written types did', () => {
    expectTypeOf<Static<typeof schema>>().toEqualTypeOf<{
      mode: 'mean' | 'sum';
      type?: 'openai';
      clip?: [number, number];
      headers?: Record<string, string>;
    }>();
  });
});

describe('the preset enum', () => {
  it("is the presets table's keys, and the config schema's enum", () => {
    expect(Object.keys(ENSEMBLE_PRESETS)).toEqual([...ENSEMBLE_PRESET_NAMES]);
    expect(JSON.parse(JSON.stringify(ensembleConfigSchema.properties.preset))).toEqual({ enum: [...ENSEMBLE_PRESET_NAMES] });
    expectTypeOf<NonNullable<EnsembleConfig['preset']>>().toEqualTypeOf<keyof typeof ENSEMBLE_PRESETS>();
  });
});
