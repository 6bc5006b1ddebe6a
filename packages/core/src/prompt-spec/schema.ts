import { InvalidConfigError, InvalidPromptSpecError } from '../errors.js';
import { validateWithSchema, type JSONSchema, type ValidateOptions } from '../validation.js';
import { SPATIAL_RELATIONS, type PromptSpec } from './types.js';

const nonEmptyString = { type: 'string', minLength: 1 } as const;

/**
 * The keys of a spec's object and relation a prompt determines, and its list of texts: what the LLM spec parser asks
 * a model for (`LLM_SPEC_SCHEMA`). {@link promptSpecSchema} adds the provenance keys (`phrase`) and the other lists.
 */
export const promptSpecObjectProperties = {
  name: nonEmptyString,
  count: { type: 'integer', minimum: 0 },
  attributes: { type: 'array', items: nonEmptyString },
} as const;
export const promptSpecRelationProperties = { subject: nonEmptyString, relation: { enum: [...SPATIAL_RELATIONS] }, object: nonEmptyString } as const;
export const promptSpecTextSchema = { type: 'array', items: nonEmptyString } as const;

/** A list of objects with exactly these properties (unknown keys refused), the `required` ones among them. */
export function objectListSchema(required: readonly string[], properties: Readonly<Record<string, JSONSchema>>): JSONSchema {
  return { type: 'array', items: { type: 'object', additionalProperties: false, required: [...required], properties } };
}

/** JSON Schema (draft 2020-12) of {@link PromptSpec}. Unknown keys are refused: they are usually typos. */
export const promptSpecSchema: JSONSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://t2i-reward.dev/schemas/prompt-spec.json',
  title: 'PromptSpec',
  type: 'object',
  additionalProperties: false,
  // Only `objects` is required: a spec without relations (or other lists) means none.
  required: ['objects'],
  properties: {
    prompt: { type: 'string' },
    category: { type: 'string' },
    objects: objectListSchema(['name'], { ...promptSpecObjectProperties, phrase: nonEmptyString }),
    relations: objectListSchema(['subject', 'relation', 'object'], { ...promptSpecRelationProperties, phrase: { type: 'string' } }),
    exclude: objectListSchema(['name', 'count'], { name: nonEmptyString, count: { type: 'integer', minimum: 1 } }),
    phrases: { type: 'array', items: nonEmptyString },
    text: promptSpecTextSchema,
    unsupported: { enum: ['not-english'] },
    warnings: { type: 'array', items: { type: 'string' } },
    t2iR1: {
      type: 'object',
      additionalProperties: false,
      required: ['nouns'],
      properties: {
        task_type: { type: 'string' },
        nouns: { type: 'array', items: { type: 'string' } },
        attr_nouns: { type: 'array', items: { type: 'string' } },
        spatial_info: {
          type: 'object',
          additionalProperties: false,
          required: ['obj1', 'obj2', 'locality'],
          properties: { obj1: { type: 'string' }, obj2: { type: 'string' }, locality: { type: 'string' } },
        },
        numeracy_info: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['obj_name', 'num'],
            properties: { obj_name: { type: 'string' }, num: { type: 'number' } },
          },
        },
      },
    },
    source: { enum: ['t2i-r1', 'geneval', 'parser', 'llm', 'user'] },
  },
};

/**
 * Checks `value` against {@link promptSpecSchema} and returns it typed. Throws InvalidPromptSpecError whose
 * message lists every violation with its JSON path ("objects/0/count must be integer") and whose `data.path`
 * is the first bad path.
 */
export function validatePromptSpec(value: unknown, options: ValidateOptions = {}): PromptSpec {
  try {
    const spec = validateWithSchema<Omit<PromptSpec, 'relations'> & { relations?: PromptSpec['relations'] }>(promptSpecSchema, value, 'PromptSpec', options);
    return spec.relations ? (spec as PromptSpec) : { ...spec, relations: [] };
  } catch (error) {
    if (InvalidConfigError.isInstance(error)) {
      throw new InvalidPromptSpecError(error.message, { cause: error, ...(error.data ? { data: error.data } : {}) });
    }
    throw error;
  }
}
