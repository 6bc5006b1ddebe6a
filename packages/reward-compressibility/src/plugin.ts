import { defineExpert, type JSONSchema } from '@t2i-reward/core';
import { type CompressibilityRewardOptions, compressibilityRewardOptionsSchema } from './options.js';
import { createCompressibilityReward, explainCompressibility } from './reward.js';

/**
 * Makes `{ kind: 'compressibility' }` work in ensemble config files and `t2ir score --expert compressibility`: one
 * declaration, from which the entry schema, `t2ir models`' row and the offline default derive.
 */
export const expertPlugin = defineExpert({
  kind: 'compressibility',
  description: "JPEG compressibility at quality 95 (DDPO's / Flow-GRPO's reward: −kB), sharp encoding byte-identical to PIL's, offline",
  backends: { sharp: { description: 'JPEG encoding with sharp (libvips), no model' } },
  options: compressibilityRewardOptionsSchema,
  // JPEG size at quality 95 with sharp (DDPO's / Flow-GRPO's reward): no model at all.
  offline: { note: 'no model (JPEG size with sharp)', backend: { type: 'sharp' } },
  // Prompt-independent: the image alone is judged, none of the prompt's objects, attributes or text.
  judges: ['overall'],
  explain: explainCompressibility,
  create(config) {
    return createCompressibilityReward({ ...config.options } as CompressibilityRewardOptions);
  },
});

/** Schema of a config entry `{ kind: 'compressibility', name?, weight?, backend?: { type: 'sharp' }, options? }` (derived). */
export const compressibilityConfigSchema: JSONSchema = expertPlugin.configSchema!;
