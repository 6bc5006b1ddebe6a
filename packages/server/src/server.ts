import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRgbImage,
  isFatalRewardError,
  PooledReward,
  toRewardError,
  validatePromptSpec,
  validateWithSchema,
  type Ensemble,
  type EnsembleExpert,
  type ExpertPlacement,
  type RgbImage,
} from '@t2i-reward/core';
import { Admission, AdmissionRefusedError, type ByteLease } from './core/admission.js';
import { withDeadline } from './core/deadline.js';
import { startHealthPort, type HealthPort } from './core/health-port.js';
import { Lifecycle } from './core/lifecycle.js';
import { nextTurn } from './core/turns.js';
import { admissionHttpError, createScorer } from './core/scoring.js';
import { HttpError, bearerMatches, isJsonContentType, parseJson, readBody, sendJson } from './http.js';
import { defaultMaxJsonTokens, refuseCostlyJson } from './json-scan.js';
import type { ImagePolicy } from './images.js';
import { INFERENCE_HEADER_CONTENT_LENGTH } from '@t2i-reward/kserve';
import { kserveProtocol } from './kserve/handler.js';
import { ServerMetrics } from './metrics.js';
import { instrumentEnsemble } from './instrument.js';
import { errorToJson, nativeProtocol } from './protocols/native.js';
import { openRlhfProtocol } from './protocols/openrlhf.js';
import { systemProtocol } from './protocols/system.js';
import type { Exchange, Protocol, RouteMatch, ServerContext } from './protocols/types.js';
import type { ExpertInfo } from './types.js';
import type { NormalizeOverride } from '@t2i-reward/core';
import { ServerNormalizer } from './normalize.js';
import { openRlhfRequestSchema, scoreRequestSchema } from './schemas.js';

export type { RawItem } from './core/scoring.js';
export type { ServerContext, Protocol, Exchange, RouteMatch } from './protocols/types.js';
export { resultToJson, errorToJson } from './protocols/native.js';

