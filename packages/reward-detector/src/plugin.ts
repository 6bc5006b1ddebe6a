import type { ExpertPlugin, JSONSchema } from '@t2i-reward/core';
import { type DetectorBackendConfig, type DetectorRewardOptions, detectorBackendSchema, detectorRewardOptionsSchema } from './options.js';
import { createDetectorReward } from './reward.js';
import { DETECTOR_BACKEND_TYPES } from './backends/table.js';
import { explain } from './explain.js';

const { backend: _backend, ...optionProperties } = detectorRewardOptionsSchema.properties as Record<string, unknown>;

/** Schema of a config entry `{ kind: 'detector', name?, weight?, backend?, options? }`. */
export const detectorConfigSchema: JSONSchema = {
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { const: 'detector' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: detectorBackendSchema,
    options: { type: 'object', additionalProperties: false, properties: optionProperties },
  },
};

/**
 * Makes `{ kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } }` work in ensemble config files
 * (the offline default); relative model paths resolve against the config file's folder.
 */
export const expertPlugin: ExpertPlugin = {
  kind: 'detector',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['objects', 'counts', 'positions'],
  description: 'object existence, count and spatial relations (CenterNet COCO-80 on TF.js; GroundingDINO / OWLv2 via transformers.js)',
  backends: DETECTOR_BACKEND_TYPES,
  // TF.js (wasm / cpu) computes on the calling thread: run it in core's worker pool by default. transformers.js
  // runs on onnxruntime, which has a thread pool of its own.
  poolBackends: ['tfjs'],
  // CenterNet scores image by image: one image per pool task lets a free worker take the next image, so a thread
  // slowed by a neighbour does not hold the batch back (bench:pool: 1.88–2.00× one thread, 1.78–1.84× split in two).
  poolChunkSize: 1,
  configSchema: detectorConfigSchema,
  explain,
  create(config, context) {
    const options = { ...(config.options ?? {}) } as DetectorRewardOptions;
    return createDetectorReward(
      { ...options, ...(config.backend ? { backend: config.backend as DetectorBackendConfig } : {}) },
      { baseDir: context.configDir },
    );
  },
};
