import { Type, type Static } from '@sinclair/typebox';
import pLimit, { type LimitFunction } from 'p-limit';
import {
  Dictionary,
  errorCauseChain,
  InvalidConfigError,
  RemoteServiceError,
  RewardAbortedError,
  RewardTimeoutError,
  StringEnum,
  throwIfAborted,
} from '@t2i-reward/core';

const positiveInteger = () => Type.Integer({ minimum: 1 });

/**
 * Where and how to reach an OpenAI-compatible server (vLLM, SGLang, llama.cpp server, a hosted API): the properties
 * every `backend` object that talks to one has (the yes/no `openai` backend, the VLM judge), spread into its schema.
 */
export const openAiCompatibleConnectionProperties = {
  /** Server root including the API prefix, e.g. "http://127.0.0.1:8000/v1". */
  baseURL: Type.String({ pattern: '^https?://' }),
  /** The served model name. */
  model: Type.String({ minLength: 1 }),
  /** Sent as `Authorization: Bearer ...` when set. */
  apiKey: Type.Optional(Type.String()),
  /** Name of an environment variable holding the API key (keeps keys out of config files); `apiKey` wins. */
  apiKeyEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
  /** Per-request deadline in ms (default: the backend's, 60 000 for yes/no answers, 120 000 for a judge's text). */
  timeoutMs: Type.Optional(positiveInteger()),
  /** Requests in flight at once, across all calls on this backend (default 8). */
  concurrency: Type.Optional(positiveInteger()),
  /** Retries after a 429, a 5xx, a timeout or a refused connection (default 3). */
  maxRetries: Type.Optional(Type.Integer({ minimum: 0 })),
  /** First backoff delay in ms, doubled on each retry with jitter; a longer Retry-After header wins (default 500). */
  retryBaseMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Image encoding of the data URL (default 'png': lossless). */
  imageFormat: Type.Optional(StringEnum(['png', 'jpeg'])),
  /** Extra request headers. */
  headers: Type.Optional(Dictionary(Type.String())),
};
export const openAiCompatibleConnectionSchema = Type.Object(openAiCompatibleConnectionProperties);
export type OpenAiCompatibleConnection = Static<typeof openAiCompatibleConnectionSchema>;

export interface OpenAiCompatibleClientOptions {
  /** A fetch implementation (default the global one). */
  fetch?: typeof fetch;
  /** The deadline when the connection sets none (default 60 000 ms). */
  defaultTimeoutMs?: number;
  /** Called before every request sent, retries included (e.g. a stats counter). */
  onRequest?: () => void;
}

/** What one answered request gives back. */
export interface OpenAiCompatibleResponse<T> {
  /** The parsed JSON body. */
  body: T;
  /** Requests sent for it, retries included. */
  attempts: number;
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
 * The HTTP side of an OpenAI-compatible chat-completions server, shared by the yes/no `openai` backend and the VLM
 * judge: one JSON POST per request to `{baseURL}/chat/completions`, a per-request deadline that also ends a body
 * stalling after the headers, up to `maxRetries` retries of transient failures with exponential backoff and jitter
 * (a longer Retry-After wins), `concurrency` requests in flight at once, and typed errors naming the server:
 * RemoteServiceError (an HTTP error, invalid JSON, retries used up), RewardTimeoutError (the last attempt timed
 * out), RewardAbortedError (the caller's signal, at once).
 */
export class OpenAiCompatibleClient {
  readonly endpoint: string;
  /** Requests sent, retries included. */
  requests = 0;
  readonly #settings: { timeoutMs: number; maxRetries: number; retryBaseMs: number };
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #limit: LimitFunction;
  readonly #onRequest: (() => void) | undefined;

  constructor(connection: Omit<OpenAiCompatibleConnection, 'model' | 'imageFormat'>, options: OpenAiCompatibleClientOptions = {}) {
    const apiKey = connection.apiKey ?? (connection.apiKeyEnv ? process.env[connection.apiKeyEnv] : undefined);
    if (connection.apiKeyEnv && apiKey === undefined) {
      throw new InvalidConfigError(`environment variable ${connection.apiKeyEnv} (apiKeyEnv) is not set`, { data: { path: 'backend/apiKeyEnv' } });
    }
    this.#settings = {
      timeoutMs: connection.timeoutMs ?? options.defaultTimeoutMs ?? 60_000,
      maxRetries: connection.maxRetries ?? 3,
      retryBaseMs: connection.retryBaseMs ?? 500,
    };
    this.#headers = { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...connection.headers };
    this.endpoint = `${connection.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.#fetch = options.fetch ?? fetch;
    this.#limit = pLimit(connection.concurrency ?? 8);
    this.#onRequest = options.onRequest;
  }

  /** Sends one request body (queued behind `concurrency`), retrying transient failures; the parsed JSON answer. */
  post<T>(body: unknown, signal?: AbortSignal): Promise<OpenAiCompatibleResponse<T>> {
    return this.#limit(() => this.#withRetries<T>(body, signal));
  }

  /** Drops queued requests (those in flight end with their own deadline or the caller's signal). */
  dispose(): void {
    this.#limit.clearQueue();
  }

  async #withRetries<T>(body: unknown, signal: AbortSignal | undefined): Promise<OpenAiCompatibleResponse<T>> {
    const { maxRetries, retryBaseMs } = this.#settings;
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        return { body: await this.#once<T>(body, signal), attempts: attempt };
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

  async #once<T>(body: unknown, signal: AbortSignal | undefined): Promise<T> {
    this.requests++;
    this.#onRequest?.();
    const { timeoutMs } = this.#settings;
    const deadline = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.endpoint, {
        method: 'POST',
        headers: this.#headers,
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      // The same signal also ends a body that stalls after the headers.
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new RewardAbortedError('scoring aborted', { cause: signal.reason });
      if (deadline.aborted) throw new Transient(`no answer within ${timeoutMs} ms`, true);
      // The reason under undici's "fetch failed" (e.g. "connect ECONNREFUSED 127.0.0.1:8000").
      throw new Transient(`request failed: ${errorCauseChain(error).join(': ')}`, false);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new Transient(`HTTP ${response.status}: ${responseSnippet(text)}`, false, retryAfterMs(response.headers.get('retry-after')));
    }
    if (!response.ok) {
      throw new RemoteServiceError(`${this.endpoint} answered HTTP ${response.status}: ${responseSnippet(text)}`, {
        data: { server: this.endpoint, status: response.status },
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new RemoteServiceError(`${this.endpoint} answered with invalid JSON: ${responseSnippet(text)}`, { cause: error, data: { server: this.endpoint } });
    }
  }
}

/** A response body in one line of at most 200 characters, for error messages. */
export function responseSnippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

/** A Retry-After header (seconds or an HTTP date) in ms, capped at a minute. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
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
