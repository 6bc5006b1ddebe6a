import { Type, type Static } from '@sinclair/typebox';
import {
  BaseReward,
  Const,
  Dictionary,
  StringEnum,
  InvalidConfigError,
  RemoteServiceError,
  RewardTimeoutError,
  encodeImage,
  failedResult,
  throwIfAborted,
  validateWithSchema,
  type RewardItemResult,
  type RewardSample,
} from '@t2i-reward/core';
import { VERSION } from './version.js';
import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  KServeProtocolError,
  bytesAsStrings,
  decodeInferMessage,
  encodeInferMessage,
  type DecodedTensor,
  type KServeInferResponse,
  type OutgoingTensor,
} from './codec.js';

const nullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });

/** JSON Schema of the `kserve` backend object; KServeRewardOptions is its type (without `type`, plus `fetch`). */
export const kserveRewardOptionsSchema = Type.Object(
  {
    type: Type.Optional(Const('kserve')),
    /** Expert kind reported by the model (the config's `kind`). Default "kserve". */
    kind: Type.Optional(Type.String()),
    /** One endpoint's base URL, e.g. "http://triton:8000". */
    url: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** Several replicas of the same model; requests go to a healthy one chosen by `strategy`. */
    endpoints: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }), { minItems: 1 })),
    /** Model name on the endpoint (`/v2/models/{model}/infer`). */
    model: Type.String({ minLength: 1 }),
    /** Model version (`/v2/models/{model}/versions/{v}`); none by default. */
    modelVersion: Type.Optional(Type.String()),
    /** How to pick among healthy endpoints. Default "least-loaded" (fewest requests in flight, ties round-robin). */
    strategy: Type.Optional(StringEnum(['round-robin', 'least-loaded'])),
    /** Bearer token sent as `Authorization`. */
    token: Type.Optional(Type.String()),
    /** Extra request headers. */
    headers: Type.Optional(Dictionary(Type.String())),
    /** Deadline of one remote call, in ms. Default 60000. */
    timeoutMs: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Encoding of the images sent as BYTES. Default "png" (lossless). */
    imageFormat: Type.Optional(StringEnum(['png', 'jpeg', 'webp'])),
    /** Tensor names on the remote model. Defaults match `t2ir serve`: IMAGE, PROMPT, SPEC. `spec: null` never sends specs. */
    inputs: Type.Optional(
      Type.Object(
        { image: Type.Optional(Type.String()), prompt: Type.Optional(Type.String()), spec: Type.Optional(nullableString()) },
        { additionalProperties: false },
      ),
    ),
    /** Output names: score (default REWARD), raw (default RAW; falls back to null), info (default INFO, per-item JSON). */
    outputs: Type.Optional(
      Type.Object(
        { score: Type.Optional(Type.String()), raw: Type.Optional(nullableString()), info: Type.Optional(nullableString()) },
        { additionalProperties: false },
      ),
    ),
    /** Active health checks (`/v2/models/{model}/ready`) every this many ms; 0 turns them off. Default 5000. */
    healthCheckIntervalMs: Type.Optional(Type.Number({ minimum: 0 })),
    /** Rounds of retries when every endpoint answers 429 / 503, waiting Retry-After in between. Default 2. */
    retries: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Stable id for caches; default "<kind>/kserve/<model>". */
    modelId: Type.Optional(Type.String()),
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://t2i-reward.dev/schemas/server/kserve-backend.json',
    anyOf: [{ required: ['url'] }, { required: ['endpoints'] }],
    additionalProperties: false,
  },
);

export type KServeRewardOptions = Omit<Static<typeof kserveRewardOptionsSchema>, 'type'> & {
  /** fetch implementation (tests, proxies). Default global fetch. */
  fetch?: typeof globalThis.fetch;
};

interface EndpointState {
  url: string;
  healthy: boolean;
  inFlight: number;
  served: number;
  lastError: string | undefined;
}

