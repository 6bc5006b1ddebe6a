// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
export { VERSION } from './version.js';
export { createDetectorReward, DetectorReward, cropImage } from './reward.js';
export { genevalColorCrop, roundHalfEven, GENEVAL_CROP_BACKGROUND } from './geneval-crop.js';
// The colour names GenEval's classifier chooses from (what a colorClassifier is asked).
export { GENEVAL_COLORS } from './scoring/geneval.js';
export {
  detectorRewardOptionsSchema,
  detectorBackendSchema,
  validateDetectorRewardOptions,
  type DetectorRewardOptions,
  type DetectorBackendConfig,
  type TfjsBackendConfig,
  type TransformersBackendConfig,
  type ColorClassifier,
} from './options.js';
export { expertPlugin, detectorConfigSchema } from './plugin.js';
export { explain } from './explain.js';
export { mediumNote } from './medium-note.js';
// A custom detector (`options.detector`) and scoring your own detections with a formula.
export type { DetectorBackend } from './backends/types.js';
export type { Box, Detection } from './scoring/boxes.js';
export {
  scoreDetections,
  SCORING_FORMULAS,
  DEFAULT_SCORING_OPTIONS,
  type ScoreOutcome,
  type ScoringFormula,
  type ScoringInput,
  type ScoringOptions,
} from './scoring/index.js';
export { COCO_CLASSES } from './coco.js';
export { cocoVocabulary, createVocabulary, type ClassVocabulary } from './vocabulary.js';
// Backends, formulas one by one, box and position helpers: `@t2i-reward/detector/internal`.
export { BACKEND_DEFAULT_THRESHOLDS, type DetectorThresholds, type DetectorThresholdKey } from './thresholds.js';
