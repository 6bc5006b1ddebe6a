import { Type } from '@sinclair/typebox';
import { defineExpert, isModelPath, type JSONSchema } from '@t2i-reward/core';
import { aestheticRewardOptionsSchema } from './options.js';
import { createAestheticReward, explainAesthetic } from './reward.js';

/**
 * Makes `{ kind: 'aesthetic', backend: { type: 'transformers', model: <CLIP ViT-L/14 folder> }, options?: { head?, clip? } }`
 * work in ensemble config files: `backend.model` is the CLIP ViT-L/14 folder (located by core), `options.head` the
 * head file (relative to the config file; default `<model>/aesthetic-head.safetensors`), `options.clip` the CLIP
 * folder or pulled catalog name when `model` holds only the head.
 */
export const expertPlugin = defineExpert({
  kind: 'aesthetic',
  description: "LAION improved aesthetic predictor (CLIP ViT-L/14 embedding → MLP; DDPO's / Flow-GRPO's aesthetic reward), raw ~1–10",
  backends: { transformers: { model: 'required', description: 'CLIP ViT-L/14 image tower through transformers.js, then the LAION MLP head' } },
  // The reward's options but `model`, which is the entry's `backend.model`.
  options: Type.Omit(aestheticRewardOptionsSchema, ['model']),
  setupHint: {
    needs: 'a CLIP ViT-L/14 folder (t2ir models pull clip-vit-l14) holding the LAION head aesthetic-head.safetensors (t2ir models export laion-aesthetic)',
    example: { backend: { type: 'transformers', model: './models/laion-aesthetic' }, options: { clip: 'clip-vit-l14' } },
  },
  // Prompt-independent: the image alone is judged, none of the prompt's objects, attributes or text.
  judges: ['overall'],
  explain: explainAesthetic,
  create(config, context) {
    const { options } = config;
    return createAestheticReward({
      model: config.backend.model,
      ...(typeof options.head === 'string' ? { head: context.resolvePath(options.head) } : {}),
      // A path resolves against the config file; a name (a pulled catalog model) is left to core's model location.
      ...(typeof options.clip === 'string' ? { clip: isModelPath(options.clip) ? context.resolvePath(options.clip) : options.clip } : {}),
    });
  },
});

/** Schema of a config entry `{ kind: 'aesthetic', backend: { type: 'transformers', model }, options?: { head?, clip? } }` (derived). */
export const aestheticConfigSchema: JSONSchema = expertPlugin.configSchema!;
