import {
  BaseReward,
  encodeImage,
  failedResult,
  isFatalRewardError,
  toRewardError,
  type RewardItemResult,
  type RewardSample,
  type RgbImage,
} from '@t2i-reward/core';
import { ChatClient, type ChatRequest } from './client.js';
import { PROMPT_SLOT, UNIFIED_REWARD_TEMPLATE, validateJudgeOptions, type JudgeRewardOptions } from './options.js';
import { extractScore, JudgeAnswerError, scaleToUnit } from './parse.js';
import { VERSION } from './version.js';

/** `details` of a judged item (also on an item whose answer gave no score: then without `extracted`). */
export interface JudgeDetails {
  /** The judge's whole answer, as returned. */
  answer: string;
  /** The number the pattern found, before scaling. */
  extracted?: number;
  /** The text the pattern matched ("Final Score: 4.5"). */
  match?: string;
  scale: [number, number];
  /** Requests sent for this item, retries included. */
  attempts: number;
  /** The server's finish_reason ("stop", "length"). */
  finishReason?: string;
}

/**
 * A VLM judge with a text score: the image (a data URL) and the scoring prompt go to an OpenAI-compatible
 * chat-completions server; the answer's number (the pattern's first group) on the scale [min, max] becomes
 * (x − min) / (max − min). An answer without a number, or with one outside the scale, fails its item with a
 * JudgeAnswerError (never a 0); the raw answer is in `details` either way.
 */
export class JudgeReward extends BaseReward {
  readonly client: ChatClient;
  readonly scale: [number, number];
  readonly #options: ReturnType<typeof validateJudgeOptions>;
  readonly #prefix: string;
  readonly #suffix: string;

  constructor(options: JudgeRewardOptions) {
    const valid = validateJudgeOptions(options);
    const custom = valid.template !== undefined || valid.pattern !== undefined;
    super({ kind: 'judge', modelId: `judge/openai/${valid.backend.model}${custom ? '/custom' : '/unified-reward'}`, version: VERSION });
    this.client = new ChatClient(valid.backend, valid.fetch);
    this.scale = valid.scale ?? [1, 5];
    this.#options = valid;
    const template = valid.template ?? UNIFIED_REWARD_TEMPLATE;
    const at = template.indexOf(PROMPT_SLOT);
    this.#prefix = template.slice(0, at);
    this.#suffix = template.slice(at + PROMPT_SLOT.length);
  }

  /** The user text for a prompt (the prompt is data: inserted once, never parsed as a template), with its warnings. */
  questionFor(prompt: string): { text: string; warnings: string[] } {
    const max = this.#options.maxPromptChars ?? 8000;
    const budget = Math.max(max - this.#prefix.length - this.#suffix.length, 0);
    if (prompt.length <= budget) return { text: this.#prefix + prompt + this.#suffix, warnings: [] };
    return {
      text: this.#prefix + prompt.slice(0, budget) + this.#suffix,
      warnings: [`prompt truncated from ${prompt.length} to ${budget} characters (maxPromptChars ${max})`],
    };
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    const images = new Map<string, Promise<string>>();
    const format = this.#options.backend.imageFormat ?? 'png';
    const dataUrl = (image: RgbImage): Promise<string> => {
      let url = images.get(image.hash);
      if (!url) {
        url = encodeImage(image, format).then((bytes) => `data:image/${format};base64,${bytes.toString('base64')}`);
        images.set(image.hash, url);
      }
      return url;
    };
    return Promise.all(samples.map((sample) => this.#judge(sample, dataUrl, signal)));
  }

  async #judge(sample: RewardSample, dataUrl: (image: RgbImage) => Promise<string>, signal: AbortSignal | undefined): Promise<RewardItemResult> {
    if (sample.prompt.trim().length === 0) return { score: null, raw: null, warnings: ['empty prompt: nothing to judge the image against'] };
    const { text, warnings } = this.questionFor(sample.prompt);
    let answer;
    try {
      const request: ChatRequest = {
        model: this.#options.backend.model,
        messages: [
          ...(this.#options.system !== undefined ? [{ role: 'system' as const, content: this.#options.system }] : []),
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: await dataUrl(sample.image) } },
              { type: 'text', text },
            ],
          },
        ],
        max_tokens: this.#options.maxTokens ?? 1024,
        temperature: this.#options.temperature ?? 0,
      };
      answer = await this.client.complete(request, signal);
    } catch (error) {
      if (isFatalRewardError(error)) throw error;
      return failedResult(toRewardError(error, `${this.client.endpoint} failed`), warnings);
    }
    const details: JudgeDetails = {
      answer: answer.text,
      scale: this.scale,
      attempts: answer.attempts,
      ...(answer.finishReason !== undefined ? { finishReason: answer.finishReason } : {}),
    };
    const found = extractScore(answer.text, this.#options.regex, this.#options.occurrence);
    if (!found) {
      const cut = answer.finishReason === 'length' ? ` (the answer was cut at maxTokens ${this.#options.maxTokens ?? 1024})` : '';
      const error = new JudgeAnswerError(`no score in the judge's answer: /${this.#options.regex.source}/ does not match${cut}: ${quote(answer.text)}`, {
        data: { reason: 'no-score', answer: answer.text },
      });
      return { score: null, raw: null, details: { ...details }, warnings, error };
    }
    const withNumber = { ...details, extracted: found.value, match: found.match };
    const [min, max] = this.scale;
    const clamp = this.#options.outOfScale === 'clamp';
    const unit = scaleToUnit(found.value, this.scale, clamp);
    if (unit === undefined) {
      const error = new JudgeAnswerError(`the judge's score ${found.value} is outside its scale [${min}, ${max}] ("${found.match}")`, {
        data: { reason: 'out-of-scale', value: found.value, scale: this.scale },
      });
      return { score: null, raw: found.value, details: { ...withNumber }, warnings, error };
    }
    if (found.value < min || found.value > max) warnings.push(`the judge's score ${found.value} is outside [${min}, ${max}]: clamped`);
    return { score: unit, raw: found.value, details: { ...withNumber }, warnings };
  }

  protected override async onDispose(): Promise<void> {
    this.client.dispose();
  }
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

/** Creates the judge expert. */
export function createJudgeReward(options: JudgeRewardOptions): JudgeReward {
  return new JudgeReward(options);
}

/** One line on a judged item: `4.5 on [1, 5] ("Final Score: 4.5")`, or why there is no score. */
export function explainJudge(details: Record<string, unknown> | undefined): string {
  if (!details || typeof details.answer !== 'string') return '';
  const scale = Array.isArray(details.scale) ? `[${details.scale.join(', ')}]` : 'its scale';
  if (typeof details.extracted === 'number') return `${details.extracted} on ${scale} (${JSON.stringify(details.match ?? '')})`;
  return `no score in the answer ${quote(details.answer)}`;
}
