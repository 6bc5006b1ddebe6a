import {
  InvalidConfigError,
  validateWithSchema,
  type BackendPlacement,
  type ExpertBackendDeclaration,
  type ExpertConfig,
  type ExpertPluginContext,
  type JSONSchema,
} from '@t2i-reward/core';
import { isYesNoBackend, type YesNoBackend } from './backend.js';
import { YES_NO_BACKENDS, yesNoBackendSchema, type YesNoBackendConfig } from './backends/index.js';

/* Config plumbing shared by every expert that asks a yes/no backend (VQA, ORM): entry schema, backend, options. */

/** JSON Schema of a whole expert entry ({kind, name, weight, backend, options}) whose options schema is given. */
export function expertEntrySchema(kind: string, optionsSchema: JSONSchema): JSONSchema {
  const { backend: _backend, ...optionProperties } = optionsSchema.properties as Record<string, JSONSchema>;
  return {
    type: 'object',
    required: ['kind', 'backend'],
    properties: {
      kind: { const: kind },
      name: { type: 'string' },
      weight: { type: 'number' },
      backend: yesNoBackendSchema,
      options: { type: 'object', additionalProperties: false, properties: optionProperties },
    },
  };
}

/**
 * The backend of an expert entry. Core has already located `model` (against the config's folder, except for the
 * served names of `openai`); `context` is still honoured for direct calls with an explicitly relative path.
 */
export function backendFromConfig(config: ExpertConfig, context?: Pick<ExpertPluginContext, 'resolvePath'>): YesNoBackendConfig {
  if (!config.backend) {
    throw new InvalidConfigError(`expert "${config.name ?? config.kind}" needs a backend: { "type": "transformers" | "onnx" | "openai", ... }`, {
      data: { path: 'backend' },
    });
  }
  const backend = { ...config.backend };
  if (context && !REMOTE_BACKENDS.includes(backend.type) && typeof backend.model === 'string' && /^\.\.?[\\/]/.test(backend.model)) {
    backend.model = context.resolvePath(backend.model);
  }
  return backend as unknown as YesNoBackendConfig;
}

/** Backends whose `model` is a served model name, never a path. */
export const REMOTE_BACKENDS: readonly string[] = ['openai'];

function declared(type: keyof typeof YES_NO_BACKENDS & string, placement: BackendPlacement): ExpertBackendDeclaration {
  const { schema, description, isDefault } = YES_NO_BACKENDS[type]!;
  return { schema, placement, ...(description !== undefined ? { description } : {}), ...(isDefault ? { isDefault } : {}) };
}

/**
 * The yes/no backends as an expert declares them (`defineExpert({ backends: YES_NO_EXPERT_BACKENDS, ... })`): the
 * table's schemas, in-process for the local runtimes, `remote` for `openai` (its `model` is a served name).
 */
export const YES_NO_EXPERT_BACKENDS = {
  transformers: declared('transformers', 'in-process'),
  onnx: declared('onnx', 'in-process'),
  openai: declared('openai', 'remote'),
} as const satisfies Record<string, ExpertBackendDeclaration>;

/** The options schema with `backend` left open, for a ready backend instance (not JSON); built once per schema. */
const instanceSchemas = new WeakMap<JSONSchema, JSONSchema>();

/**
 * Validates the options of an expert asking a YesNoBackend (VQA, ORM): `backend` is a config checked against its
 * schema, or a ready backend instance that skips it.
 */
export function validateYesNoExpertOptions<T extends { backend: YesNoBackendConfig | YesNoBackend }>(schema: JSONSchema, options: T, what: string): T {
  if (!isYesNoBackend(options.backend)) return validateWithSchema<T>(schema, options, what);
  let instanceSchema = instanceSchemas.get(schema);
  if (!instanceSchema) {
    instanceSchema = { ...schema, properties: { ...(schema.properties as object), backend: {} } };
    instanceSchemas.set(schema, instanceSchema);
  }
  return validateWithSchema<T>(instanceSchema, options, what);
}
