/**
 * Per-expert reward normalisers: one table, applied to each expert's scores *before* the ensemble aggregates them
 * (and by the trainer's GDPO mode, and by the server per request or per model). See docs/combining-rewards.md.
 *
 * Definitions (the numpy port in scripts/normalize-golden.py is written from these lines, not from this code):
 * - a value that is null, undefined, NaN or ±Infinity is *missing*: its output is null and it never enters a
 *   statistic (count, mean, variance, rank).
 * - `none`: x.
 * - `batch-z`: (x − mean) / (std + ε) over the call's valid values.
 * - `group-z`: the same within the item's group (prompt, or `metadata.group`).
 * - `running-z`: the same with statistics that persist across calls (and checkpoints / restarts: `toJSON`). The
 *   call's valid values update the statistics first, in order, then every item of the call is normalised with the
 *   updated statistics (as Flow-GRPO's per-prompt tracker extends its history before computing). Welford:
 *   n += 1; δ = x − mean; mean += δ / n; M2 += δ (x − mean); variance M2 / n (population) or M2 / (n − 1) (sample).
 *   EMA (rate α): the first value sets mean = x, variance = 0; then δ = x − mean; mean += α δ;
 *   variance = (1 − α)(variance + α δ²). Per expert, or per expert and prompt with `perPrompt`.
 * - `rank`: the average 1-based rank r of x among its group's valid values (ties get the mean of the ranks they
 *   span), scaled to [0, 1] as (r − 1) / (n − 1); a group of one valid value gives 0.5.
 * - `clip: [lo, hi]` (any mode) clamps the result last; with `none` it clamps the raw score.
 * - std: `population` (÷ n, numpy / Flow-GRPO / Flow-Factory; the default) or `sample` (÷ n − 1, torch / TRL). With
 *   too few values (n − 1 ≤ 0 for sample, n = 0 for population) the std is 0, so a lone value normalises to 0.
 * - ε is **1e-4** (T2I-R1, TRL and Flow-GRPO add 1e-4 to the std), added, not a floor: z = (x − mean) / (std + ε).
 */
import { Type, type Static } from '@sinclair/typebox';
import { InvalidConfigError } from '../errors.js';
import { Pair, StringEnum } from '../config/typebox.js';
import { validateWithSchema } from '../validation.js';

export const NORMALIZE_MODES = ['none', 'batch-z', 'group-z', 'running-z', 'rank'] as const;
export type NormalizeMode = (typeof NORMALIZE_MODES)[number];
const NORMALIZE_STDS = ['population', 'sample'] as const;
export type NormalizeStd = (typeof NORMALIZE_STDS)[number];
const RUNNING_STATISTICS = ['welford', 'ema'] as const;
export type RunningStatisticsKind = (typeof RUNNING_STATISTICS)[number];

/** JSON Schema of a `normalize` entry (an expert's in an ensemble config, or a server request's); NormalizeSpec is its type. */
export const normalizeSpecSchema = Type.Object(
  {
    mode: StringEnum(NORMALIZE_MODES),
    /** z modes: added to the std; default 1e-4 (DEFAULT_NORMALIZE_EPSILON). */
    epsilon: Type.Optional(Type.Number({ minimum: 0 })),
    /** z modes (Welford too): default `population`. EMA keeps its own variance and ignores it. */
    std: Type.Optional(StringEnum(NORMALIZE_STDS)),
    /** running-z: default `welford` (every value counts equally); `ema` forgets at rate `decay`. */
    statistics: Type.Optional(StringEnum(RUNNING_STATISTICS)),
    /** running-z with `ema`: the rate α in (0, 1]; default 0.01. */
    decay: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** running-z: one set of statistics per prompt (group key) instead of one per expert. */
    perPrompt: Type.Optional(Type.Boolean()),
    /** Clamp the result to [lo, hi] last. */
    clip: Type.Optional(Pair(Type.Number())),
  },
  { additionalProperties: false },
);

export type NormalizeSpec = Static<typeof normalizeSpecSchema>;

export const DEFAULT_NORMALIZE_EPSILON = 1e-4;
export const DEFAULT_EMA_DECAY = 0.01;

/** The statistics one item was normalised with (reported in each expert outcome's `normalized.stats`). */
export interface NormalizeStats {
  /** Valid values the statistics were computed over (running-z: seen so far for that key). */
  count: number;
  mean?: number;
  std?: number;
  /** `rank`: the average 1-based rank of the item within its group. */
  rank?: number;
  /** running-z: the statistics key (`*`, or the prompt with `perPrompt`). */
  key?: string;
}

