import {
  DEFAULT_ENSEMBLE_CONFIG,
  createEnsembleFromConfig,
  loadEnsembleConfig,
  parseEnsembleConfig,
  type BackendPlugin,
  type CreateFromConfigOptions,
  type Ensemble,
  type EnsembleConfig,
  type ExpertConfig,
} from '@t2i-reward/core';
import { createKServeReward, kserveRewardOptionsSchema, type KServeRewardOptions } from './kserve/backend.js';

/**
 * The `kserve` backend for any kind: `{ kind: 'hpm', backend: { type: 'kserve', url | endpoints, model, ... } }`.
 * Core imports it from this package (its `backendPlugins` export) when a config names `backend.type: 'kserve'`.
 */
export const kserveBackendPlugin: BackendPlugin = {
  type: 'kserve',
  description: 'Delegates the expert to a KServe v2 / Triton endpoint (t2ir serve included): images as BYTES, several endpoints, health checks.',
  configSchema: {
    type: 'object',
    properties: {
      kind: { type: 'string' },
      name: { type: 'string' },
      weight: { type: 'number' },
      backend: kserveRewardOptionsSchema,
      options: { type: 'object', maxProperties: 0, description: 'scoring options live on the serving side' },
    },
    required: ['kind', 'backend'],
    additionalProperties: false,
  },
  create(config: ExpertConfig) {
    const { type: _type, ...backend } = config.backend as unknown as KServeRewardOptions & { type: string };
    return createKServeReward({ ...backend, kind: config.kind });
  },
};

/** Shared backend plugins of this package, found by core's config resolver. */
export const backendPlugins: readonly BackendPlugin[] = [kserveBackendPlugin];

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
