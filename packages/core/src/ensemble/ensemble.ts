import {
  ExpertFailedError,
  InvalidConfigError,
  ModelDisposedError,
  RewardAbortedError,
  T2IRewardError,
  UnsupportedInputError,
  UnsupportedModelVersionError,
  throwIfAborted,
  toRewardError,
} from '../errors.js';
import { loadImages, type ImageInput, type ImageLoadOptions } from '../images/load.js';
import { resolveSpec as parseSpecOf } from '../prompt-spec/parser.js';
import type { ExpertPlacement } from '../config/placement.js';
import type { SpecResolution, SpecSource } from '../prompt-spec/llm-parser.js';
import type { PromptSpec } from '../prompt-spec/types.js';
import type { RewardCallOptions, RewardItemResult, RewardModelV1, RewardSample, RgbImage } from '../spec.js';
import { wrapRewardModel, type RewardMiddleware } from '../middleware/wrap.js';
import { VERSION } from '../version.js';
import { NormalizerStore, parseNormalizeSpec, type GroupKey, type NormalizeMode, type NormalizeSpec, type NormalizeStats } from './normalize.js';

/**
 * How expert scores combine into one reward.
 * - `mean`: R = (1/N) Σ R_i over the experts that scored (the T2I-R1 paper); weights are not used.
 * - `weighted-mean`: Σ w_i R_i / Σ w_i over the experts that scored.
 * - `sum`: Σ w_i R_i (the T2I-R1 released code, with weights 1).
 */
