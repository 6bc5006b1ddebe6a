import { defineExpert, type JSONSchema } from '@t2i-reward/core';
import { detectorEntryOptionsSchema, type DetectorBackendConfig, type DetectorRewardOptions } from './options.js';
import { createDetectorReward } from './reward.js';
import { DETECTOR_BACKENDS } from './backends/table.js';
import { explain } from './explain.js';
import { mediumNote } from './medium-note.js';

/**
 * Makes `{ kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } }` work in ensemble config files
 * (the offline default); relative model paths resolve against the config file's folder.
 */
export const expertPlugin = defineExpert({
  kind: 'detector',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['objects', 'counts', 'positions'],
  description: 'object existence, count and spatial relations (CenterNet COCO-80 on TF.js; GroundingDINO / OWLv2 via transformers.js)',
  backends: {
    // TF.js (wasm / cpu) computes on the calling thread: run it in core's worker pool by default.
    tfjs: { ...DETECTOR_BACKENDS.tfjs!, placement: 'pool' },
    // transformers.js runs on onnxruntime, which has a thread pool of its own.
    transformers: { ...DETECTOR_BACKENDS.transformers!, placement: 'in-process' },
  },
  options: detectorEntryOptionsSchema,
  // CenterNet scores image by image: one image per pool task lets a free worker take the next image, so a thread
  // slowed by a neighbour does not hold the batch back (bench:pool: 1.88–2.00× one thread, 1.78–1.84× split in two).
  poolChunkSize: 1,
  offline: { note: 'backend tfjs, model centernet (COCO-80 weights ship in @vladmandic/human)', backend: { type: 'tfjs', model: 'centernet' } },
  // Its details in one line, and, given the prompt, why a 0 on a painting or drawing says "not found".
  explain(details, context) {
    const why = explain(details);
    const note = mediumNote(details, context);
    return note ? `${why}${why ? ' — ' : ''}${note}` : why;
  },
  create(config, context) {
    return createDetectorReward(
      { ...(config.options as DetectorRewardOptions), backend: config.backend as DetectorBackendConfig },
      { baseDir: context.configDir },
    );
  },
});

/** Schema of a config entry `{ kind: 'detector', name?, weight?, backend?, options? }` (derived). */
export const detectorConfigSchema: JSONSchema = expertPlugin.configSchema!;
