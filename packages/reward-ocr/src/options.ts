import { Type, type Static } from '@sinclair/typebox';
import { InvalidConfigError, StringEnum, validateWithSchema } from '@t2i-reward/core';
import type { TesseractModule } from './engine.js';
import { OCR_MATCH_MODES } from './scoring.js';

/** JSON Schema of the JSON-configurable options (everything but `tesseract`); OcrRewardOptions is its type. */
export const ocrRewardOptionsSchema = Type.Object(
  {
    /** Tesseract language codes (default ['eng']; others need `@tesseract.js-data/<lang>` installed or `langPath`). */
    languages: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }), { minItems: 1, uniqueItems: true })),
    /** Local folder with `<lang>.traineddata(.gz)` for every language (default: the `@tesseract.js-data/<lang>` packages). */
    langPath: Type.Optional(Type.String({ minLength: 1 })),
    /** Worker threads in the pool, reused across calls (default min(4, available cores)). */
    workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /** Tesseract page segmentation mode 0–13 (default 3, automatic; 11 finds sparse text such as signs). */
    pageSegMode: Type.Optional(Type.Integer({ minimum: 0, maximum: 13 })),
    /**
     * Words at or below this confidence (0–100) are left out of the compared text (default 0: the reference keeps
     * PaddleOCR lines with confidence > 0).
     */
    minWordConfidence: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /**
     * 'flow-grpo' (default): Flow-GRPO's rule, Levenshtein against everything read. 'substring': against the best
     * matching stretch of what was read, so noise read around the text (busy backgrounds) does not zero a partly
     * right rendering. Both give 0 distance when the target is contained.
     */
    match: Type.Optional(StringEnum(OCR_MATCH_MODES)),
    /**
     * An image tesseract fails to read: 'fail' (default) fails its item (a trainer leaves it out rather than learn
     * from an engine failure); 'score-zero' scores it 0 (distance = length) with a warning, as Flow-GRPO's reward,
     * which catches any OCR exception, does.
     */
    unreadable: Type.Optional(StringEnum(['fail', 'score-zero'])),
  },
  { $id: 'https://t2i-reward.dev/schemas/ocr-options.json', additionalProperties: false },
);

export type OcrRewardOptions = Static<typeof ocrRewardOptionsSchema> & {
  /** tesseract.js itself, injected (custom builds, tests); not JSON-configurable. */
  tesseract?: TesseractModule;
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
