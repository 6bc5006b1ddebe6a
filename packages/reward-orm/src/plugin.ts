import type { ExpertPlugin } from '@t2i-reward/core';
import { REMOTE_BACKENDS, YES_NO_BACKEND_TYPES, backendFromConfig, expertEntrySchema } from '@t2i-reward/yes-no';
import { ormRewardOptionsSchema, type OrmRewardOptions } from './options.js';
import { createOrmReward } from './orm-reward.js';
import { explain } from './explain.js';

/** Lets `t2ir score --config FILE` build the ORM from `{ "kind": "orm", "backend": {...}, "options": {...} }`. */
export const expertPlugin: ExpertPlugin = {
  kind: 'orm',
  // What of a prompt its score checks (t2ir score warns about the parts no expert checks).
  judges: ['objects', 'counts', 'positions', 'attributes', 'overall'],
  description: 'ORM (T2I-R1): P(yes)/(P(yes)+P(no)) of "does this image accurately represent the prompt?" at temperature 0.3',
  backends: [...YES_NO_BACKEND_TYPES],
  remoteBackends: REMOTE_BACKENDS,
  configSchema: expertEntrySchema('orm', ormRewardOptionsSchema),
  explain,
  create(config, context) {
    return createOrmReward({ ...(config.options ?? {}), backend: backendFromConfig(config, context) } as OrmRewardOptions);
  },
};
