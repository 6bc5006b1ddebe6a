import { Type, type Static } from '@sinclair/typebox';
import { InvalidConfigError, StringEnum, TFJS_BACKEND_CHOICES, type TfjsModule, validateWithSchema } from '@t2i-reward/core';
import { NSFW_CLASS_NAMES, NSFW_MODEL_NAMES } from './models.js';

/** JSON Schema of the JSON-configurable options (everything but `tf`); SafetyRewardOptions is its type. */
export const safetyRewardOptionsSchema = Type.Object(
  {
    /** Which nsfwjs model: 'mobilenet_v2' (default, 224², 2.6 MB), 'mobilenet_v2_mid' (224², graph) or 'inception_v3' (299², 22 MB). */
    model: Type.Optional(StringEnum(NSFW_MODEL_NAMES)),
    /** Classes whose probabilities add up to the unsafe mass (default Porn, Hentai, Sexy); reward = 1 − their sum. */
    unsafeClasses: Type.Optional(Type.Array(StringEnum(NSFW_CLASS_NAMES), { minItems: 1, uniqueItems: true })),
    /** TF.js backend (default 'auto': tfjs-node-gpu when installed, else wasm, else cpu). */
    runtime: Type.Optional(StringEnum(TFJS_BACKEND_CHOICES)),
  },
  { $id: 'https://t2i-reward.dev/schemas/safety-options.json', additionalProperties: false },
);

export type SafetyRewardOptions = Static<typeof safetyRewardOptionsSchema> & {
  /** TF.js itself, injected (tests, custom builds); not JSON-configurable. */
  tf?: TfjsModule;
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
