import { encodeImage, RemoteServiceError, type RgbImage } from '@t2i-reward/core';
import { OpenAiCompatibleClient } from '../openai-compatible.js';
import { newStats, queryText, type YesNoAnswer, type YesNoAskOptions, type YesNoBackend, type YesNoQuery } from '../backend.js';
import { answerWordOf, ratioFromLogMasses, type ReferenceFirstToken } from '../yes-no.js';
import type { OpenAiBackendOptions } from './schemas.js';

export type { OpenAiBackendOptions } from './schemas.js';

/** The part of an OpenAI / vLLM chat-completions response this backend reads. */
interface ChatCompletionResponse {
  choices?: {
    logprobs?: { content?: { token: string; logprob: number; top_logprobs?: { token: string; logprob: number }[] }[] | null } | null;
  }[];
}

/**
 * Yes/no answers from an OpenAI-compatible chat-completions server: one request per question with
 * `max_tokens: 1, logprobs: true, top_logprobs: 20` and the image as a data URL before the text.
 * P(yes) = Σ exp(logprob) over the returned top tokens that spell "yes" (trimmed, lower-cased; "▁"/"Ġ" markers
 * dropped). The temperature is applied here, to the returned logprobs (ratio = Σ exp(lp/T) over yes / (… yes + … no):
 * the normaliser cancels), and the request asks for temperature 0 so servers that report processed logprobs agree.
 */
export class OpenAiYesNoBackend implements YesNoBackend {
  readonly id: string;
  readonly stats = newStats();
  readonly #options: Required<Pick<OpenAiBackendOptions, 'model' | 'imageFormat' | 'maxPromptChars' | 'topLogprobs'>>;
  /** The HTTP side (deadline, retries, Retry-After, concurrency, typed errors), shared with the VLM judge. */
  readonly #client: OpenAiCompatibleClient;
  readonly #imageCache = new Map<string, Promise<string>>();

  constructor(options: OpenAiBackendOptions) {
    this.#options = { imageFormat: 'png', maxPromptChars: 8000, topLogprobs: 20, ...options };
    this.#client = new OpenAiCompatibleClient(options, {
      ...(options.fetch ? { fetch: options.fetch } : {}),
      defaultTimeoutMs: 60_000,
      onRequest: () => this.stats.requests++,
    });
    this.id = `openai/${options.model}`;
  }

  async load(): Promise<void> {}

  async ask(image: RgbImage, queries: readonly YesNoQuery[], options: YesNoAskOptions = {}): Promise<YesNoAnswer[]> {
    const url = await this.#dataUrl(image);
    try {
      return await Promise.all(queries.map((query) => this.#askOne(url, query, options)));
    } finally {
      this.#imageCache.delete(image.hash);
    }
  }

  /** Encodes an image once per `ask` even when its questions run concurrently. */
  #dataUrl(image: RgbImage): Promise<string> {
    let url = this.#imageCache.get(image.hash);
    if (!url) {
      const format = this.#options.imageFormat;
      url = encodeImage(image, format).then((bytes) => `data:image/${format};base64,${bytes.toString('base64')}`);
      this.stats.imageEncodings++;
      this.#imageCache.set(image.hash, url);
    }
    return url;
  }

  async #askOne(imageUrl: string, query: YesNoQuery, options: YesNoAskOptions): Promise<YesNoAnswer> {
    const warnings: string[] = [];
    const cleaned = stripControlTokens(query.body);
    if (cleaned.warning) warnings.push(cleaned.warning);
    let body = cleaned.text;
    const budget = this.#options.maxPromptChars - (query.prefix ?? '').length - (query.suffix ?? '').length;
    if (body.length > budget) {
      warnings.push(`prompt truncated from ${body.length} to ${Math.max(budget, 0)} characters (maxPromptChars ${this.#options.maxPromptChars})`);
      body = body.slice(0, Math.max(budget, 0));
    }
    const request = {
      model: this.#options.model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: imageUrl } },
            { type: 'text', text: queryText({ ...query, body }) },
          ],
        },
      ],
      max_tokens: 1,
      temperature: 0,
      logprobs: true,
      top_logprobs: this.#options.topLogprobs,
    };
    const { body: response } = await this.#client.post<ChatCompletionResponse>(request, options.signal);
    const answer = readYesNo(response, options.temperature ?? 1, this.#client.endpoint, options.topK);
    const sent = body === query.body ? {} : { sent: queryText({ ...query, body }) };
    return { ...answer, ...sent, warnings: [...warnings, ...answer.warnings] };
  }

  async dispose(): Promise<void> {
    this.#client.dispose();
  }
}

/**
 * The server's tokenizer is unknown here, so user text loses the control-token spellings chat templates use
 * ("<|im_end|>", "<|eot_id|>", "<image>", "</s>", "<start_of_turn>"): servers tokenize them as special tokens,
 * which would let a prompt close the user turn or add image slots.
 */
const CONTROL_TOKEN = /<\|[^|<>\s]{1,40}\|>|<\/?s>|<image>|<(?:start|end)_of_turn>/g;

