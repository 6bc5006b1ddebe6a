import type { ExpertPlugin, JSONSchema } from '@t2i-reward/core';
import { type CompressibilityRewardOptions, compressibilityRewardOptionsSchema } from './options.js';
import { createCompressibilityReward, explainCompressibility } from './reward.js';

/** Schema of a config entry `{ kind: 'compressibility', name?, weight?, backend?: { type: 'sharp' }, options? }`. */
export const compressibilityConfigSchema: JSONSchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { const: 'compressibility' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'sharp' } } },
    options: { type: 'object', additionalProperties: false, properties: compressibilityRewardOptionsSchema.properties ?? {} },
  },
};

/** Makes `{ kind: 'compressibility' }` work in ensemble config files and `t2ir score --expert compressibility`. */
export const expertPlugin: ExpertPlugin = {
  kind: 'compressibility',
  description: "JPEG compressibility at quality 95 (DDPO's / Flow-GRPO's reward: −kB), sharp encoding byte-identical to PIL's, offline",
  backends: ['sharp'],
  configSchema: compressibilityConfigSchema,
  // Prompt-independent: the image alone is judged, none of the prompt's objects, attributes or text.
  judges: ['overall'],
  explain: explainCompressibility,
  create(config) {
    return createCompressibilityReward({ ...(config.options ?? {}) } as CompressibilityRewardOptions);
  },
};
