// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
export { VERSION } from './version.js';
export { SafetyReward, createSafetyReward, explainSafety, type SafetyDetails } from './reward.js';
export { safetyRewardOptionsSchema, validateSafetyRewardOptions, type SafetyRewardOptions } from './options.js';
export { expertPlugin, safetyConfigSchema } from './plugin.js';
export {
  DEFAULT_UNSAFE_CLASSES,
  NSFW_CLASS_NAMES,
  NSFW_MODELS,
  NSFW_MODEL_NAMES,
  loadNsfwModel,
  type LoadedNsfwModel,
  type NsfwClass,
  type NsfwModelName,
} from './models.js';
// Every expert package exports `explain(details)` (the details contract of core).
export { explainSafety as explain } from './reward.js';
