import { describe, it, expect } from 'vitest';
import { configErrorOf } from './test/index.js';
import { validateWithSchema, type JSONSchema } from './validation.js';

const schema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['experts'],
  properties: {
    aggregate: { enum: ['mean', 'sum'] },
    experts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind'],
        properties: { kind: { type: 'string' }, weight: { type: 'number' }, url: { type: 'string', format: 'uri' } },
      },
    },
  },
};

describe('validateWithSchema', () => {
  it('returns the value when it validates', () => {
    const value = { experts: [{ kind: 'detector', weight: 2 }] };
    expect(validateWithSchema(schema, value, 'config')).toBe(value);
  });

  it('names the path of a wrong-typed key', () => {
    const error = configErrorOf(() => validateWithSchema(schema, { experts: [{ kind: 'x', weight: '1' }] }, 'ensemble config'));
    expect(error.message).toBe('invalid ensemble config: experts/0/weight must be number');
    expect(error.data?.path).toBe('experts/0/weight');
  });

  it('names unknown keys, missing keys and enum choices, all at once', () => {
    const error = configErrorOf(() => validateWithSchema(schema, { aggregate: 'max', experts: [{ wieght: 1 }], extra: true }, 'config'));
    const paths = (error.data?.errors as { path: string }[]).map((violation) => violation.path);
    expect(paths).toEqual(expect.arrayContaining(['extra', 'aggregate', 'experts/0/kind', 'experts/0/wieght']));
    expect(error.message).toContain('extra is not a known key');
    expect(error.message).toContain('aggregate must be one of "mean", "sum"');
    expect(error.message).toContain('experts/0/kind is required');
  });

  it('prefixes paths and checks formats', () => {
    const expertSchema = (schema.properties as Record<string, { items: JSONSchema }>).experts!.items;
    const error = configErrorOf(() => validateWithSchema(expertSchema, { kind: 'x', url: 'not a uri' }, 'expert', { pathPrefix: 'experts/3' }));
    expect(error.data?.path).toBe('experts/3/url');
  });

  it('accepts draft-07 schemas', () => {
    const draft07: JSONSchema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'integer' } } };
    expect(() => validateWithSchema(draft07, { n: 1.5 }, 'thing')).toThrow('n must be integer');
  });
});
