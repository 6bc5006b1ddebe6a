import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  groupKeyOf,
  InvalidConfigError,
  normalizeEnsembleResults,
  NormalizerStore,
  resolveNormalizeSpecs,
  type Ensemble,
  type EnsembleItemResult,
  type NormalizeOverride,
  type NormalizerState,
} from '@t2i-reward/core';
import { HttpError } from './http.js';
import type { ServerMetrics } from './metrics.js';

export interface ServerNormalizeOptions {
  /** Default for every request (`t2ir serve --normalize running-z`); a request's own `normalize` replaces it. */
  normalize?: NormalizeOverride;
  /** File the running statistics are read from on start and written to on close (SIGTERM); none: kept in memory only. */
  statePath?: string;
}

/** What a request may say: a spec, a mode name, specs by expert name, or false (raw scores). */
export type RequestNormalize = NormalizeOverride | false;

/**
 * Per-request normalisation for the reward server. The batcher mixes requests in one ensemble call, so experts
 * are scored raw there and normalised here, over each request's items alone (batch-z / group-z / rank span one
 * request; groups are `metadata.group`, else the prompt). running-z statistics persist across requests, per
 * model name and expert ("<model>/<expert>"), in a state file written on close and read on start. Precedence:
 * the request's `normalize`, else the server's, else each expert's configured `normalize`.
 */
export class ServerNormalizer {
  readonly store = new NormalizerStore();
  readonly #ensemble: Pick<Ensemble, 'experts' | 'aggregate' | 'onMissing'>;
  readonly #prefix: string;
  readonly #default: NormalizeOverride | undefined;
  readonly statePath: string | undefined;

  constructor(ensemble: Pick<Ensemble, 'experts' | 'aggregate' | 'onMissing'>, modelName: string, options: ServerNormalizeOptions = {}) {
    this.#ensemble = ensemble;
    this.#prefix = `${modelName}/`;
    if (options.normalize !== undefined) resolveNormalizeSpecs(ensemble.experts, options.normalize); // fails at start, naming the key
    this.#default = options.normalize;
    this.statePath = options.statePath;
  }

  /** Whether any request can be normalised without asking (a server default or a configured expert). */
  get active(): boolean {
    return this.#default !== undefined || this.#ensemble.experts.some((expert) => expert.normalize !== undefined);
  }

  /** A request's `normalize` value checked (400 naming the bad key); undefined when absent. */
  parseRequest(value: unknown): RequestNormalize | undefined {
    if (value === undefined) return undefined;
    if (value === false) return false;
    try {
      resolveNormalizeSpecs(this.#ensemble.experts, value as NormalizeOverride);
    } catch (error) {
      throw new HttpError(400, 'invalid_normalize', (error as Error).message);
    }
    return value as NormalizeOverride;
  }

  /** The request's results normalised (raw scores kept, `normalized` and the re-aggregated `reward` added). */
  apply(
    results: readonly EnsembleItemResult[],
    items: readonly { prompt: string; metadata?: Record<string, unknown> }[],
    requested?: RequestNormalize,
  ): EnsembleItemResult[] {
    const normalize = requested ?? this.#default;
    return normalizeEnsembleResults(
      results,
      { ...this.#ensemble, experts: this.#ensemble.experts, normalizers: this.store },
      { ...(normalize !== undefined ? { normalize } : {}), groups: items.map((item) => groupKeyOf(item)), storePrefix: this.#prefix },
    );
  }

  /** Reads the state file when there is one; false when it does not exist yet. */
  async restore(): Promise<boolean> {
    if (!this.statePath) return false;
    let text: string;
    try {
      text = await readFile(this.statePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new InvalidConfigError(`cannot read normalizer state ${this.statePath}: ${(error as Error).message}`, { cause: error });
    }
    try {
      this.store.restore(JSON.parse(text) as NormalizerState);
    } catch (error) {
      throw new InvalidConfigError(`normalizer state ${this.statePath} is not usable: ${(error as Error).message}`, { cause: error });
    }
    return true;
  }

  /** Writes the state file (temporary file, then rename: a crash never leaves half a file). */
  async save(): Promise<void> {
    if (!this.statePath) return;
    await mkdir(path.dirname(this.statePath), { recursive: true });
    const temporary = `${this.statePath}.tmp-${process.pid}`;
    await writeFile(temporary, `${JSON.stringify(this.store.toJSON())}\n`);
    await rename(temporary, this.statePath);
  }

  /**
   * Gauges read at scrape time: `t2ir_normalizer_{count,mean,std}{model,expert}` for the per-expert statistics and
   * `t2ir_normalizer_keys{model,expert}` (statistics keys: 1, or the number of prompts with `perPrompt`; per-prompt
   * values stay out of the labels so prompts never become label values).
   */
  registerMetrics(metrics: ServerMetrics): void {
    const rows = () =>
      Object.entries(this.store.summary()).map(([storeKey, keys]) => {
        const slash = storeKey.indexOf('/');
        return { labels: { model: storeKey.slice(0, slash), expert: storeKey.slice(slash + 1) }, keys };
      });
    for (const field of ['count', 'mean', 'std'] as const) {
      metrics.addLabelledLiveGauge(`normalizer_${field}`, `running-z statistics of each expert (${field}).`, ['model', 'expert'], () =>
        rows().flatMap((row) => (row.keys['*'] ? [{ labels: row.labels, value: row.keys['*'][field] }] : [])),
      );
    }
    metrics.addLabelledLiveGauge('normalizer_keys', 'running-z statistics keys of each expert (prompts with perPrompt).', ['model', 'expert'], () =>
      rows().map((row) => ({ labels: row.labels, value: Object.keys(row.keys).length })),
    );
  }
}
