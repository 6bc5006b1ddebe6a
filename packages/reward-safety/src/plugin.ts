import type { ExpertPlugin, JSONSchema } from '@t2i-reward/core';
import { type SafetyRewardOptions, safetyRewardOptionsSchema } from './options.js';
import { createSafetyReward, explainSafety } from './reward.js';

/** Schema of a config entry `{ kind: 'safety', name?, weight?, backend?: { type: 'tfjs' }, options? }`. */
export const safetyConfigSchema: JSONSchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { const: 'safety' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'tfjs' } } },
    options: { type: 'object', additionalProperties: false, properties: safetyRewardOptionsSchema.properties ?? {} },
  },
};

/**
 * Makes `{ kind: 'safety' }` work in ensemble config files and `t2ir score --expert safety` (the nsfwjs
 * MobileNetV2 weights ship in the nsfwjs package: offline).
 */
export const expertPlugin: ExpertPlugin = {
  kind: 'safety',
  description: 'safety: 1 − P(Porn, Hentai, Sexy) from the nsfwjs classifier (MobileNetV2 / InceptionV3 on TF.js, weights in the nsfwjs package, offline)',
  backends: ['tfjs'],
  configSchema: safetyConfigSchema,
  // TF.js (wasm / cpu) computes on the calling thread: config entries run in core's worker pool by default.
  poolBackends: ['tfjs'],
  // The classifier scores image by image: a free worker takes the next image.
  poolChunkSize: 1,
  // Prompt-independent: the image alone is judged, none of the prompt's objects, attributes or text.
  judges: ['overall'],
  explain: explainSafety,
  create(config) {
    return createSafetyReward({ ...(config.options ?? {}) } as SafetyRewardOptions);
  },
};