export function stripControlTokens(text: string): { text: string; warning?: string } {
  const found = new Set<string>();
  let cleaned = text;
  for (let previous = ''; previous !== cleaned;) {
    previous = cleaned;
    cleaned = cleaned.replace(CONTROL_TOKEN, (token) => {
      found.add(token);
      return '';
    });
  }
  return found.size === 0
    ? { text: cleaned }
    : { text: cleaned, warning: `removed special token text ${[...found].map((t) => JSON.stringify(t)).join(', ')} from the prompt` };
}

/**
 * The reference numbers (see YesNoAnswer.reference) from the returned top tokens: the softmax of logprob / T is
 * normalised over those tokens (over the top `topK` of them when fewer), so it is exact when `topK` ≤ the number
 * returned and otherwise misses the mass of the tokens the server did not return. Tokens come decoded: "yes" is the
 * exact token. reward_orm.py tests the vocabulary string (`convert_ids_to_tokens(...)[0].lower().strip()`), where a
 * byte-level BPE vocabulary (the released Qwen2 checkpoint's) spells every space or newline as a letter ("Ġ", "Ċ"):
 * a decoded token with any whitespace ("yes ", " yes", "yes\n") is not an answer there, so only "yes" / "no" in
 * any case are accepted here.
 */
function referenceFromTop(
  candidates: readonly { token: string; logprob: number }[],
  temperature: number,
  topK: number | undefined,
): ReferenceFirstToken | undefined {
  const valid = candidates.filter((c) => typeof c.logprob === 'number' && !Number.isNaN(c.logprob));
  if (valid.length === 0) return undefined;
  const sorted = [...valid].sort((a, b) => b.logprob - a.logprob);
  const cut = topK !== undefined && topK < sorted.length ? sorted[topK - 1]!.logprob : -Infinity;
  const kept = sorted.filter((c) => c.logprob >= cut);
  const max = kept[0]!.logprob / temperature;
  const logZ = max + Math.log(kept.reduce((sum, c) => sum + Math.exp(c.logprob / temperature - max), 0));
  const mass = (pick: (token: string) => boolean) => kept.filter((c) => pick(c.token)).reduce((sum, c) => sum + Math.exp(c.logprob / temperature - logZ), 0);
  const pYes = mass((token) => token === 'yes');
  const pNo = mass((token) => token === 'no');
  const pAnswer = mass((token) => ['yes', 'no'].includes(token.toLowerCase()));
  return { pYes, pNo, ratio: pYes + pNo > 0 ? pYes / (pYes + pNo) : Number.NaN, pAnswer };
}

/** Reads the yes/no masses from a chat-completions response's first generated position. */
export function readYesNo(response: ChatCompletionResponse, temperature: number, server = 'server', topK?: number): YesNoAnswer {
  const first = response.choices?.[0]?.logprobs?.content?.[0];
  if (!first) {
    throw new RemoteServiceError(`${server} returned no logprobs (does it support "logprobs": true?)`, { data: { server } });
  }
  const candidates = first.top_logprobs && first.top_logprobs.length > 0 ? first.top_logprobs : [first];
  const referenceNumbers = referenceFromTop(candidates, temperature, topK);
  const topTokens = candidates
    .filter((c) => typeof c.logprob === 'number' && !Number.isNaN(c.logprob))
    .map(({ token, logprob }) => ({ token, logprob }))
    .sort((a, b) => b.logprob - a.logprob);
  const reference = { ...(referenceNumbers ? { reference: referenceNumbers } : {}), topTokens };
  const yes: number[] = [];
  const no: number[] = [];
  for (const { token, logprob } of candidates) {
    if (typeof logprob !== 'number' || Number.isNaN(logprob)) continue;
    const word = answerWordOf(token);
    if (word === 'yes') yes.push(logprob);
    else if (word === 'no') no.push(logprob);
  }
  const sumExp = (values: number[]) => values.reduce((sum, lp) => sum + Math.exp(lp), 0);
  if (yes.length === 0 && no.length === 0) {
    const top = candidates
      .slice(0, 5)
      .map((c) => JSON.stringify(c.token))
      .join(', ');
    return { pYes: null, pNo: null, ratio: null, ...reference, warnings: [`neither "yes" nor "no" among the ${candidates.length} top tokens (top: ${top})`] };
  }
  const warnings =
    yes.length === 0 || no.length === 0
      ? [`only "${yes.length === 0 ? 'no' : 'yes'}" among the ${candidates.length} top tokens: the other's mass is taken as 0`]
      : [];
  const logMass = (values: number[]) => {
    if (values.length === 0) return -Infinity;
    const scaled = values.map((lp) => lp / temperature);
    const max = Math.max(...scaled);
    return max + Math.log(scaled.reduce((sum, v) => sum + Math.exp(v - max), 0));
  };
  return { pYes: sumExp(yes), pNo: sumExp(no), ratio: ratioFromLogMasses(logMass(yes), logMass(no)), ...reference, warnings };
}
