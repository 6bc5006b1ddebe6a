import { type JSONSchema, validateWithSchema } from '@t2i-reward/core';

export interface AestheticRewardOptions {
  /**
   * The CLIP ViT-L/14 image tower: a local folder in the Hugging Face / transformers.js layout (`config.json`,
   * `preprocessor_config.json`, `onnx/vision_model.onnx`), e.g. the catalog's clip-vit-l14 (`t2ir models pull`).
   */
  model: string;
  /** The head, a safetensors file (default `<model>/aesthetic-head.safetensors`, written by scripts/export_aesthetic_head.py). */
  head?: string;
  /**
   * The CLIP ViT-L/14 folder when `model` holds only the head: a path, or the name of a pulled catalog model
   * (`clip-vit-l14`, found in the model cache by core's resolveModelLocation). Default: `model` itself.
   */
  clip?: string;
}

/** JSON Schema of the options. */
export const aestheticRewardOptionsSchema: JSONSchema = {
  $id: 'https://t2i-reward.dev/schemas/aesthetic-options.json',
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1 },
    head: { type: 'string', minLength: 1 },
    clip: { type: 'string', minLength: 1 },
  },
};

/** Validates options (throws InvalidConfigError naming the bad key). */
export function validateAestheticRewardOptions(options: AestheticRewardOptions): AestheticRewardOptions {
  validateWithSchema<AestheticRewardOptions>(aestheticRewardOptionsSchema, options, 'aesthetic options');
  return options;
}
