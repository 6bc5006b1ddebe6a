import type { ExpertPlugin, JSONSchema } from '@t2i-reward/core';
import { judgeBackendSchema, judgeRewardOptionsSchema, type JudgeBackendConfig, type JudgeRewardOptions } from './options.js';
import { createJudgeReward, explainJudge } from './reward.js';

const { backend: _backend, ...optionProperties } = judgeRewardOptionsSchema.properties as Record<string, JSONSchema>;

/** Schema of a config entry `{ kind: 'judge', name?, weight?, backend: { type: 'openai', baseURL, model, ... }, options? }`. */
export const judgeConfigSchema: JSONSchema = {
  type: 'object',
  required: ['kind', 'backend'],
  properties: {
    kind: { const: 'judge' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: judgeBackendSchema,
    options: { type: 'object', additionalProperties: false, properties: optionProperties },
  },
};

/**
 * Makes `{ kind: 'judge', backend: { type: 'openai', ... } }` work in ensemble config files, `t2ir score`,
 * `bench` and `serve`; `backend.model` is the served model's name (never resolved as a path).
 */
export const expertPlugin: ExpertPlugin = {
  kind: 'judge',
  description:
    'VLM judge with a text score: an OpenAI-compatible server answers a scoring prompt (UnifiedReward\'s by default), "Final Score: x" on [1, 5] → [0, 1]',
  backends: ['openai'],
  remoteBackends: ['openai'],
  configSchema: judgeConfigSchema,
  explain: explainJudge,
  create(config) {
    return createJudgeReward({ ...(config.options ?? {}), backend: config.backend as unknown as JudgeBackendConfig } as JudgeRewardOptions);
  },
};
