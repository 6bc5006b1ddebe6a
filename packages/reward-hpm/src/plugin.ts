import type { RewardModelV1 } from '@t2i-reward/core';
import { createHpmReward } from './create.js';
import { hpmRewardOptionsSchema, type HpmRewardOptions } from './options.js';

/** The slice of core's ExpertConfig this plugin reads. */
export interface HpmExpertConfig {
  kind: string;
  backend?: { type: string; model?: string; [key: string]: unknown };
  options?: Record<string, unknown>;
}

/**
 * Config plugin (kind 'hpm'): `{ "kind": "hpm", "backend": { "type": "transformers", "model": "./models/hps-v2.1" },
 * "options": { "variant": "hps-v2.1" } }`. backend.type and backend.model fill `backend` / `model`; relative
 * model paths resolve against the config file's folder.
 */
export const expertPlugin = {
  kind: 'hpm',
  backends: ['transformers', 'onnx'],
  configSchema: hpmRewardOptionsSchema,
  create(config: HpmExpertConfig, context: { configDir?: string } = {}): RewardModelV1 {
    const options = {
      ...(config.options ?? {}),
      ...(config.backend?.type ? { backend: config.backend.type } : {}),
      ...(config.backend?.model ? { model: config.backend.model } : {}),
    } as unknown as HpmRewardOptions;
    return createHpmReward(options, context.configDir ? { baseDir: context.configDir } : {});
  },
};
