import { describe, expect, it } from 'vitest';
import type { T2IRewardError } from '../errors.js';
import { InvalidPromptSpecError } from '../errors.js';
import { validatePromptSpec } from './schema.js';
import { thrownBy } from '../test/index.js';

const rejection = (value: unknown): T2IRewardError => thrownBy(() => validatePromptSpec(value));

describe('validatePromptSpec', () => {
  it('accepts a full spec and returns it', () => {
    const spec = {
      prompt: 'two red cups left of a plate',
      category: 'spatial',
      objects: [
        { name: 'cup', count: 2, attributes: ['red'], phrase: 'red cup' },
        { name: 'plate', count: 1 },
      ],
      relations: [{ subject: 'cup', relation: 'left of', object: 'plate', phrase: 'left of' }],
      exclude: [{ name: 'cup', count: 3 }],
      phrases: ['red cup'],
      source: 'user',
    };
    expect(validatePromptSpec(spec)).toBe(spec);
  });

  it('accepts the minimal spec', () => {
    expect(validatePromptSpec({ objects: [], relations: [] })).toEqual({ objects: [], relations: [] });
    // Relations are optional: a spec that lists only objects means "no relations" (a --prompts-file line did this).
    expect(validatePromptSpec({ objects: [{ name: 'dog', count: 2 }] })).toEqual({ objects: [{ name: 'dog', count: 2 }], relations: [] });
  });

  const bad: [string, unknown, string][] = [
    ['a non-object', 'a dog', ''],
    ['missing objects', { relations: [] }, 'objects'],
    ['a fractional count', { objects: [{ name: 'dog', count: 1.5 }], relations: [] }, 'objects/0/count'],
    ['a negative count', { objects: [{ name: 'dog', count: -1 }], relations: [] }, 'objects/0/count'],
    ['an empty name', { objects: [{ name: '' }], relations: [] }, 'objects/0/name'],
    ['a string attribute list', { objects: [{ name: 'dog', attributes: 'red' }], relations: [] }, 'objects/0/attributes'],
    ['an unknown relation', { objects: [], relations: [{ subject: 'a', relation: 'inside', object: 'b' }] }, 'relations/0/relation'],
    ['a relation without object', { objects: [], relations: [{ subject: 'a', relation: 'near' }] }, 'relations/0/object'],
    ['an unknown key', { objects: [{ name: 'dog', colour: 'red' }], relations: [] }, 'objects/0/colour'],
    ['an unknown source', { objects: [], relations: [], source: 'gpt' }, 'source'],
    ['an exclusion count of 0', { objects: [], relations: [], exclude: [{ name: 'dog', count: 0 }] }, 'exclude/0/count'],
  ];
  it.each(bad)('rejects %s, naming the path', (_what, value, path) => {
    const error = rejection(value);
    expect(InvalidPromptSpecError.isInstance(error)).toBe(true);
    expect(error.code).toBe('INVALID_PROMPT_SPEC');
    expect(error.data?.path).toBe(path);
    if (path) expect(error.message).toContain(path);
  });
});
