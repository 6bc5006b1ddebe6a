import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, validateWithSchema } from '@t2i-reward/core';

/** Whose scale `raw` is on: DDPO's (−kB) or Flow-GRPO's (−kB / 500); incompressibility is +kB in both. */
export const COMPRESSIBILITY_REFERENCES = ['ddpo', 'flow-grpo'] as const;
export type CompressibilityReference = (typeof COMPRESSIBILITY_REFERENCES)[number];

/** 'compressibility' rewards small JPEGs (DDPO's jpeg_compressibility), 'incompressibility' large ones. */
export const COMPRESSIBILITY_DIRECTIONS = ['compressibility', 'incompressibility'] as const;
export type CompressibilityDirection = (typeof COMPRESSIBILITY_DIRECTIONS)[number];

/** JSON Schema of the options (all JSON-configurable); CompressibilityRewardOptions is its type. */
export const compressibilityRewardOptionsSchema = Type.Object(
  {
    /** Reward small files ('compressibility', default) or large ones ('incompressibility'). */
    direction: Type.Optional(StringEnum(COMPRESSIBILITY_DIRECTIONS)),
    /** The scale of `raw`: 'ddpo' (default; −kB) or 'flow-grpo' (−kB / 500). Incompressibility is +kB in both. */
    reference: Type.Optional(StringEnum(COMPRESSIBILITY_REFERENCES)),
    /** JPEG quality 1–100 (default 95, as both references). */
    quality: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { $id: 'https://t2i-reward.dev/schemas/compressibility-options.json', additionalProperties: false },
);

export type CompressibilityRewardOptions = Static<typeof compressibilityRewardOptionsSchema>;

/** Validates options (throws InvalidConfigError naming the bad key). */
export function validateCompressibilityRewardOptions(options: CompressibilityRewardOptions): CompressibilityRewardOptions {
  validateWithSchema<CompressibilityRewardOptions>(compressibilityRewardOptionsSchema, options, 'compressibility options');
  return options;
}
