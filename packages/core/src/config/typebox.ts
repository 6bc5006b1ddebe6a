import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/*
 * TypeBox builders for option schemas whose JSON Schema must stay as it was written by hand. `Type.Union` of
 * `Type.Literal`s emits `anyOf: [{ const, type }]`, and ajv then reports every branch ("must be string; must be equal
 * to constant; must match a schema in anyOf") where `{ enum }` reports one line ("must be one of ..."), which
 * core's validation messages and their tests rely on.
 */

/** `{ enum: values }`, typed as the union of the values: `StringEnum(['mean', 'sum'])` is `'mean' | 'sum'`. */
export function StringEnum<const T extends readonly (string | number | boolean | null)[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, enum: [...values] });
}

/** `{ const: value }` (no `type` beside it), typed as the value. */
export function Const<const T extends string | number | boolean | null>(value: T, options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, const: value });
}

/**
 * `{ type: 'array', items, minItems: 2, maxItems: 2 }`, typed as a pair (`[lo, hi]`). `Type.Tuple` would emit
 * draft-07's array form of `items`, which draft 2020-12 (the validator's default) reads differently.
 */
export function Pair<T extends TSchema>(item: T, options: SchemaOptions = {}): TUnsafe<[Static<T>, Static<T>]> {
  return Type.Unsafe<[Static<T>, Static<T>]>({ ...options, type: 'array', items: item, minItems: 2, maxItems: 2 });
}

/**
 * `{ type: 'object', additionalProperties: value }`, typed as `Record<string, value>`. `Type.Record` would emit
 * `patternProperties: { '^(.*)$': value }` instead, whose errors read differently.
 */
export function Dictionary<T extends TSchema>(value: T, options: SchemaOptions = {}): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}