export interface NormalizeResult {
  /** Per item; null where the input was missing. */
  values: (number | null)[];
  /** Per item; null where the input was missing. */
  stats: (NormalizeStats | null)[];
}

export type MaybeScore = number | null | undefined;
export type GroupKey = string | number;

export function isValidScore(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Validates a spec (or a bare mode name, `"group-z"`); InvalidConfigError names the bad key. */
export function parseNormalizeSpec(value: unknown, path = 'normalize'): NormalizeSpec {
  const spec = typeof value === 'string' ? { mode: value } : value;
  const parsed = validateWithSchema<NormalizeSpec>(normalizeSpecSchema, spec, path, { pathPrefix: path });
  if (parsed.clip && !(parsed.clip[0] <= parsed.clip[1])) {
    throw new InvalidConfigError(`${path}/clip must be [lo, hi] with lo ≤ hi, got [${parsed.clip.join(', ')}]`, { data: { path: `${path}/clip` } });
  }
  return parsed;
}

function meanStd(values: readonly number[], estimator: NormalizeStd): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const dof = estimator === 'sample' ? n - 1 : n;
  if (dof <= 0) return { mean, std: 0 };
  const squares = values.reduce((acc, v) => acc + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(squares / dof) };
}

/** Average 1-based ranks of `values` (ties share the mean of the ranks they span). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end += 1;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k += 1) ranks[order[k]!.index] = rank;
    start = end + 1;
  }
  return ranks;
}

interface WelfordEntry {
  count: number;
  mean: number;
  m2: number;
}
interface EmaEntry {
  count: number;
  mean: number;
  variance: number;
}

/** The serialisable state of one RunningStatistics (JSON numbers round-trip doubles exactly). */
export interface RunningStatisticsState {
  statistics: RunningStatisticsKind;
  decay?: number;
  keys: Record<string, WelfordEntry | EmaEntry>;
}

/** Running mean / variance per key (Welford or EMA), persisting across calls; `toJSON` / `fromJSON` for checkpoints. */
export class RunningStatistics {
  readonly statistics: RunningStatisticsKind;
  readonly decay: number;
  readonly #keys = new Map<string, WelfordEntry | EmaEntry>();

  constructor(statistics: RunningStatisticsKind = 'welford', decay: number = DEFAULT_EMA_DECAY) {
    if (statistics !== 'welford' && statistics !== 'ema') throw new InvalidConfigError(`statistics must be 'welford' or 'ema', got ${String(statistics)}`);
    if (!(decay > 0 && decay <= 1)) throw new InvalidConfigError(`decay must be in (0, 1], got ${String(decay)}`);
    this.statistics = statistics;
    this.decay = decay;
  }

  update(key: string, value: number): void {
    if (!isValidScore(value)) return;
    const entry = this.#keys.get(key);
    if (this.statistics === 'welford') {
      const e = (entry as WelfordEntry | undefined) ?? { count: 0, mean: 0, m2: 0 };
      e.count += 1;
      const delta = value - e.mean;
      e.mean += delta / e.count;
      e.m2 += delta * (value - e.mean);
      this.#keys.set(key, e);
      return;
    }
    if (!entry) {
      this.#keys.set(key, { count: 1, mean: value, variance: 0 });
      return;
    }
    const e = entry as EmaEntry;
    const delta = value - e.mean;
    e.mean += this.decay * delta;
    e.variance = (1 - this.decay) * (e.variance + this.decay * delta * delta);
    e.count += 1;
  }

  /** Mean and std of `key` (count 0, mean NaN when never seen). */
  get(key: string, estimator: NormalizeStd = 'population'): { count: number; mean: number; std: number } {
    const entry = this.#keys.get(key);
    if (!entry) return { count: 0, mean: Number.NaN, std: 0 };
    if ('variance' in entry) return { count: entry.count, mean: entry.mean, std: Math.sqrt(Math.max(0, entry.variance)) };
    const dof = estimator === 'sample' ? entry.count - 1 : entry.count;
    return { count: entry.count, mean: entry.mean, std: dof > 0 ? Math.sqrt(Math.max(0, entry.m2 / dof)) : 0 };
  }

