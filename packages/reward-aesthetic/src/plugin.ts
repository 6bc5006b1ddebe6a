import { type ExpertPlugin, type JSONSchema, isModelPath } from '@t2i-reward/core';
import { createAestheticReward, explainAesthetic } from './reward.js';

/**
 * Schema of a config entry `{ kind: 'aesthetic', backend: { type: 'transformers', model: <CLIP ViT-L/14 folder> },
 * options?: { head? } }`.
 */
export const aestheticConfigSchema: JSONSchema = {
  type: 'object',
  required: ['kind', 'backend'],
  properties: {
    kind: { const: 'aesthetic' },
    name: { type: 'string' },
    weight: { type: 'number' },
    backend: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'model'],
      properties: { type: { const: 'transformers' }, model: { type: 'string', minLength: 1 } },
    },
    options: {
      type: 'object',
      additionalProperties: false,
      properties: { head: { type: 'string', minLength: 1 }, clip: { type: 'string', minLength: 1 } },
    },
  },
};

/**
 * Makes `{ kind: 'aesthetic' }` work in ensemble config files: `backend.model` is the CLIP ViT-L/14 folder (located
 * by core), `options.head` the head file (relative to the config file; default `<model>/aesthetic-head.safetensors`),
 * `options.clip` the CLIP folder or pulled catalog name when `model` holds only the head.
 */
export const expertPlugin: ExpertPlugin = {
  kind: 'aesthetic',
  description: "LAION improved aesthetic predictor (CLIP ViT-L/14 embedding → MLP; DDPO's / Flow-GRPO's aesthetic reward), raw ~1–10",
  backends: ['transformers'],
  configSchema: aestheticConfigSchema,
  // Prompt-independent: the image alone is judged, none of the prompt's objects, attributes or text.
  judges: ['overall'],
  explain: explainAesthetic,
  create(config, context) {
    const options = (config.options ?? {}) as { head?: string; clip?: string };
    return createAestheticReward({
      model: config.backend!.model as string,
      ...(typeof options.head === 'string' ? { head: context.resolvePath(options.head) } : {}),
      // A path resolves against the config file; a name (a pulled catalog model) is left to core's model location.
      ...(typeof options.clip === 'string' ? { clip: isModelPath(options.clip) ? context.resolvePath(options.clip) : options.clip } : {}),
    });
  },
};
