import type { BackendPlugin, ExpertConfig } from '@t2i-reward/core';
import { createKServeReward, kserveRewardOptionsSchema, type KServeRewardOptions } from './backend.js';

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
