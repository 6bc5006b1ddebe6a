import { InvalidConfigError, type JSONSchema, type TfjsBackendChoice, type TfjsModule, validateWithSchema } from '@t2i-reward/core';
import { NSFW_CLASS_NAMES, NSFW_MODEL_NAMES, type NsfwClass, type NsfwModelName } from './models.js';

export interface SafetyRewardOptions {
  /** Which nsfwjs model: 'mobilenet_v2' (default, 224², 2.6 MB), 'mobilenet_v2_mid' (224², graph) or 'inception_v3' (299², 22 MB). */
  model?: NsfwModelName;
  /** Classes whose probabilities add up to the unsafe mass (default Porn, Hentai, Sexy); reward = 1 − their sum. */
  unsafeClasses?: NsfwClass[];
  /** TF.js backend (default 'auto': tfjs-node-gpu when installed, else wasm, else cpu). */
  runtime?: TfjsBackendChoice;
  /** TF.js itself, injected (tests, custom builds); not JSON-configurable. */
  tf?: TfjsModule;
}

/** JSON Schema of the JSON-configurable options (everything but `tf`). */
export const safetyRewardOptionsSchema: JSONSchema = {
  $id: 'https://t2i-reward.dev/schemas/safety-options.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    model: { enum: [...NSFW_MODEL_NAMES] },
    unsafeClasses: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...NSFW_CLASS_NAMES] } },
    runtime: { enum: ['auto', 'tfjs-node-gpu', 'wasm', 'cpu'] },
  },
};

/** Validates options (throws InvalidConfigError naming the bad key). */
export function validateSafetyRewardOptions(options: SafetyRewardOptions): SafetyRewardOptions {
  const { tf, ...json } = options;
  if (tf !== undefined && (typeof tf !== 'object' || tf === null || typeof (tf as { tidy?: unknown }).tidy !== 'function')) {
    throw new InvalidConfigError('invalid safety options: tf must be the TF.js module', { data: { path: 'tf' } });
  }
  validateWithSchema<SafetyRewardOptions>(safetyRewardOptionsSchema, json, 'safety options');
  return options;
}
