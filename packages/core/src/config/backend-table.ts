import { InvalidConfigError } from '../errors.js';
import type { JSONSchema } from '../validation.js';

/** One backend of an expert: the JSON Schema of its `backend` object, and how to build it. */
export interface BackendEntry<Config extends { type: string }, Context, Built> {
  /** JSON Schema of the whole `backend` object of this type (`type` included). */
  schema: JSONSchema;
  /** Builds the backend (or the model) from a validated `backend` object. */
  create(config: Config, context: Context): Built;
  /** The backend used when a config names none (exactly one entry of a table). */
  isDefault?: boolean;
  /** One line for `t2ir models`. */
  description?: string;
}

/**
 * An expert's backends, declared once (after transformers.js's task tables): `{ [type]: { schema, create,
 * isDefault } }`. The plugin's `backends` list, the `backend` JSON Schema and backend creation all derive from it.
 */
export type BackendTable<Context, Built> = Readonly<Record<string, BackendEntry<{ type: string }, Context, Built>>>;

/** What the schema and the type list of a table read: each entry's schema and default flag (a BackendTable is one). */
export type BackendSchemaTable = Readonly<Record<string, Pick<BackendEntry<{ type: string }, unknown, unknown>, 'schema' | 'isDefault'>>>;

/** A table entry whose `create` takes the config type its schema describes. */
export function backendEntry<Config extends { type: string }, Context, Built>(
  entry: BackendEntry<Config, Context, Built>,
): BackendEntry<{ type: string }, Context, Built> {
  return entry as unknown as BackendEntry<{ type: string }, Context, Built>;
}

/** The table's default type (the entry with `isDefault`, else the first). */
export function defaultBackendType(table: BackendSchemaTable): string {
  const types = Object.keys(table);
  const type = types.find((candidate) => table[candidate]!.isDefault) ?? types[0];
  if (type === undefined) throw new InvalidConfigError('a backend table needs at least one backend');
  return type;
}

/** The table's types, the default first (what `ExpertPlugin.backends` lists). */
export function backendTypes(table: BackendSchemaTable): string[] {
  const first = defaultBackendType(table);
  return [first, ...Object.keys(table).filter((type) => type !== first)];
}

/** JSON Schema of `backend`: `type` is one of the table's, and the object matches that type's schema. */
export function backendSchema(table: BackendSchemaTable): JSONSchema {
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(table) } },
    allOf: Object.entries(table).map(([type, entry]) => ({ if: { properties: { type: { const: type } } }, then: entry.schema })),
  };
}

/** Builds the backend a config names (the default type when it names none). */
export function createFromBackendTable<Context, Built>(table: BackendTable<Context, Built>, config: { type: string } | undefined, context: Context): Built {
  const backend = config ?? { type: defaultBackendType(table) };
  const entry = Object.hasOwn(table, backend.type) ? table[backend.type] : undefined;
  if (!entry) {
    throw new InvalidConfigError(`backend/type: '${backend.type}' is not one of ${backendTypes(table).join(', ')}`, { data: { path: 'backend/type' } });
  }
  return entry.create(backend, context);
}