export interface RewardServerOptions extends ImagePolicy {
  /** What to serve: an Ensemble from core (createEnsemble / createEnsembleFromConfig). */
  ensemble: Ensemble;
  /**
   * Time each expert for the per-expert latency histograms by wrapping the given ensemble's experts
   * (`instrumentEnsemble`). Default true; false when they were built instrumented (`createServeEnsemble(file,
   * { metrics })` with the `metrics` given here too, as `t2ir serve` does).
   */
  instrumentExperts?: boolean;
  /** KServe model name of the whole ensemble. Default "t2i-reward". */
  modelName?: string;
  /** Most items per ensemble call. Default 16. */
  maxBatch?: number;
  /** Longest wait for a fuller batch, in ms. Default 5. */
  maxWaitMs?: number;
  /**
   * Most items waiting, counted from the moment their request is read (decoding, waiting for a batch; not
   * those being scored); more gets 429, a request with more items than this 413. Default 256.
   */
  maxQueue?: number;
  /** Ensemble calls at once. Default 1 (the models use every core). */
  concurrency?: number;
  /** Per-request deadline (decode + queue + scoring), in ms; past it 504. Default 120000. */
  requestTimeoutMs?: number;
  /** Largest request body, in bytes; more gets 413. Default 64 MiB. */
  maxBodyBytes?: number;
  /**
   * Most JSON values and keys (counted as the `{ [ , :` outside strings) a request body may hold; more is
   * refused with 400 `json_too_complex` before the body is parsed (parsing runs on the event loop and costs
   * per value). Default max(65536, 1024 × maxQueue).
   */
  maxJsonTokens?: number;
  /** Most request-body bytes held at once over all requests; a request that does not fit gets 429. Default max(maxBodyBytes, 128 MiB). */
  maxInflightBytes?: number;
  /**
   * Most decoded pixels held at once over all requests (3 bytes each), each image charged what its decode
   * really peaks at (its format's cost per pixel plus its decoder's rows, chargedPixels); requests wait for room
   * in arrival order, a request that needs more than all of it gets 413. Default 72 Mi (216 MiB): one image
   * at the 64 Mpx limit fits.
   */
  maxInflightPixels?: number;
  /** Most open connections; past it requests (but health) are answered 503 + Retry-After and the connection closed. Default 1024. */
  maxConnections?: number;
  /**
   * Most connections from one remote address (below the global cap, so one client cannot take every slot);
   * its sockets past it are answered like those past `maxConnections`. Behind a load balancer every client
   * shares its address: raise this to `maxConnections`. Default 3/4 of `maxConnections`.
   */
  maxConnectionsPerClient?: number;
  /**
   * Longest a client may take to send a request's headers, in ms (slowloris); past it Node answers 408 and
   * closes the socket. Checked every second. Default 10000.
   */
  headersTimeoutMs?: number;
  /** Longest silence while a request body is being received, in ms; past it 408 and the connection closes. Default 15000. */
  bodyIdleTimeoutMs?: number;
  /**
   * Longest prompt accepted, in characters (the parser reads the first 2,000): an item with a longer prompt
   * (or spec.prompt) refuses its request with 413 `prompt_too_long` at intake. Default 4096.
   */
  maxPromptChars?: number;
  /**
   * Also serve liveness / readiness (`/healthz`, `/health`, `/readyz`, `/v2/health/live|ready`) on this port
   * (0: any free one), from a worker thread: connection floods on the main port and long synchronous steps on
   * the main thread cannot delay them; liveness fails once the main thread has not run for 10 s. Default: none
   * (health is then answered on the main port, on every socket, over the connection caps too).
   */
  healthPort?: number;
  /**
   * Per-expert normalisation of every request's scores (`{ mode: 'running-z' }`, or specs by expert name); a
   * request's own `normalize` replaces it. Default: each expert's configured `normalize`, else raw scores.
   */
  normalize?: NormalizeOverride;
  /** File of the running-z statistics: read before the server reports ready, written on close (SIGTERM). */
  normalizerState?: string;
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

export interface ServerStats {
  /** Items admitted and not yet being scored (decoding or waiting). */
  queued: number;
  /** Of those, the decoded ones waiting for a batch. */
  batchQueue: number;
  runningBatches: number;
  activeRequests: number;
  /** Items admitted and not yet answered (queued + being scored). */
  admittedItems: number;
  inflightBytes: number;
  inflightPixels: number;
  connections: number;
}

export interface RewardServer {
  /** Binds (and only then starts loading the models); rejects when the address cannot be bound. */
  listen(options?: ListenOptions): Promise<{ url: string; host: string; port: number }>;
  /** Resolves when the models are loaded (warm-up done); rejects when the warm-up failed. */
  readonly ready: Promise<void>;
  isReady(): boolean;
  /**
   * Graceful: every request already read is answered, new ones get 503 + Retry-After (connection closed),
   * then the listener and connections close and the models are disposed.
   */
  close(): Promise<void>;
  readonly url: string;
  readonly experts: readonly ExpertInfo[];
  readonly metrics: ServerMetrics;
  readonly httpServer: Server;
  /** Live counters (for tests and logs). */
  stats(): ServerStats;
  /** The health port's URL once listening with `healthPort` set; undefined otherwise. */
  readonly healthUrl: string | undefined;
}

/**
 * Compiles the request validators before the server reports ready: ajv compiles a schema on its first use,
 * which held the event loop ~60 ms inside the first scoring request (issue 21).
 */
function compileRequestSchemas(): void {
  for (const schema of [scoreRequestSchema, openRlhfRequestSchema]) {
    try {
      validateWithSchema(schema, {}, 'warm-up', { stopEarly: true });
    } catch {
      /* {} is invalid: only the compiled validator is wanted */
    }
  }
  try {
    validatePromptSpec({}, { stopEarly: true });
  } catch {
    /* as above */
  }
}

/**
 * Default `maxInflightPixels`: 72 Mi pixels of budget (216 MiB), room for one PNG / JPEG at the default 64 Mpx
 * image limit with its decoder's row buffers (8192² is charged 64 Mi + 5 Mi; see chargedPixels).
 */
export const DEFAULT_MAX_INFLIGHT_PIXELS = 72 * 1024 * 1024;

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

/**
 * Where an expert runs, for the ready line: the placement its builder recorded (createEnsembleFromConfig's placement
 * table, kept through middleware). An expert of a hand-built ensemble has none: a PooledReward given as is still says
 * its pool, anything else is taken as in-process.
 */
function whereExpertRuns(expert: EnsembleExpert): string {
  const placement: ExpertPlacement =
    expert.placement ?? (expert.model instanceof PooledReward ? { type: 'pool', threads: expert.model.pool.maxThreads } : { type: 'in-process' });
  if (placement.type !== 'pool' || placement.threads === undefined) return placement.type;
  return `pool of ${placement.threads} thread${placement.threads === 1 ? '' : 's'}`;
}

/** Protocols in routing order; each claims its paths with `match`. */
const PROTOCOLS: readonly Protocol[] = [systemProtocol, nativeProtocol, openRlhfProtocol, kserveProtocol];

/** Longest a request arriving during shutdown may take to finish sending before it is answered 503. */
const SHUTDOWN_DRAIN_MS = 2_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createRewardServer(options: RewardServerOptions): RewardServer {
  const metrics = options.metrics ?? new ServerMetrics();
  const modelName = options.modelName ?? 't2i-reward';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const maxConnections = options.maxConnections ?? 1024;
  const maxConnectionsPerClient = options.maxConnectionsPerClient ?? Math.max(1, Math.floor((maxConnections * 3) / 4));
  const bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? 15_000;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const log = options.log ?? (() => {});
  const policy: ImagePolicy = {
    ...(options.imageRoot !== undefined ? { imageRoot: options.imageRoot } : {}),
    allowUrls: options.allowUrls ?? [],
    ...(options.maxImageBytes !== undefined ? { maxImageBytes: options.maxImageBytes } : {}),
    ...(options.maxImagePixels !== undefined ? { maxImagePixels: options.maxImagePixels } : {}),
    ...(options.imageFetchTimeoutMs !== undefined ? { imageFetchTimeoutMs: options.imageFetchTimeoutMs } : {}),
  };
  // Items being scored hold no place in the queue (the batcher is created below, by the scorer).
  let inService = () => 0;
  const admission = new Admission(
    {
      maxItems: options.maxQueue ?? 256,
      maxBytes: options.maxInflightBytes ?? Math.max(maxBodyBytes, 128 * 1024 * 1024),
      maxPixels: options.maxInflightPixels ?? DEFAULT_MAX_INFLIGHT_PIXELS,
    },
    () => inService(),
  );
  const maxJsonTokens = options.maxJsonTokens ?? defaultMaxJsonTokens(admission.options.maxItems);
  if (admission.options.maxBytes < maxBodyBytes) throw new RangeError('maxInflightBytes must be >= maxBodyBytes');
  const served = (options.instrumentExperts ?? true) ? instrumentEnsemble(options.ensemble, metrics) : options.ensemble;
  // Requests share ensemble calls: experts score raw there, and each request is normalised on its own (normalize.ts).
  const normalizer = new ServerNormalizer(served, modelName, {
    ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
    ...(options.normalizerState !== undefined ? { statePath: options.normalizerState } : {}),
  });
  normalizer.registerMetrics(metrics);
  const experts: ExpertInfo[] = served.experts.map((expert) => ({
    name: expert.name,
    kind: expert.model.kind,
    modelId: expert.model.modelId,
    weight: expert.weight,
  }));
  const scorer = createScorer({
    ensemble: served,
    metrics,
    policy,
    admission,
    maxBatch: options.maxBatch ?? 16,
    maxWaitMs: options.maxWaitMs ?? 5,
    concurrency: options.concurrency ?? 1,
    retryAfter,
    maxPromptChars: options.maxPromptChars ?? 4096,
  });
  const { batcher } = scorer;
  inService = () => batcher.runningItems;

  let ready = false;
  /** The --health-port thread, once listening with `healthPort` set. */
  let healthPort: HealthPort | undefined;
  const byteLeases = new WeakMap<IncomingMessage, ByteLease>();

  // requestTimeout bounds receiving a request (slow uploads); scoring is bounded by withDeadline.
  // Idle keep-alive connections stay open longer than Node's 5 s default (trainers call once per step; a
  // client reusing a connection the server just closed sees a spurious network error).
  // headersTimeout (Node's default 60 s, checked every 30 s) is what frees sockets that drip their headers.
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeoutMs);
  const httpServer = createServer(
    {
      keepAlive: true,
      keepAliveTimeout: 65_000,
      requestTimeout: requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    (request, response) => onRequest(request, response, false),
  );
  httpServer.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => onRequest(request, response, true));
  const lifecycle = new Lifecycle(httpServer, { maxConnections, maxConnectionsPerClient, headersTimeoutMs: headersTimeout });
  const shuttingDown = () => lifecycle.draining;

