import { RemoteServiceError } from '@t2i-reward/core';
import { OpenAiCompatibleClient, responseSnippet } from '@t2i-reward/yes-no';
import type { JudgeBackendConfig } from './options.js';

/** One chat-completions request body (the part this package sends). */
export interface ChatRequest {
  model: string;
  messages: { role: 'system' | 'user'; content: string | ({ type: 'image_url'; image_url: { url: string } } | { type: 'text'; text: string })[] }[];
  max_tokens: number;
  temperature: number;
}

/** What one answered request gives back. */
export interface ChatAnswer {
  text: string;
  /** Requests sent for it, retries included. */
  attempts: number;
  finishReason?: string;
}

/**
 * The judge's chat-completions client: the request and its answer text, over @t2i-reward/yes-no's
 * OpenAiCompatibleClient (one POST per request to `{baseURL}/chat/completions`, a per-request deadline, up to
 * `maxRetries` retries of transient failures with exponential backoff and jitter, a longer Retry-After winning,
 * `concurrency` requests in flight at once; the caller's AbortSignal stops it at once).
 */
export class ChatClient {
  readonly endpoint: string;
  readonly #client: OpenAiCompatibleClient;

  constructor(config: JudgeBackendConfig, fetchImpl: typeof fetch = fetch) {
    this.#client = new OpenAiCompatibleClient(config, { fetch: fetchImpl, defaultTimeoutMs: 120_000 });
    this.endpoint = this.#client.endpoint;
  }

  /** Requests sent, retries included. */
  get requests(): number {
    return this.#client.requests;
  }

  /** Sends one request (queued behind `concurrency`), retrying transient failures. */
  async complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatAnswer> {
    const { body, attempts } = await this.#client.post<{ choices?: { message?: { content?: unknown }; finish_reason?: unknown }[] }>(request, signal);
    const choice = body.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      throw new RemoteServiceError(`${this.endpoint} answered without choices[0].message.content: ${responseSnippet(JSON.stringify(body))}`, {
        data: { server: this.endpoint },
      });
    }
    return { text: content, attempts, ...(typeof choice?.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}) };
  }

  /** Drops queued requests (those in flight end with their own deadline or the caller's signal). */
  dispose(): void {
    this.#client.dispose();
  }
}
