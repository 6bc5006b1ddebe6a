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

describe('validateWithSchema with stopEarly (request bodies, issue 21)', () => {
  const items = Array.from({ length: 20_000 }, () => ({ kind: 0, weight: 'x', extra: 1 }));

  it('lists every violation by default (configs), but at most 8 with stopEarly, each with its path', () => {
    const all = configErrorOf(() => validateWithSchema(schema, { experts: items.slice(0, 50) }, 'config'));
    expect((all.data!.errors as unknown[]).length).toBeGreaterThan(100);
    const early = configErrorOf(() => validateWithSchema(schema, { experts: items }, 'score request', { stopEarly: true }));
    const errors = early.data!.errors as { path: string; message: string }[];
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(8);
    expect(errors[0]!.path).toMatch(/^experts\/0\//);
    expect(early.message.length).toBeLessThan(4096);
  });

  it('clips a huge key or path in the message (a client can send a 1 MB object key)', () => {
    const key = 'k'.repeat(1_000_000);
    const error = configErrorOf(() => validateWithSchema(schema, { experts: [{ kind: 'a', [key]: 1 }] }, 'score request', { stopEarly: true }));
    expect(error.message.length).toBeLessThan(1000);
    expect(error.message).toMatch(/… \(10000\d\d chars\)/);
  });

  it('maxErrors caps the list without stopEarly too', () => {
    const error = configErrorOf(() => validateWithSchema(schema, { experts: items.slice(0, 50) }, 'config', { maxErrors: 3 }));
    expect((error.data!.errors as unknown[]).length).toBe(3);
  });
});
