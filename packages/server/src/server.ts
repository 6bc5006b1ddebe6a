import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ImageSourceNotAllowedError,
  RewardTimeoutError,
  T2IRewardError,
  isFatalRewardError,
  createRgbImage,
  toRewardError,
  validatePromptSpec,
  validateWithSchema,
  type Ensemble,
  type EnsembleItemResult,
  type PromptSpec,
  type RewardSample,
  type RgbImage,
} from '@t2i-reward/core';
import { BatcherRefusedError, DynamicBatcher, type BatchTicket } from './batcher.js';
import { HttpError, bearerMatches, parseJson, readBody, sendBytes, sendJson } from './http.js';
import { classifyImageReference, loadClassifiedImage, type ImagePolicy } from './images.js';
import { handleKServe } from './kserve/handler.js';
import { ServerMetrics } from './metrics.js';
import { openRlhfRequestSchema, scoreRequestSchema, serverSchemas } from './schemas.js';
import { instrumentEnsemble } from './instrument.js';
import type { ExpertInfo } from './types.js';
import { VERSION } from './version.js';

export interface RewardServerOptions extends ImagePolicy {
  /** What to serve: an Ensemble from core (createEnsemble / createEnsembleFromConfig). */
  ensemble: Ensemble;
  /** Time each expert for the per-expert latency histograms (wraps the experts). Default true. */
  instrumentExperts?: boolean;
  /** KServe model name of the whole ensemble. Default "t2i-reward". */
  modelName?: string;
  /** Most items per ensemble call. Default 16. */
  maxBatch?: number;
  /** Longest wait for a fuller batch, in ms. Default 5. */
  maxWaitMs?: number;
  /** Most items waiting; more gets 429. Default 256. */
  maxQueue?: number;
  /** Ensemble calls at once. Default 1 (the models use every core). */
  concurrency?: number;
  /** Per-request deadline (decode + queue + scoring), in ms; past it 504. Default 120000. */
  requestTimeoutMs?: number;
  /** Largest request body, in bytes; more gets 413. Default 64 MiB. */
  maxBodyBytes?: number;
  /** When set, every route but health needs `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Score one synthetic image before reporting ready, so models are loaded. Default true. */
  warmup?: boolean;
  /** Retry-After seconds on 429 / 503. Default 1. */
  retryAfterSeconds?: number;
  /** Metrics registry (pass one to share it with instrumented experts). */
  metrics?: ServerMetrics;
  /** Dispose the ensemble on close. Default true. */
  disposeOnClose?: boolean;
  /** Log lines (default: none). */
  log?: (line: string) => void;
}

export interface ListenOptions {
  /** Default 127.0.0.1: loopback unless asked otherwise. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface RewardServer {
  listen(options?: ListenOptions): Promise<{ url: string; host: string; port: number }>;
  /** Resolves when the models are loaded (warm-up done); rejects when the warm-up failed. */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /** Graceful: refuses new work (503), finishes every accepted request, then closes and disposes. */
  close(): Promise<void>;
  readonly url: string;
  readonly experts: readonly ExpertInfo[];
  readonly metrics: ServerMetrics;
  readonly httpServer: Server;
  /** Live counters (for tests and logs). */
  stats(): { queued: number; runningBatches: number; activeRequests: number };
}

/** An item of any protocol before decoding. */
export interface RawItem {
  image: unknown;
  prompt: string;
  spec?: unknown;
  metadata?: Record<string, unknown>;
}

/** What protocol handlers get from the server. */
export interface ServerContext {
  readonly modelName: string;
  readonly experts: readonly ExpertInfo[];
  isReady(): boolean;
  /** Decodes, batches and scores; per-item failures come back in the results. */
  scoreItems(items: readonly RawItem[], signal: AbortSignal): Promise<EnsembleItemResult[]>;
  readBody(request: IncomingMessage): Promise<Buffer>;
}

