import type { ExpertPlugin } from '@t2i-reward/core';
import { vqaRewardOptionsSchema, type VqaRewardOptions } from './options.js';
import { createVqaReward } from './vqa-reward.js';
import { explain } from './explain.js';
import { REMOTE_BACKENDS, YES_NO_BACKEND_TYPES, backendFromConfig, expertEntrySchema } from '@t2i-reward/yes-no';

/** Lets `t2ir score --config FILE` build the VQA expert from `{ "kind": "vqa", "backend": {...}, "options": {...} }`. */
export const expertPlugin: ExpertPlugin = {
  kind: 'vqa',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['objects', 'attributes'],
  description:
    'VQA: mean (or product) over attribute-noun questions of P(yes)/(P(yes)+P(no)) from first-token logits; variant vqascore: P(yes) to one question about the whole prompt (VQAScore)',
  backends: [...YES_NO_BACKEND_TYPES],
  remoteBackends: REMOTE_BACKENDS,
  configSchema: expertEntrySchema('vqa', vqaRewardOptionsSchema),
  explain,
  create(config, context) {
    return createVqaReward({ ...(config.options ?? {}), backend: backendFromConfig(config, context) } as VqaRewardOptions);
  },
};

export { REMOTE_BACKENDS, backendFromConfig, expertEntrySchema } from '@t2i-reward/yes-no';
