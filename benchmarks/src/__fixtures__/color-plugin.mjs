// A custom expert kind for the GenEval colour hook test: prefers prompts that name `options.color`.
import { createMockReward } from '@t2i-reward/core/test';

export const expertPlugin = {
  kind: 'prompt-color',
  backends: ['none'],
  create: (config) =>
    createMockReward({
      kind: 'prompt-color',
      modelId: `prompt-color/${config.options?.color}`,
      score: (s) => (s.prompt.includes(` ${config.options?.color} `) ? 0.9 : 0.1),
    }),
};