export const AGGREGATIONS = ['mean', 'weighted-mean', 'sum'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * What a missing expert score (null, or the expert failed on that item) does to the item.
 * - `skip` (default): left out of the aggregate; the item has no reward only when no expert scored.
 * - `zero`: counted as 0.
 * - `fail`: the item fails (reward null, `error` set).
 */
export const MISSING_POLICIES = ['skip', 'zero', 'fail'] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

export interface EnsembleExpertInput {
  /** Key of this expert in results (default: its kind; "detector-2" for a second detector). */
  name?: string;
  model: RewardModelV1;
  /** Default 1; must be finite and ≥ 0. */
  weight?: number;
  /** How this expert's scores are normalised before aggregation (default: raw scores, `none`). */
  normalize?: NormalizeSpec;
  /** Where the model runs, as its builder placed it (`createEnsembleFromConfig` sets it); kept through middleware. */
  placement?: ExpertPlacement;
}

export interface EnsembleExpert {
  readonly name: string;
  readonly model: RewardModelV1;
  readonly weight: number;
  readonly normalize?: NormalizeSpec;
  /** Where the model runs (in-process, in core's worker pool, on a server), when its builder said so. */
  readonly placement?: ExpertPlacement;
}

export interface EnsembleOptions {
  experts: readonly EnsembleExpertInput[];
  aggregate?: Aggregation;
  onMissing?: MissingPolicy;
  /** Limits and allow-lists for decoding inputs in `score`. */
  image?: ImageLoadOptions;
  /** Items per expert call; `onProgress` reports after each (default 16). */
  batchSize?: number;
  /**
   * Fills `spec` for samples that have none, once for all experts. Default: core's `resolveSpec` (the rule-based
   * parser, with `metadata.category` as the category); `false` leaves specs out (experts then parse themselves).
   */
  resolveSpec?: ((sample: RewardSample) => PromptSpec | undefined) | false;
  /**
   * Where specs come from before `resolveSpec` (config `parser`): e.g. an LLM spec parser
   * (`createOpenAISpecParser`), asked once per distinct (prompt, category) of a call for the samples without a
   * spec; its warnings (a fallback to the rule parser) go on the items.
   */
  specSource?: SpecSource;
  /**
   * Running statistics of `running-z` experts (default: a store of this ensemble's own). Pass one to share or restore
   * them (`NormalizerStore.fromJSON(checkpoint)`); `ensemble.normalizers.toJSON()` saves them.
   */
  normalizers?: NormalizerStore;
}

/** One item to score: any image input, decoded once for all experts. */
export interface ScoreInput {
  image: ImageInput;
  prompt: string;
  spec?: PromptSpec;
  metadata?: Record<string, unknown>;
}

/** What the aggregate read for one expert when it was normalised: the value, the mode and the statistics used. */
export interface NormalizedScore {
  value: number | null;
  mode: NormalizeMode;
  stats: NormalizeStats | null;
}

/** `score` stays the expert's own (raw) score; `normalized` is what the aggregate used when the expert is normalised. */
export type ExpertOutcome = RewardItemResult & { kind: string; modelId: string; weight: number; normalized?: NormalizedScore };

export interface EnsembleItemResult {
  /** The aggregate, or null when the item failed or no expert scored it. */
  reward: number | null;
  /** Every expert's own result (score, raw, details, warnings, error) by expert name. */
  experts: Record<string, ExpertOutcome>;
  /** The item's own warnings and its experts', prefixed with the expert name. */
  warnings: string[];
  /** Set when the item failed: bad image, every expert failed, or `onMissing: 'fail'` with a missing score. */
  error?: T2IRewardError;
  /** The decoded image's identity (absent when decoding failed). */
  image?: { hash: string; width: number; height: number; source?: string };
}

/** Per-call normalisation: one spec for every expert, or specs by expert name (replacing the configured ones). */
export type NormalizeOverride = NormalizeSpec | Readonly<Record<string, NormalizeSpec>>;

export interface EnsembleNormalizeOptions {
  /**
   * Overrides the experts' configured `normalize` for this call (`false`: raw scores for every expert). Batch and
   * group statistics cover the whole call; groups are `metadata.group` when given, else the prompt.
   */
  normalize?: NormalizeOverride | false;
}

export interface EnsembleScoreOptions extends RewardCallOptions, EnsembleNormalizeOptions {
  /** Called after each batch with the number of items done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** A set of experts scored together; it is itself a RewardModelV1 (kind 'ensemble') and can nest. */
export interface Ensemble extends RewardModelV1 {
  readonly kind: 'ensemble';
  readonly experts: readonly EnsembleExpert[];
  readonly aggregate: Aggregation;
  readonly onMissing: MissingPolicy;
  /** The running statistics of `running-z` experts (serialisable: `toJSON()`, `restore(state)`). */
  readonly normalizers: NormalizerStore;
  /** Decodes each input once, runs the experts concurrently, aggregates; per-item failures stay per item. */
  score(inputs: readonly ScoreInput[], options?: EnsembleScoreOptions): Promise<EnsembleItemResult[]>;
  /** Like `doScore` but keeping each expert's outcome. */
  scoreSamples(samples: readonly RewardSample[], options?: RewardCallOptions & EnsembleNormalizeOptions): Promise<EnsembleItemResult[]>;
}

/** Checks the model implements a specification version this core knows. */
export function assertSupportedModel(model: RewardModelV1, label: string): void {
  const version = (model as { specificationVersion?: unknown } | null)?.specificationVersion;
  if (version !== 'v1') {
    throw new UnsupportedModelVersionError(
      `${label} implements reward specification ${JSON.stringify(version)}; this @t2i-reward/core (${VERSION}) supports 'v1'`,
      { data: { specificationVersion: version } },
    );
  }
  if (typeof model.doScore !== 'function' || typeof model.dispose !== 'function') {
    throw new UnsupportedModelVersionError(`${label} does not implement doScore() and dispose()`);
  }
}

function nameExperts(inputs: readonly EnsembleExpertInput[]): EnsembleExpert[] {
  const used = new Set<string>();
  return inputs.map((input, index) => {
    assertSupportedModel(input.model, `expert ${index} (${input.name ?? input.model?.kind})`);
    const weight = input.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new InvalidConfigError(`experts/${index}/weight must be a finite number ≥ 0, got ${String(weight)}`, {
        data: { path: `experts/${index}/weight` },
      });
    }
    let name = input.name ?? input.model.kind;
    if (input.name !== undefined && used.has(name)) {
      throw new InvalidConfigError(`experts/${index}/name '${name}' is used twice`, { data: { path: `experts/${index}/name` } });
    }
    for (let suffix = 2; used.has(name); suffix++) name = `${input.model.kind}-${suffix}`;
    used.add(name);
    const normalize = input.normalize === undefined ? undefined : parseNormalizeSpec(input.normalize, `experts/${index}/normalize`);
    return { name, model: input.model, weight, ...(normalize ? { normalize } : {}), ...(input.placement ? { placement: input.placement } : {}) };
  });
}

/** Rejects as soon as the signal aborts, even if `promise` (a misbehaving expert) never settles. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RewardAbortedError('scoring aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Checks one expert's result, turning malformed ones into a per-item error instead of a bad number. */
function sanitise(result: RewardItemResult | undefined, expert: EnsembleExpert): RewardItemResult {
  if (!result || typeof result !== 'object') {
    return { score: null, raw: null, warnings: [], error: new ExpertFailedError(`${expert.name} returned no result for this item`) };
  }
  const warnings = Array.isArray(result.warnings) ? result.warnings.map(String) : [];
  if (result.error !== undefined) {
    return {
      score: null,
      raw: null,
      ...(result.details ? { details: result.details } : {}),
      warnings,
      error: toRewardError(result.error, `${expert.name} failed`),
    };
  }
  const score = result.score;
  if (score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
    return { score: null, raw: null, warnings, error: new ExpertFailedError(`${expert.name} returned a non-finite score (${String(score)})`) };
  }
  const raw = typeof result.raw === 'number' && Number.isFinite(result.raw) ? result.raw : null;
  return { score, raw, ...(result.details ? { details: result.details } : {}), warnings };
}

async function runExpert(expert: EnsembleExpert, samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
  let results: RewardItemResult[];
  try {
    results = await raceAbort(expert.model.doScore(samples, signal ? { signal } : {}), signal);
  } catch (error) {
    throwIfAborted(signal);
    if (RewardAbortedError.isInstance(error)) throw error;
    // A whole-call failure (model load, disposed, a bug): every item of this expert is missing, with the reason.
    const failure = toRewardError(error, 'doScore rejected');
    return samples.map(() => ({ score: null, raw: null, warnings: [], error: failure }));
  }
  if (!Array.isArray(results) || results.length !== samples.length) {
    const failure = new ExpertFailedError(`${expert.name} returned ${Array.isArray(results) ? results.length : 'no'} results for ${samples.length} samples`);
    return samples.map(() => ({ score: null, raw: null, warnings: [], error: failure }));
  }
  return results.map((result) => sanitise(result, expert));
}

interface Aggregated {
  reward: number | null;
  error?: T2IRewardError;
  warnings: string[];
}

/** Combines one item's expert outcomes per the aggregation and missing policy. */
export function aggregateOutcomes(
  outcomes: readonly { name: string; weight: number; result: RewardItemResult }[],
  aggregate: Aggregation,
  onMissing: MissingPolicy,
): Aggregated {
  const warnings: string[] = [];
  let total = 0;
  let weightTotal = 0;
  let counted = 0;
  const missing: { name: string; error?: T2IRewardError }[] = [];
  for (const { name, weight, result } of outcomes) {
    let score = result.score;
    if (score === null) {
      missing.push(result.error ? { name, error: result.error } : { name });
      if (onMissing === 'skip') continue;
      if (onMissing === 'fail') continue;
      score = 0;
    }
    counted++;
    total += aggregate === 'mean' ? score : weight * score;
    weightTotal += weight;
  }
  if (missing.length > 0 && onMissing === 'fail') {
    const first = missing[0]!;
    const names = missing.map((entry) => entry.name).join(', ');
    return {
      reward: null,
      warnings,
      error: new ExpertFailedError(`no score from ${names}${first.error ? `: ${first.error.message}` : ''}`, {
        ...(first.error ? { cause: first.error } : {}),
        data: { experts: missing.map((entry) => entry.name) },
      }),
    };
  }
  if (outcomes.length > 0 && missing.length === outcomes.length && missing.every((entry) => entry.error)) {
    const first = missing[0]!;
    return {
      reward: null,
      warnings,
      error: new ExpertFailedError(`every expert failed on this item (${first.name}: ${first.error!.message})`, {
        cause: first.error,
        data: { experts: missing.map((entry) => entry.name) },
      }),
    };
  }
  if (counted === 0) {
    if (outcomes.length > 0) warnings.push('no expert scored this item');
    return { reward: null, warnings };
  }
  if (missing.length > 0 && onMissing === 'skip') warnings.push(`aggregated without ${missing.map((entry) => entry.name).join(', ')}`);
  switch (aggregate) {
    case 'mean':
      return { reward: total / counted, warnings };
    case 'weighted-mean':
      if (weightTotal === 0) {
        warnings.push('the experts that scored all have weight 0');
        return { reward: null, warnings };
      }
      return { reward: total / weightTotal, warnings };
    case 'sum':
      return { reward: total, warnings };
  }
}

const WRAP_EXPERTS = Symbol('t2i-reward.ensemble.wrapExperts');

/** The middleware for one expert of an ensemble, or undefined to leave that expert as it is. */
export type ExpertMiddlewareFor = (expert: EnsembleExpert) => RewardMiddleware | readonly RewardMiddleware[] | undefined;

/** Whether `ensemble` came from this core's `createEnsemble` (so `wrapEnsembleExperts` can wrap its experts). */
export function canWrapEnsembleExperts(ensemble: Ensemble): boolean {
  return typeof (ensemble as Partial<Record<typeof WRAP_EXPERTS, unknown>>)[WRAP_EXPERTS] === 'function';
}

/**
 * The same ensemble — names, weights, aggregation, missing policy, image limits, batch size, spec resolution — with
 * each expert wrapped in the middleware `middlewareFor` returns (per-expert caches, metrics). Nothing is rebuilt
 * from public fields. Disposing either ensemble disposes the shared experts. `ensemble` must come from `createEnsemble`.
 */
export function wrapEnsembleExperts(ensemble: Ensemble, middlewareFor: ExpertMiddlewareFor): Ensemble {
  const wrap = (ensemble as Partial<Record<typeof WRAP_EXPERTS, (fn: ExpertMiddlewareFor) => Ensemble>>)[WRAP_EXPERTS];
  if (typeof wrap !== 'function') {
    throw new InvalidConfigError('wrapEnsembleExperts needs an ensemble made by createEnsemble of this @t2i-reward/core');
  }
  return wrap.call(ensemble, middlewareFor);
}

/** The group of an item for group-z and rank: `metadata.group` (a string or finite number) when given, else the prompt. */
export function groupKeyOf(sample: { prompt: string; metadata?: Record<string, unknown> | undefined }): GroupKey {
  const group = sample.metadata?.group;
  return typeof group === 'string' || (typeof group === 'number' && Number.isFinite(group)) ? group : sample.prompt;
}

/** The spec each expert is normalised with (undefined: raw scores): the override's, else the expert's own. */
export function resolveNormalizeSpecs(
  experts: readonly Pick<EnsembleExpert, 'name' | 'normalize'>[],
  override: NormalizeOverride | false | undefined,
): (NormalizeSpec | undefined)[] {
  if (override === false) return experts.map(() => undefined);
  if (override === undefined) return experts.map((expert) => expert.normalize);
  if (override === null || typeof override !== 'object') return experts.map(() => parseNormalizeSpec(override, 'normalize'));
  if (typeof (override as NormalizeSpec).mode === 'string') {
    const spec = parseNormalizeSpec(override, 'normalize');
    return experts.map(() => spec);
  }
  const byName = override as Readonly<Record<string, NormalizeSpec>>;
  for (const name of Object.keys(byName)) {
    if (!experts.some((expert) => expert.name === name)) {
      throw new InvalidConfigError(`normalize names no expert '${name}' (experts: ${experts.map((e) => e.name).join(', ')})`, {
        data: { path: `normalize/${name}` },
      });
    }
  }
  return experts.map((expert) => (byName[expert.name] !== undefined ? parseNormalizeSpec(byName[expert.name], `normalize/${expert.name}`) : expert.normalize));
}

/** What `normalizeEnsembleResults` reads of an ensemble (an Ensemble is one). */
export interface NormalizeSetup {
  experts: readonly Pick<EnsembleExpert, 'name' | 'weight' | 'normalize'>[];
  aggregate: Aggregation;
  onMissing: MissingPolicy;
  normalizers: NormalizerStore;
}

/**
 * Results of one call with each expert's raw `score` normalised over all of them (per the override, else each
 * expert's `normalize`): every outcome gains `normalized` ({ value, mode, stats }) and `reward` is aggregated again
 * from the normalised values; raw scores, warnings and errors stay. Items without expert outcomes (an image that
 * failed to decode) pass through and count in no statistic. `storePrefix` keys the running statistics (a server
 * keeps them per model name: "<model>/<expert>").
 */
export function normalizeEnsembleResults(
  results: readonly EnsembleItemResult[],
  setup: NormalizeSetup,
  options: { normalize?: NormalizeOverride | false; groups: readonly GroupKey[]; storePrefix?: string },
): EnsembleItemResult[] {
  const specs = resolveNormalizeSpecs(setup.experts, options.normalize);
  if (specs.every((spec) => spec === undefined)) return [...results];
  if (options.groups.length !== results.length) throw new RangeError(`${results.length} results but ${options.groups.length} group keys`);
  const normalized = setup.experts.map((expert, k) => {
    const spec = specs[k];
    if (!spec) return undefined;
    const scores = results.map((result) => result.experts[expert.name]?.score ?? null);
    return { spec, result: setup.normalizers.normalize(`${options.storePrefix ?? ''}${expert.name}`, scores, spec, options.groups) };
  });
  return results.map((result, index) => {
    if (Object.keys(result.experts).length === 0) return result;
    const experts: Record<string, ExpertOutcome> = { ...result.experts };
    const outcomes = setup.experts.map((expert, k) => {
      const outcome = result.experts[expert.name];
      const base: RewardItemResult = outcome ?? { score: null, raw: null, warnings: [] };
      const norm = normalized[k];
      if (!norm || !outcome) return { name: expert.name, weight: expert.weight, result: base };
      const value: NormalizedScore = { value: norm.result.values[index]!, mode: norm.spec.mode, stats: norm.result.stats[index]! };
      experts[expert.name] = { ...outcome, normalized: value };
      return { name: expert.name, weight: expert.weight, result: { ...base, score: value.value } };
    });
    const aggregated = aggregateOutcomes(outcomes, setup.aggregate, setup.onMissing);
    return { ...result, experts, reward: aggregated.reward };
  });
}

class RewardEnsemble implements Ensemble {
  readonly specificationVersion = 'v1' as const;
  readonly kind = 'ensemble' as const;
  readonly version = VERSION;
  readonly modelId: string;
  readonly experts: readonly EnsembleExpert[];
  readonly aggregate: Aggregation;
  readonly onMissing: MissingPolicy;
  readonly normalizers: NormalizerStore;
  readonly #image: ImageLoadOptions;
  readonly #batchSize: number;
  readonly #resolveSpec: ((sample: RewardSample) => PromptSpec | undefined) | undefined;
  readonly #options: EnsembleOptions;
  #disposed = false;

  constructor(options: EnsembleOptions) {
    this.#options = options;
    const aggregate = options.aggregate ?? 'mean';
    const onMissing = options.onMissing ?? 'skip';
    if (!AGGREGATIONS.includes(aggregate)) {
      throw new InvalidConfigError(`aggregate must be one of ${AGGREGATIONS.join(', ')}, got '${String(aggregate)}'`, { data: { path: 'aggregate' } });
    }
    if (!MISSING_POLICIES.includes(onMissing)) {
      throw new InvalidConfigError(`onMissing must be one of ${MISSING_POLICIES.join(', ')}, got '${String(onMissing)}'`, { data: { path: 'onMissing' } });
    }
    const batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidConfigError(`batchSize must be a positive integer, got ${String(batchSize)}`, { data: { path: 'batchSize' } });
    }
    if (!Array.isArray(options.experts) || options.experts.length === 0) {
      throw new InvalidConfigError('an ensemble needs at least one expert', { data: { path: 'experts' } });
    }
    this.experts = Object.freeze(nameExperts(options.experts));
    this.aggregate = aggregate;
    this.onMissing = onMissing;
    this.normalizers = options.normalizers ?? new NormalizerStore();
    this.#image = options.image ?? {};
    this.#batchSize = batchSize;
    this.#resolveSpec = options.resolveSpec === false ? undefined : (options.resolveSpec ?? parseSpecOf);
    const parts = this.experts.map(
      (expert) =>
        `${expert.name}=${expert.model.modelId}${aggregate === 'mean' ? '' : `*${expert.weight}`}${expert.normalize && expert.normalize.mode !== 'none' ? `~${expert.normalize.mode}` : ''}`,
    );
    this.modelId = `ensemble/${aggregate}/${onMissing}(${parts.join(',')})`;
  }

  /** The same ensemble (every option kept) with each expert's model wrapped in its middleware. */
  [WRAP_EXPERTS](middlewareFor: ExpertMiddlewareFor): Ensemble {
    return new RewardEnsemble({
      ...this.#options,
      normalizers: this.normalizers,
      experts: this.experts.map((expert) => {
        const middleware = middlewareFor(expert);
        return {
          name: expert.name,
          weight: expert.weight,
          ...(expert.normalize ? { normalize: expert.normalize } : {}),
          ...(expert.placement ? { placement: expert.placement } : {}),
          model: middleware ? wrapRewardModel(expert.model, middleware) : expert.model,
        };
      }),
    });
  }

  #assertUsable(): void {
    if (this.#disposed) throw new ModelDisposedError('the ensemble was disposed');
  }

  /** Asks the spec source (if any) for the specs the samples lack, once per distinct prompt and category. */
  async #fromSpecSource(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<{ samples: RewardSample[]; warnings: string[][] }> {
    const warnings = samples.map((): string[] => []);
    const source = this.#options.specSource;
    if (!source) return { samples: [...samples], warnings };
    const categoryOf = (sample: RewardSample): string | undefined =>
      typeof sample.metadata?.['category'] === 'string' ? (sample.metadata['category'] as string) : undefined;
    const pending = new Map<string, Promise<SpecResolution>>();
    const resolved = samples.map((sample) => {
      if (sample.spec) return undefined;
      const category = categoryOf(sample);
      const key = `${category ?? ''}\u0000${sample.prompt}`;
      let answer = pending.get(key);
      if (!answer) {
        answer = source.resolve(sample.prompt, { ...(category !== undefined ? { category } : {}), ...(signal ? { signal } : {}) });
        pending.set(key, answer);
      }
      return answer;
    });
    const answers = await Promise.all(resolved);
    return {
      samples: samples.map((sample, index) => {
        const answer = answers[index];
        if (!answer) return sample;
        warnings[index]!.push(...answer.warnings);
        return { ...sample, spec: answer.spec };
      }),
      warnings,
    };
  }

  /** Resolves the specs the samples still lack (`resolveSpec`); a prompt that cannot be parsed adds to its `warnings`. */
  #withSpecs(samples: readonly RewardSample[], warnings: readonly string[][]): RewardSample[] {
    if (!this.#resolveSpec) return [...samples];
    const resolve = this.#resolveSpec;
    const withSpecs = samples.map((sample, index) => {
      if (sample.spec) return sample;
      try {
        const spec = resolve(sample);
        return spec ? { ...sample, spec } : sample;
      } catch (error) {
        warnings[index]!.push(`prompt could not be parsed: ${(error as Error).message}`);
        return sample;
      }
    });
    return withSpecs;
  }

  /** Every expert's raw results for `samples` (specs resolved once), before normalisation and aggregation. */
  async #scoreRaw(
    samples: readonly RewardSample[],
    signal: AbortSignal | undefined,
  ): Promise<{ samples: RewardSample[]; warnings: string[][]; perExpert: RewardItemResult[][] }> {
    // Each item's warnings: the spec source's first, then the rule parser's.
    const { samples: sourced, warnings } = await this.#fromSpecSource(samples, signal);
    const prepared = this.#withSpecs(sourced, warnings);
    const perExpert = await Promise.all(this.experts.map((expert) => runExpert(expert, prepared, signal)));
    throwIfAborted(signal);
    return { samples: prepared, warnings, perExpert };
  }

  /** Aggregates each item's raw outcomes, then normalises each expert over the whole call and aggregates again. */
  #finish(raw: RawScored, override: NormalizeOverride | false | undefined): EnsembleItemResult[] {
    const { samples: prepared, warnings: specWarnings, perExpert } = raw;
    const results = prepared.map((sample, index): EnsembleItemResult => {
      const experts: Record<string, ExpertOutcome> = {};
      const warnings = [...specWarnings[index]!];
      const outcomes = this.experts.map((expert, expertIndex) => {
        const result = perExpert[expertIndex]![index]!;
        experts[expert.name] = { ...result, kind: expert.model.kind, modelId: expert.model.modelId, weight: expert.weight };
        for (const warning of result.warnings) warnings.push(`${expert.name}: ${warning}`);
        if (result.error) warnings.push(`${expert.name} failed: ${result.error.message}`);
        return { name: expert.name, weight: expert.weight, result };
      });
      const aggregated = aggregateOutcomes(outcomes, this.aggregate, this.onMissing);
      warnings.push(...aggregated.warnings);
      const { image } = sample;
      return {
        reward: aggregated.reward,
        experts,
        warnings,
        ...(aggregated.error ? { error: aggregated.error } : {}),
        image: { hash: image.hash, width: image.width, height: image.height, ...(image.source ? { source: image.source } : {}) },
      };
    });
    return normalizeEnsembleResults(results, this, { ...(override !== undefined ? { normalize: override } : {}), groups: prepared.map(groupKeyOf) });
  }

  async scoreSamples(samples: readonly RewardSample[], options: RewardCallOptions & EnsembleNormalizeOptions = {}): Promise<EnsembleItemResult[]> {
    this.#assertUsable();
    throwIfAborted(options.signal);
    if (samples.length === 0) return [];
    resolveNormalizeSpecs(this.experts, options.normalize); // a bad override fails before any expert runs
    return this.#finish(await this.#scoreRaw(samples, options.signal), options.normalize);
  }

  async score(inputs: readonly ScoreInput[], options: EnsembleScoreOptions = {}): Promise<EnsembleItemResult[]> {
    this.#assertUsable();
    const { signal, onProgress } = options;
    throwIfAborted(signal);
    resolveNormalizeSpecs(this.experts, options.normalize); // a bad override fails before any image is decoded
    const results = new Array<EnsembleItemResult>(inputs.length);
    const pending: RawScored & { at: number[] } = { samples: [], warnings: [], perExpert: this.experts.map(() => []), at: [] };
    let done = 0;
    for (let start = 0; start < inputs.length; start += this.#batchSize) {
      throwIfAborted(signal);
      const chunk = inputs.slice(start, start + this.#batchSize);
      const images = await loadImages(
        chunk.map((input) => input.image),
        signal ? { ...this.#image, signal } : this.#image,
      );
      const decoded: { index: number; sample: RewardSample }[] = [];
      const chunkResults = chunk.map((input, index): EnsembleItemResult | undefined => {
        const image = images[index]!;
        if (T2IRewardError.isInstance(image)) {
          return { reward: null, experts: {}, warnings: [], error: image };
        }
        if (typeof input.prompt !== 'string') {
          return { reward: null, experts: {}, warnings: [], error: new UnsupportedInputError(`item ${start + index}: prompt must be a string`) };
        }
        decoded.push({ index, sample: toSample(input, image) });
        return undefined;
      });
      if (decoded.length > 0) {
        const scored = await this.#scoreRaw(
          decoded.map((entry) => entry.sample),
          signal,
        );
        // Kept until the whole call is scored (batch and group statistics span every chunk): without the pixels.
        scored.samples.forEach((sample, position) => {
          pending.samples.push(lightSample(sample));
          pending.warnings.push(scored.warnings[position]!);
          pending.at.push(start + decoded[position]!.index);
        });
        this.experts.forEach((_, k) => pending.perExpert[k]!.push(...scored.perExpert[k]!));
      }
      chunkResults.forEach((result, index) => {
        if (result) results[start + index] = result;
      });
      done += chunk.length;
      onProgress?.(done, inputs.length);
    }
    if (pending.samples.length > 0) {
      const finished = this.#finish(pending, options.normalize);
      finished.forEach((result, position) => {
        results[pending.at[position]!] = result;
      });
    }
    return results;
  }

  async doScore(samples: readonly RewardSample[], options: RewardCallOptions = {}): Promise<RewardItemResult[]> {
    const results = await this.scoreSamples(samples, options);
    return results.map((result) => ({
      score: result.reward,
      raw: result.reward,
      details: { experts: Object.fromEntries(Object.entries(result.experts).map(([name, outcome]) => [name, outcomeToJson(outcome)])) },
      warnings: result.warnings,
      ...(result.error ? { error: result.error } : {}),
    }));
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const settled = await Promise.allSettled(this.experts.map((expert) => expert.model.dispose()));
    const failed = settled.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected');
    if (failed) throw toRewardError(failed.reason, 'disposing an expert failed');
  }
}