  metrics.setQueueDepthSource(() => scorer.queueDepth());
  metrics.addLiveGauge('admitted_items', 'Items admitted and not yet answered (queued + being scored).', () => admission.items);
  metrics.addLiveGauge('inflight_body_bytes', 'Request-body bytes held by requests in flight.', () => admission.bytes);
  metrics.addLiveGauge('inflight_pixels', 'Decoded pixels held by requests in flight.', () => admission.pixels);
  metrics.addLiveGauge('open_connections', 'Open HTTP connections.', () => lifecycle.connections);

  let startLoading!: () => void;
  const loadRequested = new Promise<void>((resolve) => (startLoading = resolve));
  // Models load only once the address is bound (a busy port fails fast, before any model loads).
  let listened = false;
  const readyPromise = (async () => {
    await loadRequested;
    if (!listened) throw new Error('closed before it listened');
    if (await normalizer.restore()) log(`running-z statistics restored from ${normalizer.statePath}`);
    if (options.warmup ?? true) {
      const results = await served.scoreSamples([{ image: warmupImage(), prompt: 'a photo of a dog and a cat' }]);
      const failed = Object.entries(results[0]?.experts ?? {}).filter(([, outcome]) => isFatalRewardError(outcome.error));
      if (failed.length > 0) {
        throw new Error(`warm-up failed: ${failed.map(([name, outcome]) => `${name}: ${outcome.error!.message}`).join('; ')}`);
      }
    }
    compileRequestSchemas();
    ready = true;
    metrics.ready.set(1);
    healthPort?.refresh();
    // Where each expert runs, so an operator sees whether models are off the thread that answers /healthz.
    log(`ready: ${options.ensemble.experts.map((expert) => `${expert.name} (${expert.model.modelId}; ${whereExpertRuns(expert)})`).join(', ')}`);
  })();
  // Callers that never await `ready` must not crash the process on a failed warm-up; readiness stays false.
  readyPromise.catch((error: unknown) => {
    if (listened) log(`not ready: ${(error as Error).message}`);
  });

