import {
  DEFAULT_ENSEMBLE_CONFIG,
  createEnsembleFromConfig,
  loadEnsembleConfig,
  parseEnsembleConfig,
  type CreateFromConfigOptions,
  type Ensemble,
  type EnsembleConfig,
  type ExpertMiddlewareFor,
  type RewardMiddleware,
} from '@t2i-reward/core';
import { backendPlugins } from '@t2i-reward/kserve';
import { instrumentMiddleware } from './instrument.js';
import type { ServerMetrics } from './metrics.js';

/**
 * What `t2ir serve` runs without --config: the offline default ensemble, the real CenterNet COCO detector on
 * TF.js (weights ship in an npm package, nothing to download).
 */
export const DEFAULT_SERVE_CONFIG: EnsembleConfig = DEFAULT_ENSEMBLE_CONFIG;

/** The server's metrics middleware outermost, then the caller's own middleware for that expert. */
function withInstrumentation(metrics: ServerMetrics, given: CreateFromConfigOptions['middleware']): ExpertMiddlewareFor {
  const instrument = instrumentMiddleware(metrics);
  return (expert) => {
    const own = typeof given === 'function' ? given(expert) : given;
    return [instrument(expert) ?? [], own ?? []].flat() as RewardMiddleware[];
  };
}

/**
 * Loads (or defaults) the ensemble config and builds the ensemble the server will serve. CPU experts (the
 * default CenterNet on TF.js, entries with `execution: 'pool'`) run in core's worker pool, one thread per core
 * (`options.pool` sets the size or shares a pool; `false` keeps them in-process), so the thread that reads
 * requests and answers /healthz never runs a model. The pool ends when the ensemble is disposed. With `metrics`, the
 * experts are built instrumented (the server's metrics middleware, given at build): pass the same metrics to
 * `createRewardServer` with `instrumentExperts: false`.
 */
export async function createServeEnsemble(configFile?: string, options: CreateFromConfigOptions & { metrics?: ServerMetrics } = {}): Promise<Ensemble> {
  const { metrics, ...build } = options;
  const config = configFile ? await loadEnsembleConfig(configFile) : parseEnsembleConfig(DEFAULT_SERVE_CONFIG);
  return createEnsembleFromConfig(config, {
    ...build,
    backends: [...(build.backends ?? []), ...backendPlugins],
    ...(metrics ? { middleware: withInstrumentation(metrics, build.middleware) } : {}),
  });
}
