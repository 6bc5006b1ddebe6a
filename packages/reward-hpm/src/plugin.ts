import { defineExpert, type ExpertPluginContext, type JSONSchema } from '@t2i-reward/core';
import { createHpmReward } from './create.js';
import { hpmEntryOptionsSchema, type HpmRewardOptions } from './options.js';
import { explain } from './explain.js';

/**
 * Config plugin (kind 'hpm'): `{ "kind": "hpm", "backend": { "type": "transformers", "model": "./models/hps-v2.1" },
 * "options": { "variant": "hps-v2.1" } }`. backend.type / backend.model fill `backend` / `model`; a relative model
 * folder resolves against the config file's folder.
 */
export const expertPlugin = defineExpert({
  kind: 'hpm',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['overall'],
  description: 'human preference / alignment: HPS v2/v2.1 (cosine), PickScore (logit/26), CLIPScore, raw CLIP cosine, ImageReward',
  backends: {
    transformers: { model: 'optional', description: 'CLIP-family towers through transformers.js' },
    onnx: { model: 'optional', description: 'exported ONNX sessions on raw onnxruntime-node' },
  },
  options: hpmEntryOptionsSchema,
  setupHint: {
    needs: 'a human-preference model folder (HPS v2.1, PickScore, CLIP or ImageReward) and its variant',
    example: { backend: { type: 'transformers', model: './models/hps-v2.1' }, options: { variant: 'hps-v2.1' } },
  },
  explain,
  create(config, context: Partial<ExpertPluginContext> = {}) {
    const options = {
      ...config.options,
      backend: config.backend.type,
      ...(config.backend.model ? { model: config.backend.model } : {}),
    } as HpmRewardOptions;
    return createHpmReward(options, context.configDir ? { baseDir: context.configDir } : {});
  },
});

/** JSON Schema of a whole `kind: 'hpm'` entry of an ensemble config (derived). */
export const hpmExpertEntrySchema: JSONSchema = expertPlugin.configSchema!;
