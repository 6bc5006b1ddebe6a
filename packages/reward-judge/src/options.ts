import { InvalidConfigError, validateWithSchema, type JSONSchema } from '@t2i-reward/core';

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

/** The served judge: an OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp server, a hosted API). */
export interface JudgeBackendConfig {
  type: 'openai';
  /** Server root including the API prefix, e.g. "http://127.0.0.1:8000/v1". */
  baseURL: string;
  /** The served model name. */
  model: string;
  /** Sent as `Authorization: Bearer ...` when set. */
  apiKey?: string;
  /** Name of an environment variable holding the API key (keeps keys out of config files); `apiKey` wins. */
  apiKeyEnv?: string;
  /** Per-request deadline in ms (default 120 000: a judge writes a whole answer). */
  timeoutMs?: number;
  /** Requests in flight at once across all calls on this expert (default 8). */
  concurrency?: number;
  /** Retries after a 429, a 5xx, a timeout or a refused connection (default 3). */
  maxRetries?: number;
  /** First backoff delay in ms, doubled on each retry with jitter; a Retry-After header wins when longer (default 500). */
  retryBaseMs?: number;
  /** Image encoding of the data URL (default 'png': lossless, as Flow-GRPO sends it). */
  imageFormat?: 'png' | 'jpeg';
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface JudgeRewardOptions {
  backend: JudgeBackendConfig;
  /** The user text sent after the image; `{prompt}` is replaced by the generation prompt, inserted as data (default UNIFIED_REWARD_TEMPLATE). */
  template?: string;
  /** An optional system message. */
  system?: string;
  /** Regular expression (JavaScript syntax) whose first capture group is the number (default FINAL_SCORE_PATTERN). */
  pattern?: string;
  /** Its flags, e.g. "i" (default none; "g" and "y" are refused). */
  patternFlags?: string;
  /** Which match counts when the answer has several: 'first' (default, Python's re.search) or 'last'. */
  occurrence?: 'first' | 'last';
  /** The judge's scale [min, max]: the number x becomes (x − min) / (max − min) (default [1, 5]). */
  scale?: [number, number];
  /** A number outside the scale: 'fail' the item (default) or 'clamp' it with a warning. */
  outOfScale?: 'fail' | 'clamp';
  /** Sampling temperature (default 0: greedy, as Flow-GRPO). */
  temperature?: number;
  /** Answer length limit in tokens (default 1024). */
  maxTokens?: number;
  /** User text over this many characters loses the end of its prompt, with a warning (default 8000). */
  maxPromptChars?: number;
  /** A fetch implementation (default the global one); not JSON-configurable. */
  fetch?: typeof fetch;
}

const positiveInteger = { type: 'integer', minimum: 1 } as const;

export const judgeBackendSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'baseURL', 'model'],
  properties: {
    type: { const: 'openai' },
    baseURL: { type: 'string', pattern: '^https?://' },
    model: { type: 'string', minLength: 1 },
    apiKey: { type: 'string' },
    apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    timeoutMs: positiveInteger,
    concurrency: positiveInteger,
    maxRetries: { type: 'integer', minimum: 0 },
    retryBaseMs: { type: 'integer', minimum: 0 },
    imageFormat: { enum: ['png', 'jpeg'] },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** JSON Schema of the JSON-configurable options (everything but `fetch`). */
export const judgeRewardOptionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['backend'],
  properties: {
    backend: judgeBackendSchema,
    template: { type: 'string', pattern: '\\{prompt\\}' },
    system: { type: 'string' },
    pattern: { type: 'string', minLength: 1 },
    patternFlags: { type: 'string', pattern: '^[imsu]*$' },
    occurrence: { enum: ['first', 'last'] },
    scale: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } },
    outOfScale: { enum: ['fail', 'clamp'] },
    temperature: { type: 'number', minimum: 0 },
    maxTokens: positiveInteger,
    maxPromptChars: positiveInteger,
  },
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
