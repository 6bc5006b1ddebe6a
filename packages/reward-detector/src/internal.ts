/**
 * `@t2i-reward/detector/internal`: the pieces behind the public entry — backends, their table, each formula,
 * box and position helpers, vocabularies. For tests, benchmarks and custom builds; may change between minor versions.
 */
export * from './index.js';
export {
  CenterNetBackend,
  centernetModelPath,
  letterbox,
  loadGraphModelFromFile,
  CENTERNET_INPUT_SIZE,
  type CenterNetBackendOptions,
} from './backends/centernet.js';
export { TransformersDetectorBackend, type TransformersBackendOptions, type OpenVocabularyArchitecture } from './backends/transformers.js';
export { DETECTOR_BACKENDS, DETECTOR_BACKEND_TYPES, tfjsBackendSchema, transformersBackendSchema, type DetectorBackendContext } from './backends/table.js';
export * from './scoring/index.js';
export { COCO_SYNONYMS, singularCandidates } from './vocabulary.js';
