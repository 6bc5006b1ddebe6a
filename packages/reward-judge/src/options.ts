import { Type, type Static } from '@sinclair/typebox';
import { Const, InvalidConfigError, Pair, StringEnum, validateWithSchema } from '@t2i-reward/core';
import { openAiCompatibleConnectionProperties } from '@t2i-reward/yes-no';

/**
 * The pointwise scoring prompt of UnifiedReward as the RL codebases send it: Flow-GRPO's
 * `unifiedreward_score_sglang` (yifan123/flow_grpo `flow_grpo/rewards.py`, commit 54809b5) asks UnifiedReward-7b
 * this question (after a `<image>\n` placeholder that SGLang's `chatml-llava` template needs; an OpenAI-compatible
 * server places the `image_url` part itself, so it is left out here). CodeGoat24/UnifiedReward's own pointwise
 * script (`inference_qwen/image_generation/qwen_point_score_image_generation.py`, commit ed52f98) asks the same two
 * criteria and the same "assign a score from 1 to 5 after 'Final Score:'". `{prompt}` is where the caption goes.
 */
export const UNIFIED_REWARD_TEMPLATE =
  'You are given a text caption and a generated image based on that caption. Your task is to evaluate this image based on two key criteria:\n' +
  '1. Alignment with the Caption: Assess how well this image aligns with the provided caption. Consider the accuracy of depicted objects, their relationships, and attributes as described in the caption.\n' +
  '2. Overall Image Quality: Examine the visual quality of this image, including clarity, detail preservation, color accuracy, and overall aesthetic appeal.\n' +
  "Based on the above criteria, assign a score from 1 to 5 after 'Final Score:'.\n" +
  'Your task is provided as follows:\n' +
  'Text Caption: [{prompt}]';

/**
 * The number after "Final Score:" (any number, so an out-of-scale answer is seen and refused rather than cut:
 * Flow-GRPO's `Final Score:\s*([1-5](?:\.\d+)?)` reads "Final Score: 10" as 1).
 */
export const FINAL_SCORE_PATTERN = 'Final Score:\\s*([-+]?\\d+(?:\\.\\d+)?)';

/** The slot of a prompt template. */
export const PROMPT_SLOT = '{prompt}';

const positiveInteger = () => Type.Integer({ minimum: 1 });

/** The served judge: an OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp server, a hosted API). */
export const judgeBackendSchema = Type.Object(
  {
    type: Const('openai'),
    // baseURL, model, apiKey, apiKeyEnv, timeoutMs (default 120 000: a judge writes a whole answer), concurrency,
    // maxRetries, retryBaseMs, imageFormat (default 'png', as Flow-GRPO sends it), headers: the connection every
    // OpenAI-compatible backend has (@t2i-reward/yes-no), the same as the yes/no `openai` backend's.
    ...openAiCompatibleConnectionProperties,
  },
  { additionalProperties: false },
);

export type JudgeBackendConfig = Static<typeof judgeBackendSchema>;

/** JSON Schema of the JSON-configurable options (everything but `fetch`); JudgeRewardOptions is its type. */
export const judgeRewardOptionsSchema = Type.Object(
  {
    backend: judgeBackendSchema,
    /** The user text sent after the image; `{prompt}` is replaced by the generation prompt, inserted as data (default UNIFIED_REWARD_TEMPLATE). */
    template: Type.Optional(Type.String({ pattern: '\\{prompt\\}' })),
    /** An optional system message. */
    system: Type.Optional(Type.String()),
    /** Regular expression (JavaScript syntax) whose first capture group is the number (default FINAL_SCORE_PATTERN). */
    pattern: Type.Optional(Type.String({ minLength: 1 })),
    /** Its flags, e.g. "i" (default none; "g" and "y" are refused). */
    patternFlags: Type.Optional(Type.String({ pattern: '^[imsu]*$' })),
    /** Which match counts when the answer has several: 'first' (default, Python's re.search) or 'last'. */
    occurrence: Type.Optional(StringEnum(['first', 'last'])),
    /** The judge's scale [min, max]: the number x becomes (x − min) / (max − min) (default [1, 5]). */
    scale: Type.Optional(Pair(Type.Number())),
    /** A number outside the scale: 'fail' the item (default) or 'clamp' it with a warning. */
    outOfScale: Type.Optional(StringEnum(['fail', 'clamp'])),
    /** Sampling temperature (default 0: greedy, as Flow-GRPO). */
    temperature: Type.Optional(Type.Number({ minimum: 0 })),
    /** Answer length limit in tokens (default 1024). */
    maxTokens: Type.Optional(positiveInteger()),
    /** User text over this many characters loses the end of its prompt, with a warning (default 8000). */
    maxPromptChars: Type.Optional(positiveInteger()),
  },
  { additionalProperties: false },
);

/** The options of an entry's `options` object (`backend` is the entry's own key). */
export const judgeEntryOptionsSchema = Type.Omit(judgeRewardOptionsSchema, ['backend']);

export type JudgeRewardOptions = Static<typeof judgeRewardOptionsSchema> & {
  /** A fetch implementation (default the global one); not JSON-configurable. */
  fetch?: typeof fetch;
};

/** Validates options (throws InvalidConfigError naming the bad key) and compiles the pattern. */
export function validateJudgeOptions(options: JudgeRewardOptions): JudgeRewardOptions & { regex: RegExp } {
  const { fetch: fetchImpl, ...json } = options;
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') {
    throw new InvalidConfigError('invalid judge options: fetch must be a function', { data: { path: 'fetch' } });
  }
  validateWithSchema<JudgeRewardOptions>(judgeRewardOptionsSchema, json, 'judge options');
  const [min, max] = options.scale ?? [1, 5];
  if (!(max > min)) throw new InvalidConfigError(`invalid judge options: scale [${min}, ${max}] needs min < max`, { data: { path: 'scale' } });
  let regex: RegExp;
  try {
    regex = new RegExp(options.pattern ?? FINAL_SCORE_PATTERN, options.patternFlags ?? '');
  } catch (error) {
    throw new InvalidConfigError(`invalid judge options: pattern is not a regular expression (${(error as Error).message})`, {
      cause: error,
      data: { path: 'pattern' },
    });
  }
  // A pattern without a group, or whose first group never takes part, could never yield a number.
  if (new RegExp(`${regex.source}|`, regex.flags).exec('')!.length < 2) {
    throw new InvalidConfigError('invalid judge options: pattern needs a capture group around the number, e.g. "Final Score:\\s*(\\d+(?:\\.\\d+)?)"', {
      data: { path: 'pattern' },
    });
  }
  return { ...options, regex };
}
