// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
export { VERSION } from './version.js';
export { AestheticReward, createAestheticReward, explainAesthetic, normaliseAesthetic, AESTHETIC_RANGE, type AestheticDetails } from './reward.js';
export { aestheticRewardOptionsSchema, validateAestheticRewardOptions, type AestheticRewardOptions } from './options.js';
export { expertPlugin, aestheticConfigSchema } from './plugin.js';
export {
  AESTHETIC_HEAD_FILE,
  AestheticHead,
  HEAD_LINEAR_INDICES,
  PUBLISHED_HEAD_WIDTHS,
  headFromTensors,
  loadAestheticHead,
  readSafetensors,
  type HeadLayer,
} from './head.js';
export { clipPreprocessing, clipResizeCrop, normaliseCrop, readClipPreprocessing, type ClipPreprocessing, type ClipProcessorConfig } from './preprocess.js';
// Every expert package exports `explain(details)` (the details contract of core).
export { explainAesthetic as explain } from './reward.js';
