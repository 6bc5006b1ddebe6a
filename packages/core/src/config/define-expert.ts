import type { ExplainDetails } from '../details.js';
import { InvalidConfigError } from '../errors.js';
import type { RewardModelV1 } from '../spec.js';
import type { JSONSchema } from '../validation.js';
import { backendSchema, backendTypes, type BackendSchemaTable } from './backend-table.js';
import type { BackendPlacement, ExpertPlugin, ExpertPluginContext, JudgedAspect } from './plugin.js';
import type { ExpertBackendConfig, ExpertConfig } from './schema.js';

/** The type a TypeBox schema describes (`Static<>`, read from the schema's phantom `static`); any other schema: a record. */
export type StaticOf<Schema> = Schema extends { static: infer T } ? T : Record<string, unknown>;

/** One backend of an expert, as `defineExpert` takes it. */
export interface ExpertBackendDeclaration {
  /**
   * JSON Schema (TypeBox welcome) of the whole `backend` object of this type, `type` included. Default: `{ type }`
   * plus a `model` string when `model` says so, nothing else.
   */
  schema?: JSONSchema;
  /** With no `schema`: whether `backend.model` is `required`, `optional`, or (absent) not a key of this backend. */
  model?: 'required' | 'optional';
  /** Where the model runs (default `in-process`); `remote`: `backend.model` is a served name, never a path. */
  placement?: BackendPlacement;
  /** The backend used when an entry names none (at most one; default: the first). */
  isDefault?: boolean;
  /** One line for `t2ir models`. */
  description?: string;
}

/** The `backend` object one declaration allows: its schema's static type, else `{ type, model? }`. */
export type DeclaredBackendConfig<Backends> = {
  [Type in keyof Backends & string]: Backends[Type] extends { schema: infer Schema }
    ? Schema extends { static: infer T }
      ? T
      : ExpertBackendConfig & { type: Type }
    : Backends[Type] extends { model: 'required' }
      ? { type: Type; model: string }
      : { type: Type; model?: string };
}[keyof Backends & string];

/** What a defined expert's `create` gets: the entry as core normalised it (default backend filled, options an object). */
export interface DefinedExpertConfig<Backends, Options> {
  kind: string;
  name?: string;
  weight?: number;
  backend: DeclaredBackendConfig<Backends>;
  options: Options;
}

/** An entry without its kind (the kind is the declaration's). */
export type EntryWithoutKind = Omit<ExpertConfig, 'kind'>;

/** Everything about one expert kind, declared once. */
export interface ExpertDefinition<Backends extends Readonly<Record<string, ExpertBackendDeclaration>>, OptionsSchema> {
  kind: string;
  /** One line for `t2ir models`. */
  description?: string;
  /** The backends, `{ [type]: { schema, placement, isDefault } }`: `backend.type`'s enum, its schema and placement derive from it. */
  backends: Backends;
  /** JSON Schema (TypeBox welcome: the option types derive from it) of the entry's `options` object. */
  options?: OptionsSchema;
  /** Whether an entry must give `backend` (default: when the default backend needs more than its `type`, e.g. a model). */
  backendRequired?: boolean;
  /** Builds the model from a validated, normalised entry. */
  create(config: DefinedExpertConfig<Backends, StaticOf<OptionsSchema>>, context: ExpertPluginContext): RewardModelV1 | Promise<RewardModelV1>;
  /** One line on why this kind scored what it did, from its `details`. */
  explain?: ExplainDetails;
  /** What of a prompt its score checks (`t2ir score` warns about the parts no expert checks). */
  judges?: readonly JudgedAspect[];
  /** What runs with no network and no download: the entry `--expert KIND` uses without a config, and why it is offline. */
  offline?: { note: string } & EntryWithoutKind;
  /** What a kind without an offline default needs, with an entry to copy. */
  setupHint?: { needs: string; example: EntryWithoutKind };
  /** Items per pool task for `pool` backends (see ExpertPlugin.poolChunkSize). */
  poolChunkSize?: number;
}

