import { InvalidConfigError, type JSONSchema, validateWithSchema } from '@t2i-reward/core';
import type { TesseractModule } from './engine.js';
import { OCR_MATCH_MODES, type OcrMatchMode } from './scoring.js';

export interface OcrRewardOptions {
  /** Tesseract language codes (default ['eng']; others need `@tesseract.js-data/<lang>` installed or `langPath`). */
  languages?: string[];
  /** Local folder with `<lang>.traineddata(.gz)` for every language (default: the `@tesseract.js-data/<lang>` packages). */
  langPath?: string;
  /** Worker threads in the pool, reused across calls (default min(4, available cores)). */
  workers?: number;
  /** Tesseract page segmentation mode 0–13 (default 3, automatic; 11 finds sparse text such as signs). */
  pageSegMode?: number;
  /**
   * Words at or below this confidence (0–100) are left out of the compared text (default 0: the reference keeps
   * PaddleOCR lines with confidence > 0).
   */
  minWordConfidence?: number;
  /**
   * 'flow-grpo' (default): Flow-GRPO's rule, Levenshtein against everything read. 'substring': against the best
   * matching stretch of what was read, so noise read around the text (busy backgrounds) does not zero a partly
   * right rendering. Both give 0 distance when the target is contained.
   */
  match?: OcrMatchMode;
  /**
   * An image tesseract fails to read: 'fail' (default) fails its item (a trainer leaves it out rather than learn
   * from an engine failure); 'score-zero' scores it 0 (distance = length) with a warning, as Flow-GRPO's reward,
   * which catches any OCR exception, does.
   */
  unreadable?: 'fail' | 'score-zero';
  /** tesseract.js itself, injected (custom builds, tests); not JSON-configurable. */
  tesseract?: TesseractModule;
}

/** JSON Schema of the JSON-configurable options (everything but `tesseract`). */
export const ocrRewardOptionsSchema: JSONSchema = {
  $id: 'https://t2i-reward.dev/schemas/ocr-options.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    languages: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' } },
    langPath: { type: 'string', minLength: 1 },
    workers: { type: 'integer', minimum: 1, maximum: 64 },
    pageSegMode: { type: 'integer', minimum: 0, maximum: 13 },
    minWordConfidence: { type: 'number', minimum: 0, maximum: 100 },
    match: { enum: [...OCR_MATCH_MODES] },
    unreadable: { enum: ['fail', 'score-zero'] },
  },
};

/** Validates options (throws InvalidConfigError naming the bad key); `tesseract` is checked for createWorker. */
export function validateOcrRewardOptions(options: OcrRewardOptions): OcrRewardOptions {
  const { tesseract, ...json } = options;
  if (tesseract !== undefined && (typeof tesseract !== 'object' || tesseract === null || typeof tesseract.createWorker !== 'function')) {
    throw new InvalidConfigError('invalid ocr options: tesseract must provide createWorker()', { data: { path: 'tesseract' } });
  }
  validateWithSchema<OcrRewardOptions>(ocrRewardOptionsSchema, json, 'ocr options');
  return options;
}
