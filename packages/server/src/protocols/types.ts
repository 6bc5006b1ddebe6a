import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EnsembleItemResult } from '@t2i-reward/core';
import type { RawItem } from '../core/scoring.js';
import type { HttpError } from '../http.js';
import type { ServerMetrics } from '../metrics.js';
import type { ExpertInfo } from '../types.js';
import type { RequestNormalize } from '../normalize.js';

/** One request as a protocol sees it. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** The parsed request-target (never throws: invalid targets were answered 400 before routing). */
  url: URL;
  method: string;
}

/** What a protocol's `match` says about a request it serves. */
export interface RouteMatch {
  /** Scores items: refused with 503 while loading or shutting down, and its body must be JSON (415 otherwise). */
  scoring: boolean;
  /** Served without the bearer token (health checks). */
  public?: boolean;
  /**
   * Also takes a non-JSON body when it carries Inference-Header-Content-Length (KServe binary extension: a
   * custom header, which a browser cannot send cross-site without a CORS preflight).
   */
  binary?: boolean;
}

/** What the server core gives every protocol. */
export interface ServerContext {
  readonly modelName: string;
  readonly experts: readonly ExpertInfo[];
  readonly metrics: ServerMetrics;
  /** Models loaded and not shutting down. */
  isReady(): boolean;
  isShuttingDown(): boolean;
  /**
   * Admits, decodes, batches and scores; per-item failures come back in the results. Each expert is normalised
   * over this request's items per `normalize` (parseNormalize's value), else the server's / the experts' default.
   */
  scoreItems(items: readonly RawItem[], signal: AbortSignal, normalize?: RequestNormalize): Promise<EnsembleItemResult[]>;
  /** A request's `normalize` checked (400 `invalid_normalize` naming the bad key); undefined when absent. */
  parseNormalize(value: unknown): RequestNormalize | undefined;
  /** Reads the body under the size limit and the in-flight byte budget (413 / 429). */
  readBody(exchange: Exchange): Promise<Buffer>;
  /** readBody, then checkJson, then JSON.parse (400 when malformed). */
  readJson(exchange: Exchange): Promise<unknown>;
  /**
   * Refuses a JSON text that holds more values than any request needs (400 `json_too_complex`), from a scan
   * that yields to the event loop, before anything parses it (JSON.parse of a 16 MB body of tiny values holds the
   * event loop ~300 ms).
   */
  checkJson(text: Uint8Array): Promise<void>;
  /** Runs scoring under the per-request deadline (504); the client going away withdraws its queued items. */
  withDeadline<T>(exchange: Exchange, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Retry-After seconds, as the header value. */
  readonly retryAfter: string;
  /** Most items one request may carry (the queue size): longer arrays are refused before validation. */
  readonly maxItems: number;
}

/** A protocol served by the reward server: which requests it takes, and how it answers them. */
export interface Protocol {
  /** Label of the request metrics. */
  readonly name: string;
  match(method: string, pathname: string): RouteMatch | undefined;
  handle(exchange: Exchange, context: ServerContext): Promise<void>;
  /** The error body of this protocol (default `{"error":{"code","message","data"?}}`). */
  errorBody?(error: HttpError): unknown;
}