  const context: ServerContext = {
    modelName,
    experts,
    metrics,
    retryAfter,
    isReady: () => ready && !shuttingDown(),
    isShuttingDown: shuttingDown,
    scoreItems: async (items, signal, normalize) => {
      const results = await scorer.scoreItems(items, signal);
      // Normalising and answering wait their turn like parsing and decoding (core/turns.ts).
      await nextTurn();
      return normalizer.apply(results, items, normalize);
    },
    parseNormalize: (value) => normalizer.parseRequest(value),
    readBody: ({ request }) => readBody(request, maxBodyBytes, byteLeases.get(request), retryAfter, bodyIdleTimeoutMs),
    checkJson: (text) => refuseCostlyJson(text, maxJsonTokens),
    readJson: async (exchange) => {
      const body = await context.readBody(exchange);
      // Parsing, validating and starting to decode a request take the main thread in turns (core/turns.ts).
      await nextTurn();
      await context.checkJson(body);
      return parseJson(body);
    },
    withDeadline: ({ response }, work) => withDeadline(response, requestTimeoutMs, work, () => metrics.error('request', 'timeout')),
    maxItems: admission.options.maxItems,
  };

  function findRoute(method: string, pathname: string): { protocol: Protocol; route: RouteMatch } | undefined {
    for (const protocol of PROTOCOLS) {
      const route = protocol.match(method, pathname);
      if (route) return { protocol, route };
    }
    return undefined;
  }

