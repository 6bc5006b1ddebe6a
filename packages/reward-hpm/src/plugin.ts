import type { ExpertConfig, ExpertPlugin, ExpertPluginContext, JSONSchema } from '@t2i-reward/core';
import { createHpmReward } from './create.js';
import { hpmRewardOptionsSchema, type HpmRewardOptions } from './options.js';
import { explain } from './explain.js';

const { backend: _backend, model: _model, ...optionProperties } = hpmRewardOptionsSchema['properties'] as Record<string, JSONSchema>;

/** JSON Schema of a whole `kind: 'hpm'` entry of an ensemble config. */
export const hpmExpertEntrySchema: JSONSchema = {
  type: 'object',
  required: ['kind', 'options'],
  properties: {
    kind: { const: 'hpm' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: {
      type: 'object',
      required: ['type'],
      additionalProperties: false,
      properties: { type: { enum: ['transformers', 'onnx'] }, model: { type: 'string', minLength: 1 } },
    },
    options: { type: 'object', additionalProperties: false, required: ['variant'], properties: optionProperties },
  },
};

/**
 * Config plugin (kind 'hpm'): `{ "kind": "hpm", "backend": { "type": "transformers", "model": "./models/hps-v2.1" },
 * "options": { "variant": "hps-v2.1" } }`. backend.type / backend.model fill `backend` / `model`; a relative model
 * folder resolves against the config file's folder.
 */
export const expertPlugin: ExpertPlugin = {
  kind: 'hpm',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['overall'],
  description: 'human preference / alignment: HPS v2/v2.1 (cosine), PickScore (logit/26), CLIPScore, raw CLIP cosine, ImageReward',
  backends: ['transformers', 'onnx'],
  configSchema: hpmExpertEntrySchema,
  explain,
  create(config: ExpertConfig, context: Partial<ExpertPluginContext> = {}) {
    const options = {
      ...(config.options ?? {}),
      ...(config.backend?.type ? { backend: config.backend.type } : {}),
      ...(config.backend?.model ? { model: config.backend.model } : {}),
    } as HpmRewardOptions;
    return createHpmReward(options, context.configDir ? { baseDir: context.configDir } : {});
  },
};