/** Serialises a result for JSON responses (errors as {code, message}, details only when asked). */
export function resultToJson(result: EnsembleItemResult, includeDetails: boolean): Record<string, unknown> {
  const experts: Record<string, unknown> = {};
  for (const [name, outcome] of Object.entries(result.experts)) {
    experts[name] = {
      kind: outcome.kind,
      modelId: outcome.modelId,
      weight: outcome.weight,
      score: finiteOrNull(outcome.score),
      raw: finiteOrNull(outcome.raw),
      warnings: outcome.warnings,
      ...(outcome.error ? { error: errorToJson(outcome.error) } : {}),
      ...(includeDetails && outcome.details ? { details: outcome.details } : {}),
    };
  }
  return {
    reward: finiteOrNull(result.reward),
    experts,
    warnings: result.warnings,
    ...(result.error ? { error: errorToJson(result.error) } : {}),
  };
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function errorToJson(error: unknown): { name: string; code: string; message: string; data?: Record<string, unknown> } {
  const typed = toRewardError(error);
  return typed.toJSON();
}

function failedItem(error: T2IRewardError): EnsembleItemResult {
  return { reward: null, experts: {}, warnings: [], error };
}

/** A small picture that every expert accepts, for the warm-up. */
function warmupImage(): RgbImage {
  const width = 64;
  const height = 64;
  const data = new Uint8Array(width * height * 3);
  for (let index = 0; index < width * height; index++) {
    data[index * 3] = (index * 7) % 256;
    data[index * 3 + 1] = (index * 13) % 256;
    data[index * 3 + 2] = (index * 29) % 256;
  }
  return createRgbImage(data, width, height, 'warmup');
}

function protocolOf(pathname: string): string {
  if (pathname.startsWith('/v1/')) return 'native';
  if (pathname.startsWith('/openrlhf') || pathname === '/get_reward') return 'openrlhf';
  if (pathname.startsWith('/v2')) return 'kserve';
  if (pathname === '/metrics') return 'metrics';
  return 'other';
}

/** ImageSourceNotAllowedError's code: a refused source refuses the request (403). */
const NOT_ALLOWED = new ImageSourceNotAllowedError('').code;

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/v2/health/live', '/v2/health/ready']);

export function createRewardServer(options: RewardServerOptions): RewardServer {
  const metrics = options.metrics ?? new ServerMetrics();
  const modelName = options.modelName ?? 't2i-reward';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const log = options.log ?? (() => {});
  const policy: ImagePolicy = {
    ...(options.imageRoot !== undefined ? { imageRoot: options.imageRoot } : {}),
    allowUrls: options.allowUrls ?? [],
    ...(options.maxImageBytes !== undefined ? { maxImageBytes: options.maxImageBytes } : {}),
    ...(options.maxImagePixels !== undefined ? { maxImagePixels: options.maxImagePixels } : {}),
  };
  const served = options.instrumentExperts ?? true ? instrumentEnsemble(options.ensemble, metrics) : options.ensemble;
  const experts: ExpertInfo[] = served.experts.map((expert) => ({ name: expert.name, kind: expert.model.kind, modelId: expert.model.modelId, weight: expert.weight }));

  const batcher = new DynamicBatcher<RewardSample, EnsembleItemResult>(
    {
      maxBatch: options.maxBatch ?? 16,
      maxWaitMs: options.maxWaitMs ?? 5,
      maxQueue: options.maxQueue ?? 256,
      concurrency: options.concurrency ?? 1,
    },
    async (items, info) => {
      metrics.batchSize.observe(info.size);
      metrics.queueWait.observe(info.waitedSeconds);
      metrics.runningBatches.inc();
      const stopTimer = metrics.batchDuration.startTimer();
      try {
        // No abort signal: once a batch starts it finishes (graceful shutdown relies on it).
        return await served.scoreSamples(items);
      } catch (error) {
        metrics.error('batch', toRewardError(error).code);
        throw error;
      } finally {
        stopTimer();
        metrics.runningBatches.dec();
      }
    },
  );
  metrics.setQueueDepthSource(() => batcher.queued);

  let ready = false;
  let shuttingDown = false;
  let activeRequests = 0;
  const idleResolvers: (() => void)[] = [];
  const readyPromise = (async () => {
    if (options.warmup ?? true) {
      const results = await served.scoreSamples([{ image: warmupImage(), prompt: 'a photo of a dog and a cat' }]);
      const failed = Object.entries(results[0]?.experts ?? {}).filter(([, outcome]) => isFatalRewardError(outcome.error));
      if (failed.length > 0) {
        throw new Error(`warm-up failed: ${failed.map(([name, outcome]) => `${name}: ${outcome.error!.message}`).join('; ')}`);
      }
    }
    ready = true;
    metrics.ready.set(1);
    log(`ready: ${experts.map((expert) => `${expert.name} (${expert.modelId})`).join(', ')}`);
  })();
  // Callers that never await `ready` must not crash the process on a failed warm-up; readiness stays false.
  readyPromise.catch((error: unknown) => log(`not ready: ${(error as Error).message}`));

  async function scoreItems(items: readonly RawItem[], signal: AbortSignal): Promise<EnsembleItemResult[]> {
    // Policy first, for every item, before anything is read or fetched: one refused source refuses the request.
    const classified = items.map((item, index) => {
      try {
        return classifyImageReference(item.image, policy);
      } catch (error) {
        const typed = toRewardError(error);
        metrics.error('image', typed.code);
        if (typed.code === NOT_ALLOWED) throw new HttpError(403, typed.code, `item ${index}: ${typed.message}`, {}, { index });
        throw new HttpError(400, typed.code, `item ${index}: ${typed.message}`, {}, { index });
      }
    });
    const specs = items.map((item, index): PromptSpec | undefined => {
      if (item.spec === undefined || item.spec === null) return undefined;
      try {
        return validatePromptSpec(item.spec);
      } catch (error) {
        throw new HttpError(400, 'invalid_spec', `item ${index}: ${(error as Error).message}`, {}, { index });
      }
    });
    // Announced to the batcher so that a batch about to start waits (up to maxWaitMs) for these items.
    const admitted = batcher.admit(items.length);
    try {
      return await decodeAndScore(items, classified, specs, signal, admitted);
    } finally {
      admitted();
    }
  }

  async function decodeAndScore(
    items: readonly RawItem[],
    classified: ReturnType<typeof classifyImageReference>[],
    specs: (PromptSpec | undefined)[],
    signal: AbortSignal,
    admitted: () => void,
  ): Promise<EnsembleItemResult[]> {
    const decoded = await Promise.all(
      classified.map((reference) =>
        loadClassifiedImage(reference, policy, signal).catch((error: unknown) => {
          const typed = toRewardError(error);
          if (signal.aborted) throw error;
          // Core re-checks the root after resolving symlinks: a refusal there is still a refusal.
          if (typed.code === NOT_ALLOWED) throw new HttpError(403, typed.code, typed.message);
          metrics.error('image', typed.code);
          return typed;
        }),
      ),
    );
    if (signal.aborted) throw signal.reason;
    const toScore: RewardSample[] = [];
    const slots: number[] = [];
    decoded.forEach((image, index) => {
      if (T2IRewardError.isInstance(image)) return;
      const item = items[index]!;
      const spec = specs[index];
      toScore.push({ image, prompt: item.prompt, ...(spec ? { spec } : {}), ...(item.metadata ? { metadata: item.metadata } : {}) });
      slots.push(index);
    });
    // Undecodable items are answered as failed; the others are filled in from their batch below.
    const answers: (EnsembleItemResult | undefined)[] = decoded.map((image) => (T2IRewardError.isInstance(image) ? failedItem(image) : undefined));
    if (toScore.length > 0) {
      let ticket: BatchTicket<EnsembleItemResult>;
      try {
        ticket = batcher.submit(toScore);
        admitted();
      } catch (error) {
        if (error instanceof BatcherRefusedError) {
          metrics.error('request', error.reason);
          if (error.reason === 'queue-full') throw new HttpError(429, 'queue_full', error.message, { 'retry-after': retryAfter });
          if (error.reason === 'closing') throw new HttpError(503, 'shutting_down', error.message, { 'retry-after': retryAfter });
          throw new HttpError(413, 'too_many_items', error.message);
        }
        throw error;
      }
      const onAbort = () => ticket.cancel(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const scored = await Promise.all(ticket.results);
        scored.forEach((result, position) => {
          answers[slots[position]!] = result;
        });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
    const results = answers as EnsembleItemResult[];
    let failures = 0;
    for (const result of results) {
      if (result.error || result.reward === null) failures++;
      for (const [name, outcome] of Object.entries(result.experts)) if (outcome.error) metrics.error('expert', `${name}:${outcome.error.code}`);
    }
    metrics.items.inc({ outcome: 'scored' }, results.length - failures);
    if (failures) metrics.items.inc({ outcome: 'failed' }, failures);
    return results;
  }

  const context: ServerContext = {
    modelName,
    experts,
    isReady: () => ready && !shuttingDown,
    scoreItems,
    readBody: (request) => readBody(request, maxBodyBytes),
  };

  /** Runs a scoring route under the per-request deadline; the client going away withdraws its queued items. */
  async function withDeadline<T>(response: ServerResponse, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new RewardTimeoutError(`request did not finish within ${requestTimeoutMs} ms`)),
      requestTimeoutMs,
    );
    const onClose = () => {
      if (!response.writableFinished) controller.abort(new HttpError(499, 'client_closed', 'client closed the connection'));
    };
    response.once('close', onClose);
    try {
      return await Promise.race([
        work(controller.signal),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
        }),
      ]);
    } catch (error) {
      if (RewardTimeoutError.isInstance(error)) {
        metrics.error('request', 'timeout');
        throw new HttpError(504, 'timeout', (error as Error).message);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      response.off('close', onClose);
    }
  }

  async function handleNative(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(request, maxBodyBytes));
    const parsed = validateRequest<{ items: RawItem[]; details?: boolean }>(scoreRequestSchema, body, 'score request');
    const results = await withDeadline(response, (signal) => scoreItems(parsed.items, signal));
    sendJson(response, 200, { model: modelName, results: results.map((result) => resultToJson(result, parsed.details ?? false)) });
  }

  async function handleOpenRlhf(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const body = parseJson(await readBody(request, maxBodyBytes));
    const parsed = validateRequest<{ query?: string[]; prompts?: string[]; labels?: unknown[]; images?: unknown[] }>(openRlhfRequestSchema, body, 'OpenRLHF request');
    const texts = parsed.prompts ?? parsed.query ?? [];
    const items: RawItem[] = texts.map((prompt, index) => {
      const label = parsed.labels?.[index];
      const labelObject = typeof label === 'object' && label !== null && !Array.isArray(label) && 'image' in label ? (label as Record<string, unknown>) : undefined;
      const image = parsed.images?.[index] ?? (labelObject ? labelObject.image : label);
      if (image === undefined || image === null) {
        throw new HttpError(400, 'missing_image', `item ${index}: no image (pass "images" or an image reference in "labels")`, {}, { index });
      }
      return { image, prompt, ...(labelObject?.spec !== undefined ? { spec: labelObject.spec } : {}) };
    });
    if (items.length === 0) throw new HttpError(400, 'empty', 'no items: "prompts" (or "query") is empty');
    const failedReward = url.searchParams.get('failed_reward');
    const fallback = failedReward === null ? null : Number(failedReward);
    if (fallback !== null && !Number.isFinite(fallback)) throw new HttpError(400, 'bad_parameter', 'failed_reward must be a number');
    const results = await withDeadline(response, (signal) => scoreItems(items, signal));
    const rewards = results.map((result) => finiteOrNull(result.reward) ?? fallback);
    const extraLogs: Record<string, (number | null)[]> = {};
    for (const expert of experts) {
      extraLogs[expert.name] = results.map((result) => finiteOrNull(result.experts[expert.name]?.score));
    }
    sendJson(response, 200, {
      rewards,
      scores: rewards,
      extra_logs: extraLogs,
      errors: results.map((result) => (result.error ? errorToJson(result.error) : null)),
    });
  }

  // requestTimeout bounds receiving a request (slow uploads); scoring is bounded by withDeadline.
  // Idle keep-alive connections stay open longer than Node's 5 s default (trainers call once per step; a
  // client reusing a connection the server just closed sees a spurious network error).
  const httpServer = createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: requestTimeoutMs }, (request, response) => {
    const url = parseRequestTarget(request.url);
    if (url === null) {
      // A request-target that is not a valid URL path is the client's fault: 400, never a crash.
      metrics.error('request', 'bad_request_target');
      sendJson(response, 400, { error: { code: 'bad_request_target', message: 'request target is not a valid path' } }, { connection: 'close' });
      return;
    }
    activeRequests++;
    const protocol = protocolOf(url.pathname);
    const stopTimer = metrics.requestDuration.startTimer({ protocol });
    response.once('close', () => {
      stopTimer();
      metrics.requests.inc({ protocol, status: String(response.statusCode) });
      activeRequests--;
      if (activeRequests === 0) for (const resolve of idleResolvers.splice(0)) resolve();
    });
    route(request, response, url).catch((error: unknown) => {
      if (error instanceof HttpError) {
        if (error.status >= 500 || error.status === 429 || error.status === 413 || error.status === 401) metrics.error('request', error.code);
        const headers = { ...error.headers };
        // After a 413 the rest of the body is never read: close the connection instead of draining it.
        if (error.status === 413) headers.connection = 'close';
        if (protocol === 'kserve') sendJson(response, error.status, { error: error.message }, headers);
        else sendJson(response, error.status, { error: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } }, headers);
      } else {
        const typed = toRewardError(error);
        metrics.error('request', typed.code);
        log(`error on ${request.method} ${url.pathname}: ${typed.message}`);
        sendJson(response, 500, protocol === 'kserve' ? { error: typed.message } : { error: errorToJson(typed) });
      }
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const { pathname } = url;
    const method = request.method ?? 'GET';
    if (options.token !== undefined && !PUBLIC_PATHS.has(pathname) && !bearerMatches(request.headers.authorization, options.token)) {
      throw new HttpError(401, 'unauthorized', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
    }
    if (pathname === '/healthz' || pathname === '/v2/health/live') {
      sendJson(response, 200, pathname === '/healthz' ? { status: 'ok' } : { live: true });
      return;
    }
    if (pathname === '/readyz') {
      sendJson(response, context.isReady() ? 200 : 503, { ready: context.isReady(), shuttingDown }, context.isReady() ? {} : { 'retry-after': retryAfter });
      return;
    }
    if (pathname === '/metrics' && method === 'GET') {
      sendBytes(response, 200, await metrics.registry.metrics(), { 'content-type': metrics.registry.contentType });
      return;
    }
    if (pathname === '/v1/schema' && method === 'GET') {
      sendJson(response, 200, serverSchemas);
      return;
    }
    if (pathname === '/v1/models' && method === 'GET') {
      sendJson(response, 200, { model: modelName, version: VERSION, ready: context.isReady(), experts });
      return;
    }
    const scoring =
      (pathname === '/v1/score' || pathname === '/openrlhf/reward' || pathname === '/get_reward' || /\/infer$/.test(pathname)) && method === 'POST';
    if (scoring) {
      if (shuttingDown) throw new HttpError(503, 'shutting_down', 'server is shutting down', { 'retry-after': retryAfter, connection: 'close' });
      if (!ready) throw new HttpError(503, 'not_ready', 'models are still loading', { 'retry-after': retryAfter });
    }
    if (pathname === '/v1/score' && method === 'POST') return handleNative(request, response);
    if ((pathname === '/openrlhf/reward' || pathname === '/get_reward') && method === 'POST') return handleOpenRlhf(request, response, url);
    if (pathname === '/v2' || pathname.startsWith('/v2/')) {
      const handled = await handleKServe(request, response, url, context, (work) => withDeadline(response, work));
      if (handled) return;
    }
    throw new HttpError(404, 'not_found', `no route for ${method} ${pathname}`);
  }

  let closing: Promise<void> | undefined;
  let address: { url: string; host: string; port: number } | undefined;

  return {
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(listenOptions.port ?? 0, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const info = httpServer.address() as AddressInfo;
      const urlHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      address = { url: `http://${urlHost}:${info.port}`, host: info.address, port: info.port };
      log(`listening on ${address.url}`);
      return address;
    },
    ready: readyPromise,
    isReady: () => context.isReady(),
    get url() {
      if (!address) throw new Error('server is not listening');
      return address.url;
    },
    experts,
    metrics,
    httpServer,
    stats: () => ({ queued: batcher.queued, runningBatches: batcher.running, activeRequests }),
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        metrics.ready.set(0);
        log('shutting down: finishing accepted requests');
        // Stop accepting connections; idle keep-alive ones go now, busy ones after their response.
        const serverClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        if (activeRequests > 0) await new Promise<void>((resolve) => idleResolvers.push(resolve));
        await batcher.drain();
        httpServer.closeAllConnections();
        await serverClosed;
        await readyPromise.catch(() => {});
        if (options.disposeOnClose ?? true) await served.dispose();
        log('shut down');
      })();
      return closing;
    },
  };
}

function validateRequest<T>(schema: Record<string, unknown>, value: unknown, what: string): T {
  try {
    return validateWithSchema<T>(schema, value, what);
  } catch (error) {
    throw new HttpError(400, 'invalid_request', (error as Error).message);
  }
}

/** Parses a request-target relative to a fixed origin; null when it cannot be a URL (never throws). */
export function parseRequestTarget(target: string | undefined): URL | null {
  const raw = target ?? '/';
  // Only origin-form targets are routed; `//host:port` would be read as an authority, so anchor it on a path.
  const path = raw.startsWith('/') ? raw : `/${raw}`;
  try {
    return new URL(`http://localhost${path.startsWith('//') ? path.replace(/^\/+/, '/') : path}`);
  } catch {
    return null;
  }
}