/** What aggregation reads of a sample: its prompt, metadata and image identity (not its pixels). */
interface LightSample {
  prompt: string;
  metadata?: Record<string, unknown>;
  image: { hash: string; width: number; height: number; source?: string };
}

interface RawScored {
  samples: LightSample[];
  warnings: string[][];
  perExpert: RewardItemResult[][];
}

function lightSample(sample: RewardSample): LightSample {
  const { image } = sample;
  return {
    prompt: sample.prompt,
    ...(sample.metadata ? { metadata: sample.metadata } : {}),
    image: { hash: image.hash, width: image.width, height: image.height, ...(image.source ? { source: image.source } : {}) },
  };
}

function toSample(input: ScoreInput, image: RgbImage): RewardSample {
  return {
    image,
    prompt: input.prompt,
    ...(input.spec ? { spec: input.spec } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  };
}

/** An expert outcome as plain JSON (errors as `{name, code, message}`), for reports and HTTP answers. */
export function outcomeToJson(outcome: ExpertOutcome): Record<string, unknown> {
  return {
    kind: outcome.kind,
    modelId: outcome.modelId,
    weight: outcome.weight,
    score: outcome.score,
    raw: outcome.raw,
    ...(outcome.normalized ? { normalized: outcome.normalized } : {}),
    ...(outcome.details ? { details: outcome.details } : {}),
    warnings: outcome.warnings,
    ...(outcome.error ? { error: outcome.error.toJSON() } : {}),
  };
}

/** An ensemble result as plain JSON. */
export function ensembleResultToJson(result: EnsembleItemResult): Record<string, unknown> {
  return {
    reward: result.reward,
    experts: Object.fromEntries(Object.entries(result.experts).map(([name, outcome]) => [name, outcomeToJson(outcome)])),
    warnings: result.warnings,
    ...(result.error ? { error: result.error.toJSON() } : {}),
    ...(result.image ? { image: result.image } : {}),
  };
}

/**
 * Builds an ensemble. Throws UnsupportedModelVersionError for a model of an unknown specification version and
 * InvalidConfigError for bad weights, names or policies.
 */
export function createEnsemble(options: EnsembleOptions): Ensemble {
  return new RewardEnsemble(options);
}
