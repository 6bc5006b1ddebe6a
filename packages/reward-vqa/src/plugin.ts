import { defineExpert } from '@t2i-reward/core';
import { YES_NO_EXPERT_BACKENDS, backendFromConfig } from '@t2i-reward/yes-no';
import { vqaEntryOptionsSchema, type VqaRewardOptions } from './options.js';
import { createVqaReward } from './vqa-reward.js';
import { explain } from './explain.js';

/** Lets `t2ir score --config FILE` build the VQA expert from `{ "kind": "vqa", "backend": {...}, "options": {...} }`. */
export const expertPlugin = defineExpert({
  kind: 'vqa',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['objects', 'attributes'],
  description:
    'VQA: mean (or product) over attribute-noun questions of P(yes)/(P(yes)+P(no)) from first-token logits; variant vqascore: P(yes) to one question about the whole prompt (VQAScore)',
  backends: YES_NO_EXPERT_BACKENDS,
  options: vqaEntryOptionsSchema,
  setupHint: {
    needs: 'a VQA model: a local transformers.js / ONNX folder or an OpenAI-compatible server (VQAScore: options.variant "vqascore")',
    example: { backend: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', model: 'llava-hf/llava-onevision-qwen2-7b-ov-hf' } },
  },
  explain,
  create(config, context) {
    return createVqaReward({ ...config.options, backend: backendFromConfig(config, context) } as VqaRewardOptions);
  },
});

export { REMOTE_BACKENDS, backendFromConfig, expertEntrySchema } from '@t2i-reward/yes-no';