/** The plugin `defineExpert` returns: an ExpertPlugin, with the declaration it came from. */
export type DefinedExpert<Backends extends Readonly<Record<string, ExpertBackendDeclaration>>, OptionsSchema> = ExpertPlugin & {
  readonly definition: ExpertDefinition<Backends, OptionsSchema>;
};

function defaultBackendSchema(type: string, declaration: ExpertBackendDeclaration): JSONSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: declaration.model === 'required' ? ['type', 'model'] : ['type'],
    properties: { type: { const: type }, ...(declaration.model ? { model: { type: 'string', minLength: 1 } } : {}) },
  };
}

/**
 * One declaration per expert (after transformers.js's task tables and vercel/ai's provider definitions): the config
 * entry's JSON Schema (`kind`, `name`, `weight`, `backend` with its `type` enum from the backends table, `options`),
 * the option types (TypeBox `Static`), the backend list with its default, each backend's placement (in-process,
 * worker pool, remote), and what `t2ir models` and `t2ir score --expert KIND` show and run all derive from it.
 * Export the result as `expertPlugin`; a config names it by `kind` (a package) or through `plugins` (a module).
 */
export function defineExpert<const Backends extends Readonly<Record<string, ExpertBackendDeclaration>>, OptionsSchema = JSONSchema>(
  definition: ExpertDefinition<Backends, OptionsSchema>,
): DefinedExpert<Backends, OptionsSchema> {
  const { kind } = definition;
  if (typeof kind !== 'string' || kind.length === 0) throw new InvalidConfigError('defineExpert needs a kind');
  const entries = Object.entries(definition.backends);
  if (entries.length === 0) throw new InvalidConfigError(`defineExpert(${kind}) needs at least one backend`);
  if (entries.filter(([, declaration]) => declaration.isDefault).length > 1) {
    throw new InvalidConfigError(`defineExpert(${kind}): more than one backend isDefault`);
  }
  const table: BackendSchemaTable = Object.fromEntries(
    entries.map(([type, declaration]) => [
      type,
      { schema: declaration.schema ?? defaultBackendSchema(type, declaration), ...(declaration.isDefault ? { isDefault: true } : {}) },
    ]),
  );
  const types = backendTypes(table);
  const defaultType = types[0]!;
  const defaultRequired = ((table[defaultType]!.schema.required as string[] | undefined) ?? []).some((key) => key !== 'type');
  const backendRequired = definition.backendRequired ?? defaultRequired;
  const options = (definition.options ?? { type: 'object', properties: {} }) as JSONSchema;
  const optionsRequired = Array.isArray(options.required) && options.required.length > 0;
  const configSchema: JSONSchema = {
    type: 'object',
    required: ['kind', ...(backendRequired ? ['backend'] : []), ...(optionsRequired ? ['options'] : [])],
    properties: {
      kind: { const: kind },
      name: { type: 'string' },
      weight: { type: 'number' },
      backend: backendSchema(table),
      options: { ...options, type: 'object', additionalProperties: options.additionalProperties ?? false },
    },
  };
  const placement: Record<string, BackendPlacement> = Object.fromEntries(entries.map(([type, declaration]) => [type, declaration.placement ?? 'in-process']));
  const { note, ...offlineEntry } = definition.offline ?? { note: '' };
  return {
    kind,
    ...(definition.description !== undefined ? { description: definition.description } : {}),
    backends: types,
    configSchema,
    placement,
    ...(definition.poolChunkSize !== undefined ? { poolChunkSize: definition.poolChunkSize } : {}),
    ...(definition.explain ? { explain: definition.explain } : {}),
    ...(definition.judges ? { judges: definition.judges } : {}),
    ...(definition.offline ? { offline: { entry: { kind, ...offlineEntry }, note } } : {}),
    ...(definition.setupHint ? { setupHint: { needs: definition.setupHint.needs, example: { kind, ...definition.setupHint.example } } } : {}),
    create(config, context) {
      // Core has normalised the entry (prepareExpertEntry); direct callers get the same defaults.
      const normalised = {
        ...config,
        backend: config.backend ?? { type: defaultType },
        options: config.options ?? {},
      } as unknown as DefinedExpertConfig<Backends, StaticOf<OptionsSchema>>;
      return definition.create(normalised, context);
    },
    definition,
  };
}