  keys(): string[] {
    return [...this.#keys.keys()];
  }

  toJSON(): RunningStatisticsState {
    return {
      statistics: this.statistics,
      ...(this.statistics === 'ema' ? { decay: this.decay } : {}),
      keys: Object.fromEntries([...this.#keys].map(([key, entry]) => [key, { ...entry }])),
    };
  }

  static fromJSON(state: RunningStatisticsState): RunningStatistics {
    if (!state || typeof state !== 'object' || typeof state.keys !== 'object' || state.keys === null) {
      throw new InvalidConfigError('not a RunningStatistics state ({ statistics, keys })');
    }
    const running = new RunningStatistics(state.statistics, state.decay ?? DEFAULT_EMA_DECAY);
    for (const [key, entry] of Object.entries(state.keys)) {
      const numbers = Object.values(entry as unknown as Record<string, unknown>);
      if (!numbers.every((n) => typeof n === 'number' && !Number.isNaN(n))) throw new InvalidConfigError(`running statistics '${key}' hold a non-number`);
      const valid = state.statistics === 'welford' ? 'm2' in entry : 'variance' in entry;
      if (!valid) throw new InvalidConfigError(`running statistics '${key}' do not match '${state.statistics}'`);
      running.#keys.set(key, { ...entry });
    }
    return running;
  }
}

export interface NormalizeCallOptions {
  /** One key per value (the prompt); default: all one group. Used by group-z, rank and running-z with perPrompt. */
  groups?: readonly GroupKey[];
  /** running-z: the statistics to read and update (required for running-z). */
  running?: RunningStatistics;
}

type Normalizer = (values: readonly MaybeScore[], spec: NormalizeSpec, options: NormalizeCallOptions) => NormalizeResult;

function empty(n: number): NormalizeResult {
  return { values: new Array<number | null>(n).fill(null), stats: new Array<NormalizeStats | null>(n).fill(null) };
}

/** Indices of each group's valid values, in first-seen order. */
function validGroups(values: readonly MaybeScore[], groups: readonly GroupKey[] | undefined): number[][] {
  if (groups && groups.length !== values.length) throw new RangeError(`${values.length} values but ${groups.length} group keys`);
  const byKey = new Map<GroupKey, number[]>();
  values.forEach((value, index) => {
    if (!isValidScore(value)) return;
    const key = groups ? groups[index]! : 0;
    const members = byKey.get(key);
    if (members) members.push(index);
    else byKey.set(key, [index]);
  });
  return [...byKey.values()];
}

function zOf(values: readonly MaybeScore[], members: readonly number[], spec: NormalizeSpec, out: NormalizeResult): void {
  const epsilon = spec.epsilon ?? DEFAULT_NORMALIZE_EPSILON;
  const { mean, std } = meanStd(
    members.map((i) => values[i] as number),
    spec.std ?? 'population',
  );
  for (const i of members) {
    out.values[i] = ((values[i] as number) - mean) / (std + epsilon);
    out.stats[i] = { count: members.length, mean, std };
  }
}

/** The table: one normaliser per mode ("tables, not switches"). */
export const NORMALIZERS: Readonly<Record<NormalizeMode, { description: string; stateful: boolean; apply: Normalizer }>> = Object.freeze({
  none: {
    description: 'the raw score',
    stateful: false,
    apply: (values) => {
      const out = empty(values.length);
      values.forEach((value, i) => {
        if (isValidScore(value)) {
          out.values[i] = value;
          out.stats[i] = { count: 1 };
        }
      });
      return out;
    },
  },
  'batch-z': {
    description: 'z-score over the call (batch)',
    stateful: false,
    apply: (values, spec) => {
      const out = empty(values.length);
      zOf(values, validGroups(values, undefined)[0] ?? [], spec, out);
      return out;
    },
  },
  'group-z': {
    description: 'z-score within each prompt group (GRPO / GDPO per expert)',
    stateful: false,
    apply: (values, spec, options) => {
      const out = empty(values.length);
      for (const members of validGroups(values, options.groups)) zOf(values, members, spec, out);
      return out;
    },
  },
  'running-z': {
    description: 'z-score with running (Welford or EMA) statistics that persist across calls',
    stateful: true,
    apply: (values, spec, options) => {
      const running = options.running;
      if (!running) throw new InvalidConfigError('running-z needs running statistics (NormalizerStore)');
      if (options.groups && options.groups.length !== values.length) throw new RangeError(`${values.length} values but ${options.groups.length} group keys`);
      const keyOf = (i: number) => (spec.perPrompt && options.groups ? `p:${String(options.groups[i])}` : '*');
      values.forEach((value, i) => {
        if (isValidScore(value)) running.update(keyOf(i), value);
      });
      const epsilon = spec.epsilon ?? DEFAULT_NORMALIZE_EPSILON;
      const out = empty(values.length);
      values.forEach((value, i) => {
        if (!isValidScore(value)) return;
        const key = keyOf(i);
        const { count, mean, std } = running.get(key, spec.std ?? 'population');
        out.values[i] = (value - mean) / (std + epsilon);
        out.stats[i] = { count, mean, std, key };
      });
      return out;
    },
  },
  rank: {
    description: 'average rank within each prompt group, ties averaged, scaled to [0, 1]',
    stateful: false,
    apply: (values, _spec, options) => {
      const out = empty(values.length);
      for (const members of validGroups(values, options.groups)) {
        const ranks = averageRanks(members.map((i) => values[i] as number));
        const n = members.length;
        members.forEach((i, k) => {
          out.values[i] = n === 1 ? 0.5 : (ranks[k]! - 1) / (n - 1);
          out.stats[i] = { count: n, rank: ranks[k]! };
        });
      }
      return out;
    },
  },
});

/** Normalises one expert's scores of one call per `spec` (see the module comment for the definitions). */
export function normalizeScores(values: readonly MaybeScore[], spec: NormalizeSpec, options: NormalizeCallOptions = {}): NormalizeResult {
  const entry = NORMALIZERS[spec.mode];
  if (!entry) throw new InvalidConfigError(`normalize mode must be one of ${NORMALIZE_MODES.join(', ')}, got '${String(spec.mode)}'`);
  const out = entry.apply(values, spec, options);
  if (spec.clip) {
    const [lo, hi] = spec.clip;
    out.values = out.values.map((v) => (v === null ? null : Math.min(hi, Math.max(lo, v))));
  }
  return out;
}

/** Serialisable state of a NormalizerStore: running statistics by store key (`<expert>` or `<expert>#ema:<α>`). */
export interface NormalizerState {
  format: 't2i-reward-normalizers';
  version: 1;
  running: Record<string, RunningStatisticsState>;
}

/**
 * The running statistics of every expert (and of every model, in a server), keyed by expert name and statistics
 * kind: switching an expert from Welford to EMA starts fresh statistics instead of mixing them.
 */
export class NormalizerStore {
  readonly #running = new Map<string, RunningStatistics>();

  static key(name: string, spec: NormalizeSpec): string {
    const statistics = spec.statistics ?? 'welford';
    return statistics === 'welford' ? name : `${name}#ema:${spec.decay ?? DEFAULT_EMA_DECAY}`;
  }

  /** The statistics for `name` under `spec` (created on first use). */
  running(name: string, spec: NormalizeSpec): RunningStatistics {
    const key = NormalizerStore.key(name, spec);
    let running = this.#running.get(key);
    if (!running) {
      running = new RunningStatistics(spec.statistics ?? 'welford', spec.decay ?? DEFAULT_EMA_DECAY);
      this.#running.set(key, running);
    }
    return running;
  }

  /** Normalises `values` as expert `name`, reading and updating its running statistics when the mode needs them. */
  normalize(name: string, values: readonly MaybeScore[], spec: NormalizeSpec, groups?: readonly GroupKey[]): NormalizeResult {
    const running = NORMALIZERS[spec.mode]?.stateful ? this.running(name, spec) : undefined;
    return normalizeScores(values, spec, { ...(groups ? { groups } : {}), ...(running ? { running } : {}) });
  }

  /** Per store key: the statistics kind and, per statistics key, count / mean / std (for /metrics and reports). */
  summary(estimator: NormalizeStd = 'population'): Record<string, Record<string, { count: number; mean: number; std: number }>> {
    return Object.fromEntries(
      [...this.#running].map(([storeKey, running]) => [storeKey, Object.fromEntries(running.keys().map((key) => [key, running.get(key, estimator)]))]),
    );
  }

  get size(): number {
    return this.#running.size;
  }

  clear(): void {
    this.#running.clear();
  }

  toJSON(): NormalizerState {
    return { format: 't2i-reward-normalizers', version: 1, running: Object.fromEntries([...this.#running].map(([key, r]) => [key, r.toJSON()])) };
  }

  /** Replaces this store's statistics with `state`'s. */
  restore(state: NormalizerState): void {
    if (!state || state.format !== 't2i-reward-normalizers' || state.version !== 1 || typeof state.running !== 'object') {
      throw new InvalidConfigError('not a normalizer state (format t2i-reward-normalizers, version 1)');
    }
    const restored = Object.entries(state.running).map(([key, value]) => [key, RunningStatistics.fromJSON(value)] as const);
    this.#running.clear();
    for (const [key, running] of restored) this.#running.set(key, running);
  }

  static fromJSON(state: NormalizerState): NormalizerStore {
    const store = new NormalizerStore();
    store.restore(state);
    return store;
  }
}
