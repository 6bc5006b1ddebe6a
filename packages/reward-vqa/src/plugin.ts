import { InvalidConfigError, type ExpertConfig, type ExpertPlugin, type ExpertPluginContext, type JSONSchema } from '@t2i-reward/core';
import { YES_NO_BACKEND_TYPES, yesNoBackendSchema, type YesNoBackendConfig } from './backends/index.js';
import { vqaRewardOptionsSchema, type VqaRewardOptions } from './options.js';
import { createVqaReward } from './vqa-reward.js';
import { explain } from './explain.js';

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

/** Lets `t2ir score --config FILE` build the VQA expert from `{ "kind": "vqa", "backend": {...}, "options": {...} }`. */
export const expertPlugin: ExpertPlugin = {
  kind: 'vqa',
  description: 'VQA: mean (or product) over attribute-noun questions of P(yes)/(P(yes)+P(no)) from first-token logits',
  backends: [...YES_NO_BACKEND_TYPES],
  remoteBackends: REMOTE_BACKENDS,
  configSchema: expertEntrySchema('vqa', vqaRewardOptionsSchema),
  explain,
  create(config, context) {
    return createVqaReward({ ...(config.options ?? {}), backend: backendFromConfig(config, context) } as VqaRewardOptions);
  },
};
