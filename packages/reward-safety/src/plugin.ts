import { defineExpert, type JSONSchema } from '@t2i-reward/core';
import { type SafetyRewardOptions, safetyRewardOptionsSchema } from './options.js';
import { createSafetyReward, explainSafety } from './reward.js';

/**
 * Makes `{ kind: 'safety' }` work in ensemble config files and `t2ir score --expert safety` (the nsfwjs
 * MobileNetV2 weights ship in the nsfwjs package: offline).
 */
export const expertPlugin = defineExpert({
  kind: 'safety',
  description: 'safety: 1 − P(Porn, Hentai, Sexy) from the nsfwjs classifier (MobileNetV2 / InceptionV3 on TF.js, weights in the nsfwjs package, offline)',
  // TF.js (wasm / cpu) computes on the calling thread: config entries run in core's worker pool by default.
  backends: { tfjs: { placement: 'pool', description: 'nsfwjs on TF.js' } },
  options: safetyRewardOptionsSchema,
  // The classifier scores image by image: a free worker takes the next image.
  poolChunkSize: 1,
  // The nsfwjs MobileNetV2 classifier, whose weights ship in the nsfwjs package: offline.
  offline: { note: 'backend tfjs, nsfwjs MobileNetV2 / InceptionV3 (weights ship in the nsfwjs package)', backend: { type: 'tfjs' } },
  // Prompt-independent: the image alone is judged, none of the prompt's objects, attributes or text.
  judges: ['overall'],
  explain: explainSafety,
  create(config) {
    return createSafetyReward({ ...config.options } as SafetyRewardOptions);
  },
});

/** Schema of a config entry `{ kind: 'safety', name?, weight?, backend?: { type: 'tfjs' }, options? }` (derived). */
export const safetyConfigSchema: JSONSchema = expertPlugin.configSchema!;
