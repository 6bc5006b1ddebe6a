export { VERSION } from './version.js';
export { createOcrReward, OcrReward, explainOcr, type OcrDetails } from './reward.js';
export { ocrRewardOptionsSchema, validateOcrRewardOptions, type OcrRewardOptions } from './options.js';
export { expertPlugin, ocrConfigSchema } from './plugin.js';
export {
  TesseractPool,
  bundledLanguageDir,
  defaultWorkerCount,
  encodePpm,
  type TesseractPoolOptions,
  type TesseractModule,
  type TesseractWorker,
  type TesseractPage,
  type OcrWord,
  type OcrReading,
} from './engine.js';
export {
  extractTarget,
  targetOf,
  levenshtein,
  matchTarget,
  normalizeOcrText,
  ocrReward,
  recognizedString,
  substringDistance,
  OCR_MATCH_MODES,
  type OcrMatch,
  type OcrMatchMode,
  type OcrTarget,
  type RecognizedPiece,
  type TargetExtraction,
} from './scoring.js';
// Every expert package exports `explain(details)` (the details contract of core).
export { explainOcr as explain } from './reward.js';
