import { defineExpert } from '@t2i-reward/core';
import { YES_NO_EXPERT_BACKENDS, backendFromConfig } from '@t2i-reward/yes-no';
import { ormEntryOptionsSchema, type OrmRewardOptions } from './options.js';
import { createOrmReward } from './orm-reward.js';
import { explain } from './explain.js';

/** Lets `t2ir score --config FILE` build the ORM from `{ "kind": "orm", "backend": {...}, "options": {...} }`. */
export const expertPlugin = defineExpert({
  kind: 'orm',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['objects', 'counts', 'positions', 'attributes', 'overall'],
  description: 'ORM (T2I-R1): P(yes)/(P(yes)+P(no)) of "does this image accurately represent the prompt?" at temperature 0.3',
  backends: YES_NO_EXPERT_BACKENDS,
  options: ormEntryOptionsSchema,
  setupHint: {
    needs: 'the output reward model: an OpenAI-compatible server (vLLM / SGLang) or a local transformers.js folder',
    example: { backend: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', model: 'CaraJ/ORM-T2I-R1' } },
  },
  explain,
  create(config, context) {
    return createOrmReward({ ...config.options, backend: backendFromConfig(config, context) } as OrmRewardOptions);
  },
});
