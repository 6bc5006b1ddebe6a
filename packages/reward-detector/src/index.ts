export { VERSION } from './version.js';
export { createDetectorReward, DetectorReward, cropImage } from './reward.js';
export {
  detectorRewardOptionsSchema, detectorBackendSchema, validateDetectorRewardOptions,
  type DetectorRewardOptions, type DetectorBackendConfig, type TfjsBackendConfig, type TransformersBackendConfig, type ColorClassifier,
} from './options.js';
export { expertPlugin, detectorConfigSchema } from './plugin.js';
export { explain } from './explain.js';
export type { DetectorBackend } from './backends/types.js';
export { CenterNetBackend, centernetModelPath, letterbox, loadGraphModelFromFile, CENTERNET_INPUT_SIZE, type CenterNetBackendOptions } from './backends/centernet.js';
export { TransformersDetectorBackend, type TransformersBackendOptions, type OpenVocabularyArchitecture } from './backends/transformers.js';
export * from './scoring/index.js';
export { COCO_CLASSES } from './coco.js';
export { COCO_SYNONYMS, cocoVocabulary, createVocabulary, singularCandidates, type ClassVocabulary } from './vocabulary.js';
