import type { JSONSchema } from '@t2i-reward/core';
import type { YesNoBackend } from './backend.js';
import { yesNoBackendSchema, type YesNoBackendConfig } from './backends/index.js';
import { validateYesNoExpertOptions } from './yes-no-config.js';

export type VqaAggregate = 'mean' | 'product';

export interface VqaRewardOptions {
  /** Which model answers: a backend config or a ready YesNoBackend. */
  backend: YesNoBackendConfig | YesNoBackend;
  /** 'mean' over questions (T2I-R1, default) or 'product' (T2I-CompBench). */
  aggregate?: VqaAggregate;
  /** Question text; `{phrase}` is replaced by the attribute-noun phrase, inserted as data (default "{phrase}?"). */
  questionTemplate?: string;
  /** At most this many phrases per prompt are asked, in prompt order (default 8, as T2I-CompBench). */
  maxQuestions?: number;
  /** Softmax temperature on the first-token logits (default 1). */
  temperature?: number;
  /** Distinct images scored at once (default 16 for `openai`, 1 for in-process backends). */
  imageConcurrency?: number;
}

export const vqaRewardOptionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['backend'],
  properties: {
    backend: yesNoBackendSchema,
    aggregate: { enum: ['mean', 'product'] },
    questionTemplate: { type: 'string', pattern: '\\{phrase\\}' },
    maxQuestions: { type: 'integer', minimum: 1 },
    temperature: { type: 'number', exclusiveMinimum: 0 },
    imageConcurrency: { type: 'integer', minimum: 1 },
  },
};

/** Validates options (a ready backend instance skips the backend schema). */
export function validateVqaOptions(options: VqaRewardOptions): VqaRewardOptions {
  return validateYesNoExpertOptions(vqaRewardOptionsSchema, options, 'vqa options');
}
