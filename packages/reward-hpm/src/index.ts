// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
export { VERSION } from './version.js';
export { createHpmReward, type HpmReward, type HpmCreateContext } from './create.js';
export {
  hpmRewardOptionsSchema,
  HPM_VARIANTS,
  HPM_DTYPES,
  HPM_DTYPE_SUFFIXES,
  DEFAULT_CLIP_MODEL,
  type HpmRewardOptions,
  type HpmVariant,
  type HpmDtype,
  type HpmSessionOptions,
} from './options.js';
export { ClipReward, type ClipRewardInit, type ClipRewardStats } from './clip-reward.js';
export {
  ImageRewardModel,
  IMAGE_REWARD_MEAN,
  IMAGE_REWARD_STD,
  IMAGE_REWARD_MAX_TEXT_LENGTH,
  type ImageRewardInit,
  type ImageRewardStats,
} from './image-reward.js';
export {
  CLIP_VARIANTS,
  PICKSCORE_DIVISOR,
  CLIPSCORE_WEIGHT,
  scoreVariant,
  cosineSimilarity,
  type ClipVariant,
  type PickScoreNormalization,
  type VariantScore,
} from './scoring.js';
export { buildClipTokenizerJson, CLIP_BOS, CLIP_EOS, CLIP_CONTEXT_LENGTH } from './clip-tokenizer.js';
export { expertPlugin, hpmExpertEntrySchema } from './plugin.js';
export { explain } from './explain.js';
