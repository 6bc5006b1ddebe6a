import {
  DEFAULT_ENSEMBLE_CONFIG,
  createEnsembleFromConfig,
  loadEnsembleConfig,
  parseEnsembleConfig,
  type CreateFromConfigOptions,
  type Ensemble,
  type EnsembleConfig,
} from '@t2i-reward/core';
import { backendPlugins } from '@t2i-reward/kserve';

/**
 * What `t2ir serve` runs without --config: the offline default ensemble, the real CenterNet COCO detector on
 * TF.js (weights ship in an npm package, nothing to download).
 */
export const DEFAULT_SERVE_CONFIG: EnsembleConfig = DEFAULT_ENSEMBLE_CONFIG;

/**
 * Loads (or defaults) the ensemble config and builds the ensemble the server will serve. CPU experts (the
 * default CenterNet on TF.js, entries with `execution: 'pool'`) run in core's worker pool, one thread per core
 * (`options.pool` sets the size or shares a pool; `false` keeps them in-process), so the thread that reads
 * requests and answers /healthz never runs a model. The pool ends when the ensemble is disposed.
 */
export async function createServeEnsemble(configFile?: string, options: CreateFromConfigOptions = {}): Promise<Ensemble> {
  const config = configFile ? await loadEnsembleConfig(configFile) : parseEnsembleConfig(DEFAULT_SERVE_CONFIG);
  return createEnsembleFromConfig(config, { ...options, backends: [...(options.backends ?? []), ...backendPlugins] });
}