/** A snapshot of one endpoint, for logs and tests. */
export type KServeEndpointStatus = Readonly<EndpointState>;

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** From Retry-After on 429 / 503. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** Resolves after `ms`, or rejects with RewardAbortedError as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      try {
        throwIfAborted(signal);
      } catch (error) {
        reject(error);
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * An expert whose work runs on a KServe v2 / Triton endpoint (our own `t2ir serve` included): images go as
 * BYTES in the binary-data extension, per-item errors come back in the INFO output.
 */
export class KServeReward extends BaseReward {
  readonly #options: KServeRewardOptions;
  readonly #endpoints: EndpointState[];
  readonly #backoffs: number[] = [];
  readonly #fetch: typeof globalThis.fetch;
  #cursor = 0;
  #healthTimer: NodeJS.Timeout | undefined;

  constructor(options: KServeRewardOptions) {
    const kind = options.kind ?? 'kserve';
    super({ kind, modelId: options.modelId ?? `${kind}/kserve/${options.model}`, version: VERSION });
    const urls = [...(options.endpoints ?? []), ...(options.url ? [options.url] : [])].map((url) => url.replace(/\/+$/, ''));
    if (urls.length === 0) throw new InvalidConfigError('kserve backend needs "url" or "endpoints"', { data: { path: 'url' } });
    this.#options = options;
    this.#endpoints = [...new Set(urls)].map((url) => ({ url, healthy: true, inFlight: 0, served: 0, lastError: undefined }));
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Endpoint health and load, for logs and tests. */
  /** Waits (ms) taken because every endpoint was busy (429) or not ready (503), oldest first: for logs and tests. */
  backoffs(): readonly number[] {
    return [...this.#backoffs];
  }

  endpointStatus(): KServeEndpointStatus[] {
    return this.#endpoints.map((endpoint) => ({ ...endpoint }));
  }

  #modelPath(): string {
    const base = `/v2/models/${encodeURIComponent(this.#options.model)}`;
    return this.#options.modelVersion ? `${base}/versions/${encodeURIComponent(this.#options.modelVersion)}` : base;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.#options.headers ?? {}),
      ...(this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {}),
      ...extra,
    };
  }

  /** Picks an endpoint: healthy ones first (all of them when none is healthy: one may have recovered). */
  #pick(exclude: ReadonlySet<EndpointState>): EndpointState | undefined {
    const candidates = this.#endpoints.filter((endpoint) => !exclude.has(endpoint));
    if (candidates.length === 0) return undefined;
    const healthy = candidates.filter((endpoint) => endpoint.healthy);
    const pool = healthy.length > 0 ? healthy : candidates;
    const start = this.#cursor++;
    const rotated = pool.map((_, index) => pool[(start + index) % pool.length]!);
    if ((this.#options.strategy ?? 'least-loaded') === 'round-robin') return rotated[0];
    return rotated.reduce((best, endpoint) => (endpoint.inFlight < best.inFlight ? endpoint : best));
  }

  /** Checks every endpoint's model readiness now (also run on a timer once scoring starts). */
  async checkHealth(): Promise<KServeEndpointStatus[]> {
    await Promise.all(
      this.#endpoints.map(async (endpoint) => {
        try {
          const response = await this.#fetch(`${endpoint.url}${this.#modelPath()}/ready`, {
            headers: this.#headers(),
            signal: AbortSignal.timeout(Math.min(this.#options.timeoutMs ?? 60_000, 5_000)),
          });
          await response.body?.cancel();
          endpoint.healthy = response.ok;
          endpoint.lastError = response.ok ? undefined : `ready check: HTTP ${response.status}`;
        } catch (error) {
          endpoint.healthy = false;
          endpoint.lastError = `ready check: ${(error as Error).message}`;
        }
      }),
    );
    return this.endpointStatus();
  }

  #startHealthChecks(): void {
    const interval = this.#options.healthCheckIntervalMs ?? 5_000;
    if (this.#healthTimer || interval <= 0 || this.disposed) return;
    this.#healthTimer = setInterval(() => void this.checkHealth(), interval);
    this.#healthTimer.unref();
  }

  protected override async onDispose(): Promise<void> {
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
  }

  async #buildBody(samples: readonly RewardSample[]): Promise<{ body: Buffer; headers: Record<string, string> }> {
    const names = { image: 'IMAGE', prompt: 'PROMPT', spec: 'SPEC' as string | null, ...this.#options.inputs };
    const format = this.#options.imageFormat ?? 'png';
    const images = await Promise.all(samples.map((sample) => encodeImage(sample.image, format)));
    const shape = [samples.length];
    const tensors: OutgoingTensor[] = [
      { name: names.image, datatype: 'BYTES', shape, values: images, binary: true },
      { name: names.prompt, datatype: 'BYTES', shape, values: samples.map((sample) => sample.prompt), binary: true },
    ];
    if (names.spec && samples.some((sample) => sample.spec)) {
      tensors.push({
        name: names.spec,
        datatype: 'BYTES',
        shape,
        values: samples.map((sample) => (sample.spec ? JSON.stringify(sample.spec) : '')),
        binary: true,
      });
    }
    const { body, headerLength } = encodeInferMessage({ parameters: { binary_data_output: true } }, 'inputs', tensors);
    return {
      body,
      headers: this.#headers({
        'content-type': 'application/octet-stream',
        ...(headerLength !== undefined ? { [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) } : {}),
      }),
    };
  }

  async #call(endpoint: EndpointState, body: Buffer, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<DecodedTensor[]> {
    const timeoutMs = this.#options.timeoutMs ?? 60_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    endpoint.inFlight++;
    try {
      let response: Response;
      try {
        response = await this.#fetch(`${endpoint.url}${this.#modelPath()}/infer`, { method: 'POST', headers, body: new Uint8Array(body), signal: combined });
      } catch (error) {
        throwIfAborted(signal);
        if (deadline.aborted) throw new RewardTimeoutError(`${endpoint.url}: no answer within ${timeoutMs} ms`, { cause: error });
        throw error;
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      if (!response.ok) {
        let message = bytes.toString('utf8').slice(0, 500);
        try {
          message = String((JSON.parse(message) as { error?: unknown }).error ?? message);
        } catch {
          // not JSON: keep the text
        }
        const retryAfter = Number(response.headers.get('retry-after'));
        throw new HttpStatusError(
          response.status,
          `${endpoint.url}: HTTP ${response.status}: ${message}`,
          Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
        );
      }
      const lengthHeader = response.headers.get(INFERENCE_HEADER_CONTENT_LENGTH);
      return decodeInferMessage<KServeInferResponse>(bytes, lengthHeader === null ? undefined : Number(lengthHeader), 'outputs').tensors;
    } finally {
      endpoint.inFlight--;
    }
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    this.#startHealthChecks();
    const { body, headers } = await this.#buildBody(samples);
    const retries = this.#options.retries ?? 2;
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      const tried = new Set<EndpointState>();
      // Retry-After (ms) of every endpoint that said busy (429) or not ready (503) in this round.
      const busyWaits: number[] = [];
      // An answer another replica would give the same (our request's fault): no endpoint and no round more.
      let requestFault = false;
      for (let endpoint = this.#pick(tried); endpoint; endpoint = this.#pick(tried)) {
        tried.add(endpoint);
        throwIfAborted(signal);
        try {
          const outputs = await this.#call(endpoint, body, headers, signal);
          endpoint.healthy = true;
          endpoint.served++;
          return this.#toResults(outputs, samples.length, endpoint.url);
        } catch (error) {
          throwIfAborted(signal);
          lastError = error;
          // 4xx other than 429, or an answer we cannot read.
          requestFault =
            (error instanceof HttpStatusError && error.status < 500 && error.status !== 429) ||
            error instanceof KServeProtocolError ||
            RemoteServiceError.isInstance(error);
          if (requestFault) break;
          const busy = error instanceof HttpStatusError && (error.status === 429 || error.status === 503);
          if (busy) busyWaits.push(error.retryAfterMs ?? 1000);
          // A full queue (429) is busy, not broken: the endpoint stays in rotation.
          if (!(error instanceof HttpStatusError && error.status === 429)) endpoint.healthy = false;
          endpoint.lastError = (error as Error).message;
        }
      }
      // No endpoint answered, and some were busy (429) or not ready (503) while others may be dead: wait as
      // the busy ones said (the longest), then try every endpoint again.
      if (requestFault || busyWaits.length === 0 || attempt >= retries) break;
      const wait = Math.min(Math.max(...busyWaits), 30_000);
      this.#backoffs.push(wait);
      await sleep(wait, signal);
    }
    // A whole-call failure: every item fails with it (not retried item by item: the remote is the problem).
    const failure =
      RewardTimeoutError.isInstance(lastError) || RemoteServiceError.isInstance(lastError)
        ? lastError
        : new RemoteServiceError(`kserve ${this.#options.model}: ${(lastError as Error | undefined)?.message ?? 'no endpoint'}`, { cause: lastError });
    return samples.map(() => failedResult(failure));
  }

  #toResults(outputs: readonly DecodedTensor[], count: number, url: string): RewardItemResult[] {
    const names = { score: 'REWARD', raw: 'RAW' as string | null, info: 'INFO' as string | null, ...this.#options.outputs };
    const byName = (name: string | null) => (name === null ? undefined : outputs.find((output) => output.name === name));
    const score = byName(names.score);
    if (!score) throw new RemoteServiceError(`${url}: the response has no output ${names.score}`);
    const numbers = (tensor: DecodedTensor | undefined): number[] | undefined => {
      if (!tensor) return undefined;
      if (tensor.datatype === 'BYTES') throw new RemoteServiceError(`${url}: output ${tensor.name} is BYTES, expected numbers`);
      if (tensor.values.length !== count) throw new RemoteServiceError(`${url}: output ${tensor.name} has ${tensor.values.length} values for ${count} items`);
      return tensor.values as number[];
    };
    const scores = numbers(score)!;
    const raws = numbers(byName(names.raw));
    const infoTensor = byName(names.info);
    const infos = infoTensor && infoTensor.datatype === 'BYTES' ? bytesAsStrings(infoTensor) : [];
    return scores.map((value, index) => {
      let info: { warnings?: unknown; error?: { code?: unknown; message?: unknown } | null } = {};
      try {
        info = infos[index] ? (JSON.parse(infos[index]) as typeof info) : {};
      } catch {
        info = {};
      }
      const warnings = Array.isArray(info.warnings) ? info.warnings.map(String) : [];
      const finite = Number.isFinite(value) ? value : null;
      const raw = raws && Number.isFinite(raws[index]) ? raws[index]! : null;
      if (info.error && typeof info.error === 'object') {
        const remote = new RemoteServiceError(`remote ${String(info.error.code ?? 'error')}: ${String(info.error.message ?? '')}`, {
          data: { remoteCode: info.error.code, endpoint: url },
        });
        return failedResult(remote, warnings);
      }
      if (finite === null) return { score: null, raw: null, warnings: [...warnings, `${url}: no score for this item`] };
      return { score: finite, raw, warnings };
    });
  }
}

/** The `kserve` backend: validates the options and builds the expert. */
export function createKServeReward(options: KServeRewardOptions): KServeReward {
  const { fetch: customFetch, ...plain } = options;
  validateWithSchema(kserveRewardOptionsSchema, plain, 'kserve backend options');
  return new KServeReward(customFetch ? { ...plain, fetch: customFetch } : plain);
}