  /** Checks a request against the server's state before its protocol sees it: auth, readiness, content type, byte budget. */
  async function admit(exchange: Exchange, route: RouteMatch): Promise<void> {
    const { request } = exchange;
    // Health routes are answered on every socket, over the cap too: a flood never fails a liveness probe.
    if (!route.public && lifecycle.isOverCap(request.socket)) {
      throw new HttpError(503, 'too_many_connections', `the server holds at most ${maxConnections} connections (${maxConnectionsPerClient} per client)`, {
        'retry-after': retryAfter,
        connection: 'close',
      });
    }
    if (options.token !== undefined && !route.public && !bearerMatches(request.headers.authorization, options.token)) {
      throw new HttpError(401, 'unauthorized', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
    }
    if (!route.scoring) return;
    if (shuttingDown()) {
      await discardBody(request);
      throw new HttpError(503, 'shutting_down', 'server is shutting down', { 'retry-after': retryAfter, connection: 'close' });
    }
    if (!ready) throw new HttpError(503, 'not_ready', 'models are still loading', { 'retry-after': retryAfter });
    const contentType = request.headers['content-type'];
    if (!isJsonContentType(contentType) && !(route.binary && request.headers[INFERENCE_HEADER_CONTENT_LENGTH] !== undefined)) {
      // A browser page can POST text/plain or form data to any origin without a preflight: only JSON is scored.
      throw new HttpError(
        415,
        'unsupported_media_type',
        `Content-Type must be application/json${route.binary ? ' (or the KServe binary extension)' : ''}, got ${contentType ?? 'none'}`,
      );
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    try {
      const lease = admission.reserveBytes(Number.isFinite(declared) && declared > 0 && declared <= maxBodyBytes ? declared : 0);
      byteLeases.set(request, lease);
      exchange.response.once('close', () => lease.release());
    } catch (error) {
      if (error instanceof AdmissionRefusedError) {
        const refused = admissionHttpError(error, retryAfter);
        throw new HttpError(refused.status, refused.code, refused.message, { ...refused.headers, connection: 'close' });
      }
      throw error;
    }
  }

  function sendError(exchange: Exchange, protocol: Protocol | undefined, error: unknown): void {
    const { request, response, url } = exchange;
    if (error instanceof HttpError) {
      if (error.status >= 500 || error.status === 429 || error.status === 413 || error.status === 401 || error.status === 415 || error.status === 408)
        metrics.error('request', error.code);
      const headers = { ...error.headers };
      // After a 413 / 408 the rest of the body is never read: close the connection instead of draining it.
      if (error.status === 413 || error.status === 408) headers.connection = 'close';
      const body = protocol?.errorBody
        ? protocol.errorBody(error)
        : { error: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } };
      sendJson(response, error.status, body, headers);
      return;
    }
    const typed = toRewardError(error);
    metrics.error('request', typed.code);
    log(`error on ${request.method} ${url.pathname}: ${typed.message}`);
    sendJson(response, 500, protocol?.errorBody ? { error: typed.message } : { error: errorToJson(typed) });
  }

  function onRequest(request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): void {
    lifecycle.touch();
    const url = parseRequestTarget(request.url);
    if (url === null) {
      // A request-target that is not a valid URL path is the client's fault: 400, never a crash.
      metrics.error('request', 'bad_request_target');
      sendJson(response, 400, { error: { code: 'bad_request_target', message: 'request target is not a valid path' } }, { connection: 'close' });
      return;
    }
    const method = request.method ?? 'GET';
    const found = findRoute(method, url.pathname);
    const protocolName = found?.protocol.name === 'system' ? (url.pathname === '/metrics' ? 'metrics' : 'other') : (found?.protocol.name ?? 'other');
    const stopTimer = metrics.requestDuration.startTimer({ protocol: protocolName });
    lifecycle.track(response, () => {
      stopTimer();
      metrics.requests.inc({ protocol: protocolName, status: String(response.statusCode) });
    });
    const exchange: Exchange = { request, response, url, method };
    (async () => {
      if (!found) throw new HttpError(404, 'not_found', `no route for ${method} ${url.pathname}`);
      await admit(exchange, found.route);
      // "Expect: 100-continue" (curl sends it for large bodies): the body is asked for only once admitted.
      if (expectsContinue) response.writeContinue();
      await found.protocol.handle(exchange, context);
    })().catch((error: unknown) => {
      // Refused before "100 Continue": the client never sends the body, so the connection cannot be reused.
      if (expectsContinue && !request.readableEnded) response.shouldKeepAlive = false;
      sendError(exchange, found?.protocol, error);
    });
  }

  let closing: Promise<void> | undefined;
  let address: { url: string; host: string; port: number } | undefined;

  async function shutdown(): Promise<void> {
    metrics.ready.set(0);
    if (!listened) {
      // Never bound (e.g. the port was busy): nothing was accepted, nothing to say.
      if (options.disposeOnClose ?? true) await served.dispose();
      return;
    }
    log('shutting down: finishing accepted requests');
    healthPort?.refresh();
    await lifecycle.drain(() => batcher.drain());
    await healthPort?.close();
    // Every answered request has updated the running statistics: keep them for the next start.
    await normalizer.save().then(
      () => normalizer.statePath && log(`running-z statistics written to ${normalizer.statePath}`),
      (error: unknown) => log(`could not write ${normalizer.statePath}: ${(error as Error).message}`),
    );
    await readyPromise.catch(() => {});
    if (options.disposeOnClose ?? true) await served.dispose();
    log('shut down');
  }

  return {
    async listen(listenOptions = {}) {
      const host = listenOptions.host ?? '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        // A backlog past the connection caps: a burst of connects (a flood, or many clients at once) queues in the
        // kernel instead of dropping SYNs past Node's default of 511, which made a health probe's connect wait for
        // its 1 s retransmit (the kernel caps it at net.core.somaxconn).
        httpServer.listen(listenOptions.port ?? 0, host, Math.max(511, 2 * maxConnections), () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const info = httpServer.address() as AddressInfo;
      const urlHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      address = { url: `http://${urlHost}:${info.port}`, host: info.address, port: info.port };
      log(`listening on ${address.url}`);
      if (options.healthPort !== undefined) {
        try {
          healthPort = await startHealthPort({ port: options.healthPort, host }, () => context.isReady());
        } catch (error) {
          await new Promise<void>((resolve) => httpServer.close(() => resolve()));
          throw error;
        }
        log(`health on ${healthPort.url} (/healthz, /readyz)`);
      }
      listened = true;
      startLoading();
      return address;
    },
    ready: readyPromise,
    isReady: () => context.isReady(),
    get url() {
      if (!address) throw new Error('server is not listening');
      return address.url;
    },
    get healthUrl() {
      return healthPort?.url;
    },
    experts,
    metrics,
    httpServer,
    stats: () => ({
      queued: scorer.queueDepth(),
      batchQueue: batcher.queued,
      runningBatches: batcher.running,
      activeRequests: lifecycle.activeRequests,
      admittedItems: admission.items,
      inflightBytes: admission.bytes,
      inflightPixels: admission.pixels,
      connections: lifecycle.connections,
    }),
    close() {
      startLoading();
      closing ??= shutdown();
      return closing;
    },
  };
}

/** Reads (and drops) what is left of a request body, at most SHUTDOWN_DRAIN_MS, so that answering it never resets the connection. */
async function discardBody(request: IncomingMessage): Promise<void> {
  // A client waiting for "100 Continue" sends no body: nothing to read.
  if (request.complete || /100-continue/i.test(request.headers.expect ?? '')) return;
  request.resume();
  await Promise.race([once(request, 'end').catch(() => {}), sleep(SHUTDOWN_DRAIN_MS)]);
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
