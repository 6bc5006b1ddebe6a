import { Type, type Static } from '@sinclair/typebox';
import { validateWithSchema } from '@t2i-reward/core';

/** JSON Schema of the options; AestheticRewardOptions is its type. */
export const aestheticRewardOptionsSchema = Type.Object(
  {
    /**
     * The CLIP ViT-L/14 image tower: a local folder in the Hugging Face / transformers.js layout (`config.json`,
     * `preprocessor_config.json`, `onnx/vision_model.onnx`), e.g. the catalog's clip-vit-l14 (`t2ir models pull`).
     */
    model: Type.String({ minLength: 1 }),
    /** The head, a safetensors file (default `<model>/aesthetic-head.safetensors`, written by scripts/export_aesthetic_head.py). */
    head: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * The CLIP ViT-L/14 folder when `model` holds only the head: a path, or the name of a pulled catalog model
     * (`clip-vit-l14`, found in the model cache by core's resolveModelLocation). Default: `model` itself.
     */
    clip: Type.Optional(Type.String({ minLength: 1 })),
  },
  { $id: 'https://t2i-reward.dev/schemas/aesthetic-options.json', additionalProperties: false },
);

export type AestheticRewardOptions = Static<typeof aestheticRewardOptionsSchema>;

/** Validates options (throws InvalidConfigError naming the bad key). */
export function validateAestheticRewardOptions(options: AestheticRewardOptions): AestheticRewardOptions {
  validateWithSchema<AestheticRewardOptions>(aestheticRewardOptionsSchema, options, 'aesthetic options');
  return options;
}
