import { defineExpert, type JSONSchema } from '@t2i-reward/core';
import { type OcrRewardOptions, ocrRewardOptionsSchema } from './options.js';
import { createOcrReward, explainOcr } from './reward.js';

/**
 * Makes `{ kind: 'ocr' }` work in ensemble config files and `t2ir score --expert ocr` (tesseract with the
 * bundled English weights, offline); a relative `options.langPath` resolves against the config file's folder.
 */
export const expertPlugin = defineExpert({
  kind: 'ocr',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['text'],
  description: "text rendering: the prompt's quoted text read back by OCR (tesseract LSTM, offline), Flow-GRPO's reward",
  backends: { tesseract: { description: 'tesseract.js LSTM' } },
  options: ocrRewardOptionsSchema,
  // Tesseract with the English LSTM weights of @tesseract.js-data/eng: offline, no config needed.
  offline: { note: 'tesseract (English LSTM weights ship in @tesseract.js-data/eng)', backend: { type: 'tesseract' } },
  // The "why" of `t2ir score` and the HTML report: the quoted target and what was read.
  explain: explainOcr,
  create(config, context) {
    const options = { ...config.options } as OcrRewardOptions;
    if (typeof options.langPath === 'string') options.langPath = context.resolvePath(options.langPath);
    return createOcrReward(options);
  },
});

/** Schema of a config entry `{ kind: 'ocr', name?, weight?, backend?: { type: 'tesseract' }, options? }` (derived). */
export const ocrConfigSchema: JSONSchema = expertPlugin.configSchema!;
