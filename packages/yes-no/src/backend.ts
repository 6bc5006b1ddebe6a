import type { RgbImage } from '@t2i-reward/core';
import type { ReferenceFirstToken, YesNoProbabilities } from './yes-no.js';

/**
 * One yes/no question about an image. The three parts are joined as `prefix + body + suffix` and sent as the
 * text of a user turn placed after the image. `body` is user-supplied text (a prompt, a phrase): it is inserted
 * as data, never parsed as a template, and it is what gets truncated when the input is over the model's limit.
 */
export interface YesNoQuery {
  prefix?: string;
  body: string;
  suffix?: string;
}

export interface YesNoAnswer {
  /** Probability mass of every "yes" spelling (see each backend's README section for its exact meaning). */
  pYes: number | null;
  pNo: number | null;
  /** P(yes) / (P(yes) + P(no)) at the requested temperature; null when the model gave neither. */
  ratio: number | null;
  warnings: string[];
  /**
   * The question text as sent to the model (`prefix + body + suffix` after the backend removed control-token text
   * its model reads as markup); absent when the backend sent it unchanged or cannot tell (a truncated question).
   */
  sent?: string;
  /**
   * The same position read as T2I-R1's released code does (single lowercase "yes" / "no" ids, accepted-answer
   * mass), at the requested temperature and top-k; set by backends that see the full logits.
   */
  reference?: ReferenceFirstToken;
  /** The first answer position's top tokens and logprobs as a server returned them, most likely first (`openai`). */
  topTokens?: readonly { token: string; logprob: number }[];
}

export interface YesNoAskOptions {
  /** Logits are divided by it before the softmax (default 1). */
  temperature?: number;
  /** Top-k applied to the `reference` probabilities only (see YesNoOptions.topK). */
  topK?: number;
  signal?: AbortSignal;
}

/** Counters a backend keeps so tests and benches can see what work ran. */
export interface YesNoBackendStats {
  /** Vision encoder runs (one per image per call when questions share the image's encoding). */
  imageEncodings: number;
  /** Language-model forward passes (a batch of questions counts once). */
  decoderRuns: number;
  /** Remote requests sent, retries included. */
  requests: number;
}

/**
 * A vision-language model that answers yes/no questions with probabilities from its first answer token.
 * `ask` answers all questions about one image, encoding the image once.
 */
export interface YesNoBackend {
  /** Backend type and model, used in modelId ("transformers/llava-hf/llava-1.5-7b-hf"). */
  readonly id: string;
  readonly stats: YesNoBackendStats;
  /** Loads the model (idempotent); throws ModelLoadError / RuntimeUnavailableError. */
  load(): Promise<void>;
  ask(image: RgbImage, queries: readonly YesNoQuery[], options?: YesNoAskOptions): Promise<YesNoAnswer[]>;
  dispose(): Promise<void>;
}

/** Whether a value is a ready backend instance rather than a backend config. */
/** The answer of a backend that reads full logits: one position's probabilities, the question as sent, its warnings. */
export function logitsAnswer(p: YesNoProbabilities & { reference?: ReferenceFirstToken }, sent: string | undefined, warnings: string[]): YesNoAnswer {
  return {
    pYes: p.pYes,
    pNo: p.pNo,
    ratio: p.ratio,
    ...(p.reference ? { reference: p.reference } : {}),
    ...(sent !== undefined ? { sent } : {}),
    warnings,
  };
}

export function isYesNoBackend(value: unknown): value is YesNoBackend {
  return typeof value === 'object' && value !== null && typeof (value as YesNoBackend).ask === 'function';
}

/**
 * Splits a question template once around its one `slot` ("{prompt}"): the text later put in the slot is the
 * query's `body`, data that is never scanned for the slot or any template syntax.
 */
export function splitTemplate(template: string, slot: string): Required<Pick<YesNoQuery, 'prefix' | 'suffix'>> {
  const at = template.indexOf(slot);
  return { prefix: template.slice(0, at), suffix: template.slice(at + slot.length) };
}

export function queryText(query: YesNoQuery): string {
  return (query.prefix ?? '') + query.body + (query.suffix ?? '');
}

/** The tokenizer's model_max_length, unless it is the "no limit" placeholder transformers.js gives (1e30). */
export function tokenizerLimit(tokenizer: { model_max_length: number }): number | undefined {
  return Number.isFinite(tokenizer.model_max_length) && tokenizer.model_max_length < 1e7 ? tokenizer.model_max_length : undefined;
}

export function newStats(): YesNoBackendStats {
  return { imageEncodings: 0, decoderRuns: 0, requests: 0 };
}

/**
 * Removes the tokenizer's special-token strings (e.g. "<image>", "<|im_end|>") from user text, so a prompt can
 * neither add image placeholders nor close the chat turn. Returns the cleaned text and a warning when it changed.
 */
export function stripSpecialTokens(text: string, specialTokens: readonly string[]): { text: string; warning?: string } {
  let cleaned = text;
  const found = new Set<string>();
  const tokens = [...specialTokens].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
  // Repeat until stable: removing one occurrence can join the pieces of another ("<im<image>age>").
  for (let changed = true; changed;) {
    changed = false;
    for (const token of tokens) {
      if (cleaned.includes(token)) {
        found.add(token);
        cleaned = cleaned.split(token).join('');
        changed = true;
      }
    }
  }
  return found.size === 0
    ? { text: cleaned }
    : { text: cleaned, warning: `removed special token text ${[...found].map((t) => JSON.stringify(t)).join(', ')} from the prompt` };
}
