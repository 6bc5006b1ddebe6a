import pLimit, { type LimitFunction } from 'p-limit';
import { errorCauseChain, InvalidConfigError, RemoteServiceError, RewardAbortedError, RewardTimeoutError, throwIfAborted } from '@t2i-reward/core';
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

/** A failure worth another attempt: HTTP 429 / 5xx, a timeout, a refused or cut connection. */
class Transient extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * A small OpenAI-compatible chat-completions client: one POST per request to `{baseURL}/chat/completions`, a
 * per-request deadline, up to `maxRetries` retries of transient failures with exponential backoff and jitter
 * (a longer Retry-After wins), `concurrency` requests in flight at once. The caller's AbortSignal stops it at once.
 */
export class ChatClient {
  readonly endpoint: string;
  /** Requests sent, retries included. */
  requests = 0;
  readonly #config: Required<Omit<JudgeBackendConfig, 'apiKey' | 'apiKeyEnv' | 'headers'>> & { headers: Record<string, string> };
  readonly #fetch: typeof fetch;
  readonly #limit: LimitFunction;

  constructor(config: JudgeBackendConfig, fetchImpl: typeof fetch = fetch) {
    const apiKey = config.apiKey ?? (config.apiKeyEnv ? process.env[config.apiKeyEnv] : undefined);
    if (config.apiKeyEnv && apiKey === undefined) {
      throw new InvalidConfigError(`environment variable ${config.apiKeyEnv} (apiKeyEnv) is not set`, { data: { path: 'backend/apiKeyEnv' } });
    }
    this.#config = {
      timeoutMs: 120_000,
      concurrency: 8,
      maxRetries: 3,
      retryBaseMs: 500,
      imageFormat: 'png',
      ...config,
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...config.headers },
    };
    this.endpoint = `${config.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.#fetch = fetchImpl;
    this.#limit = pLimit(this.#config.concurrency);
  }

  /** Sends one request (queued behind `concurrency`), retrying transient failures. */
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatAnswer> {
    return this.#limit(() => this.#withRetries(request, signal));
  }

  async #withRetries(request: ChatRequest, signal: AbortSignal | undefined): Promise<ChatAnswer> {
    const { maxRetries, retryBaseMs } = this.#config;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        return { ...(await this.#once(request, signal)), attempts: attempt };
      } catch (error) {
        throwIfAborted(signal);
        if (!(error instanceof Transient)) throw error;
        const tries = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
        if (attempt > maxRetries) {
          const ErrorClass = error.timedOut ? RewardTimeoutError : RemoteServiceError;
          throw new ErrorClass(`${this.endpoint}: ${error.message} (${tries})`, { cause: error, data: { server: this.endpoint, attempts: attempt } });
        }
        const backoff = retryBaseMs * 2 ** (attempt - 1) * (1 + Math.random());
        await sleep(Math.max(backoff, error.retryAfterMs ?? 0), signal);
      }
    }
  }

  async #once(request: ChatRequest, signal: AbortSignal | undefined): Promise<Omit<ChatAnswer, 'attempts'>> {
    this.requests++;
    const { timeoutMs } = this.#config;
    const deadline = AbortSignal.timeout(timeoutMs);
    const transient = (what: string, error: unknown): Transient => {
      if (deadline.aborted) return new Transient(`no answer within ${timeoutMs} ms`, true);
      // The reason under undici's "fetch failed" (e.g. "connect ECONNREFUSED 127.0.0.1:8000").
      return new Transient(`${what}: ${errorCauseChain(error).join(': ')}`, false);
    };
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.endpoint, {
        method: 'POST',
        headers: this.#config.headers,
        body: JSON.stringify(request),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      // The same signal also ends a body that stalls after the headers.
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new RewardAbortedError('scoring aborted', { cause: signal.reason });
      throw transient('request failed', error);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new Transient(`HTTP ${response.status}: ${snippet(text)}`, false, retryAfterMs(response.headers.get('retry-after')));
    }
    if (!response.ok) {
      throw new RemoteServiceError(`${this.endpoint} answered HTTP ${response.status}: ${snippet(text)}`, {
        data: { server: this.endpoint, status: response.status },
      });
    }
    let body: { choices?: { message?: { content?: unknown }; finish_reason?: unknown }[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (error) {
      throw new RemoteServiceError(`${this.endpoint} answered with invalid JSON: ${snippet(text)}`, { cause: error, data: { server: this.endpoint } });
    }
    const choice = body.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      throw new RemoteServiceError(`${this.endpoint} answered without choices[0].message.content: ${snippet(text)}`, { data: { server: this.endpoint } });
    }
    return { text: content, ...(typeof choice?.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}) };
  }

  /** Drops queued requests (those in flight end with their own deadline or the caller's signal). */
  dispose(): void {
    this.#limit.clearQueue();
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** Waits `ms`, or less when the signal aborts (the caller then sees the abort). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
