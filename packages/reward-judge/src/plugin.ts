import { defineExpert, type JSONSchema } from '@t2i-reward/core';
import { judgeBackendSchema, judgeEntryOptionsSchema, type JudgeBackendConfig, type JudgeRewardOptions } from './options.js';
import { createJudgeReward, explainJudge } from './reward.js';

/**
 * Makes `{ kind: 'judge', backend: { type: 'openai', ... } }` work in ensemble config files, `t2ir score`,
 * `bench` and `serve`; `backend.model` is the served model's name (a remote backend: never resolved as a path).
 */
export const expertPlugin = defineExpert({
  kind: 'judge',
  description:
    'VLM judge with a text score: an OpenAI-compatible server answers a scoring prompt (UnifiedReward\'s by default), "Final Score: x" on [1, 5] → [0, 1]',
  backends: { openai: { schema: judgeBackendSchema, placement: 'remote', description: 'an OpenAI-compatible chat server (vLLM, SGLang)' } },
  options: judgeEntryOptionsSchema,
  setupHint: {
    needs: 'a VLM judge behind an OpenAI-compatible server (vLLM / SGLang) that answers with "Final Score: x"',
    example: { backend: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', model: 'CodeGoat24/UnifiedReward-qwen-7b' } },
  },
  explain: explainJudge,
  create(config) {
    return createJudgeReward({ ...config.options, backend: config.backend as unknown as JudgeBackendConfig } as JudgeRewardOptions);
  },
});

/** Schema of a config entry `{ kind: 'judge', name?, weight?, backend: { type: 'openai', baseURL, model, ... }, options? }` (derived). */
export const judgeConfigSchema: JSONSchema = expertPlugin.configSchema!;
