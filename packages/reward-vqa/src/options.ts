import type { JSONSchema } from '@t2i-reward/core';
import { validateYesNoExpertOptions, yesNoBackendSchema, type YesNoBackend, type YesNoBackendConfig } from '@t2i-reward/yes-no';

export type VqaAggregate = 'mean' | 'product';

/**
 * What is asked: `attributes` (default) one question per attribute-noun phrase, scored by the yes ratio (T2I-R1 /
 * T2I-CompBench); `vqascore` one question about the whole prompt, `Does this figure show "{prompt}"? Please answer
 * yes or no.`, scored by P(yes) alone (VQAScore, linzhiqiu/t2v_metrics; see vqascore.ts).
 */
export type VqaVariant = 'attributes' | 'vqascore';

/**
 * `t2i-r1-code`: reproduce the released T2I-R1 VQA reward (CaraJ7/T2I-R1 `src/t2i-r1/src/utils/reward_git.py`):
 * 0 for task_type `spatial` / `numeracy`; the `attr_nouns` phrases when the row has them, else its nouns, else
 * 1; every phrase asked (no maxQuestions cut); P from the single "yes" / "no" token ids; mean.
 * `t2v-metrics-code` (variant `vqascore`, served models): VQAScore as linzhiqiu/t2v_metrics `gpt4v_model.py`
 * scores it: exp(logprob) of the token spelled exactly "Yes" among the top 2 returned, else 0.
 */
export type VqaReference = 't2i-r1-code' | 't2v-metrics-code';

export interface VqaRewardOptions {
  /** Which model answers: a backend config or a ready YesNoBackend. */
  backend: YesNoBackendConfig | YesNoBackend;
  /** 'mean' over questions (T2I-R1, default) or 'product' (T2I-CompBench). */
  aggregate?: VqaAggregate;
  /** What is asked and how it is scored (default 'attributes'). */
  variant?: VqaVariant;
  /**
   * Question text; `{phrase}` is replaced by the attribute-noun phrase, inserted as data (default "{phrase}?");
   * for variant `vqascore`, `{prompt}` by the whole prompt (default VQAScore's template).
   */
  questionTemplate?: string;
  /** At most this many phrases per prompt are asked, in prompt order (default 8, as T2I-CompBench). */
  maxQuestions?: number;
  /** Softmax temperature on the first-token logits (default 1). */
  temperature?: number;
  /** Distinct images scored at once (default 16 for `openai`, 1 for in-process backends). */
  imageConcurrency?: number;
  /** Reproduce a released reference instead of our default (see VqaReference and the README's deviation table). */
  reference?: VqaReference;
}

export const vqaRewardOptionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['backend'],
  properties: {
    backend: yesNoBackendSchema,
    aggregate: { enum: ['mean', 'product'] },
    variant: { enum: ['attributes', 'vqascore'] },
    questionTemplate: { type: 'string', pattern: '\\{(phrase|prompt)\\}' },
    maxQuestions: { type: 'integer', minimum: 1 },
    temperature: { type: 'number', exclusiveMinimum: 0 },
    imageConcurrency: { type: 'integer', minimum: 1 },
    reference: { enum: ['t2i-r1-code', 't2v-metrics-code'] },
  },
};

/** Validates options (a ready backend instance skips the backend schema). */
export function validateVqaOptions(options: VqaRewardOptions): VqaRewardOptions {
  return validateYesNoExpertOptions(vqaRewardOptionsSchema, options, 'vqa options');
}
