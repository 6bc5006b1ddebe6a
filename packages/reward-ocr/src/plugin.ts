import type { ExpertPlugin, JSONSchema } from '@t2i-reward/core';
import { type OcrRewardOptions, ocrRewardOptionsSchema } from './options.js';
import { createOcrReward, explainOcr } from './reward.js';

/** Schema of a config entry `{ kind: 'ocr', name?, weight?, backend?: { type: 'tesseract' }, options? }`. */
export const ocrConfigSchema: JSONSchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { const: 'ocr' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'tesseract' } } },
    options: ocrRewardOptionsSchema.properties
      ? { type: 'object', additionalProperties: false, properties: ocrRewardOptionsSchema.properties }
      : { type: 'object' },
  },
};

/**
 * Makes `{ kind: 'ocr' }` work in ensemble config files and `t2ir score --expert ocr` (tesseract with the
 * bundled English weights, offline); a relative `options.langPath` resolves against the config file's folder.
 */
export const expertPlugin: ExpertPlugin = {
  kind: 'ocr',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['text'],
  description: "text rendering: the prompt's quoted text read back by OCR (tesseract LSTM, offline), Flow-GRPO's reward",
  backends: ['tesseract'],
  configSchema: ocrConfigSchema,
  // The "why" of `t2ir score` and the HTML report: the quoted target and what was read.
  explain: explainOcr,
  create(config, context) {
    const options = { ...(config.options ?? {}) } as OcrRewardOptions;
    if (typeof options.langPath === 'string') options.langPath = context.resolvePath(options.langPath);
    return createOcrReward(options);
  },
};
