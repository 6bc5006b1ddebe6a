import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '@t2i-reward/core';
import { validateYesNoExpertOptions, yesNoBackendSchema, type YesNoBackend, type YesNoBackendConfig } from '@t2i-reward/yes-no';

export const VQA_AGGREGATES = ['mean', 'product'] as const;
export type VqaAggregate = (typeof VQA_AGGREGATES)[number];

/**
 * What is asked: `attributes` (default) one question per attribute-noun phrase, scored by the yes ratio (T2I-R1 /
 * T2I-CompBench); `vqascore` one question about the whole prompt, `Does this figure show "{prompt}"? Please answer
 * yes or no.`, scored by P(yes) alone (VQAScore, linzhiqiu/t2v_metrics; see vqascore.ts).
 */
export const VQA_VARIANTS = ['attributes', 'vqascore'] as const;
export type VqaVariant = (typeof VQA_VARIANTS)[number];

/**
 * `t2i-r1-code`: reproduce the released T2I-R1 VQA reward (CaraJ7/T2I-R1 `src/t2i-r1/src/utils/reward_git.py`):
 * 0 for task_type `spatial` / `numeracy`; the `attr_nouns` phrases when the row has them, else its nouns, else
 * 1; every phrase asked (no maxQuestions cut); P from the single "yes" / "no" token ids; mean.
 * `t2v-metrics-code` (variant `vqascore`, served models): VQAScore as linzhiqiu/t2v_metrics `gpt4v_model.py`
 * scores it: exp(logprob) of the token spelled exactly "Yes" among the top 2 returned, else 0.
 */
export const VQA_REFERENCES = ['t2i-r1-code', 't2v-metrics-code'] as const;
export type VqaReference = (typeof VQA_REFERENCES)[number];

/** JSON Schema of the options; VqaRewardOptions is its type (with a ready backend instance allowed for `backend`). */
export const vqaRewardOptionsSchema = Type.Object(
  {
    /** Which model answers: a backend config. */
    backend: Type.Unsafe<YesNoBackendConfig>(yesNoBackendSchema),
    /** 'mean' over questions (T2I-R1, default) or 'product' (T2I-CompBench). */
    aggregate: Type.Optional(StringEnum(VQA_AGGREGATES)),
    /** What is asked and how it is scored (default 'attributes'). */
    variant: Type.Optional(StringEnum(VQA_VARIANTS)),
    /**
     * Question text; `{phrase}` is replaced by the attribute-noun phrase, inserted as data (default "{phrase}?");
     * for variant `vqascore`, `{prompt}` by the whole prompt (default VQAScore's template).
     */
    questionTemplate: Type.Optional(Type.String({ pattern: '\\{(phrase|prompt)\\}' })),
    /** At most this many phrases per prompt are asked, in prompt order (default 8, as T2I-CompBench). */
    maxQuestions: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Softmax temperature on the first-token logits (default 1). */
    temperature: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Distinct images scored at once (default 16 for `openai`, 1 for in-process backends). */
    imageConcurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Reproduce a released reference instead of our default (see VqaReference and the README's deviation table). */
    reference: Type.Optional(StringEnum(VQA_REFERENCES)),
  },
  { additionalProperties: false },
);

/** The options of an entry's `options` object (`backend` is the entry's own key). */
export const vqaEntryOptionsSchema = Type.Omit(vqaRewardOptionsSchema, ['backend']);

export type VqaRewardOptions = Omit<Static<typeof vqaRewardOptionsSchema>, 'backend'> & {
  /** Which model answers: a backend config or a ready YesNoBackend. */
  backend: YesNoBackendConfig | YesNoBackend;
};

/** Validates options (a ready backend instance skips the backend schema). */
export function validateVqaOptions(options: VqaRewardOptions): VqaRewardOptions {
  return validateYesNoExpertOptions(vqaRewardOptionsSchema, options, 'vqa options');
}
