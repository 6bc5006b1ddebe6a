import { Type, type Static } from '@sinclair/typebox';
import { Dictionary, InvalidConfigError, StringEnum, type RgbImage, validateWithSchema } from '@t2i-reward/core';
import { detectorBackendSchema, type DetectorBackendConfig } from './backends/table.js';
import type { DetectorBackend } from './backends/types.js';
import { SCORING_FORMULAS } from './scoring/common.js';

/**
 * Picks the colour of a detected object for GenEval's colour rule: gets the object's crop and the candidate
 * colour names, returns one of them. Any model can back it (a CLIP zero-shot classifier as in GenEval, a VQA
 * model, a histogram heuristic); the detector package ships none.
 *
 * `crop` is GenEval's (see `genevalColorCrop`); `context.className` is the object's class as the prompt names it,
 * which GenEval's CLIP prompts include ("a photo of a red car").
 */
export type ColorClassifier = (crop: RgbImage, candidates: readonly string[], context: { className: string }) => string | Promise<string>;

const unit = () => Type.Number({ minimum: 0, maximum: 1 });

/**
 * JSON Schema of the JSON-configurable options (everything but `colorClassifier` and `detector`); the options
 * type is derived from it.
 */
export const detectorRewardOptionsSchema = Type.Object(
  {
    /** Which detector runs (default `{ type: 'tfjs', model: 'centernet' }`). */
    backend: Type.Optional(Type.Unsafe<DetectorBackendConfig>(detectorBackendSchema)),
    /** Scoring rule (default 't2i-r1', the paper's). */
    formula: Type.Optional(StringEnum(SCORING_FORMULAS)),
    /** Boxes below this score are ignored (default 0.3, T2I-R1's box threshold; see the README for CenterNet). */
    boxThreshold: Type.Optional(unit()),
    /** Class-aware NMS IoU for counting (default 0.5). */
    nmsIou: Type.Optional(unit()),
    /** Same-class duplicate merging above this IoU or containment (default 0.9). */
    duplicateThreshold: Type.Optional(unit()),
    /** Near-relation distance threshold in pixels at 512 px, scaled with the image's longer side (default 150); `compbench`: in its 479 px resized frame, unscaled. */
    nearThresholdPx: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Score exactly as the released code, quirks included (default false): 't2i-r1-code' as reward_gdino.py, 'compbench' 2D spatial as 2D_spatial_eval.py. */
    reproduceBugs: Type.Optional(Type.Boolean()),
    /** Prompts whose only relations need depth (in front of / behind): 'null' (default) or score existence only. */
    unsupportedRelations: Type.Optional(StringEnum(['null', 'existence'])),
    /** T2I-CompBench confidence threshold, boxes strictly above it count (default 0.1: UniDet's in T2I-CompBench's scripts, hard-coded in UnifiedCascadeROIHeads). */
    compbenchMinConfidence: Type.Optional(unit()),
    /** GenEval thresholds and cap (defaults 0.3, 0.9, 16). */
    genevalThreshold: Type.Optional(unit()),
    genevalCountingThreshold: Type.Optional(unit()),
    genevalMaxPerClass: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Penalise extra copies of counted or named objects: score · (1 − copyPenalty)^extra (default 0 = off; see the README). */
    copyPenalty: Type.Optional(unit()),
    /** Extra noun → class synonyms for closed-vocabulary detectors ({ "hatchback": "car" }). */
    synonyms: Type.Optional(Dictionary(Type.String({ minLength: 1 }))),
  },
  { $id: 'https://t2i-reward.dev/schemas/detector-options.json', additionalProperties: false },
);

/** The options of an entry's `options` object: the JSON-configurable options without `backend` (the entry's own key). */
export const detectorEntryOptionsSchema = Type.Omit(detectorRewardOptionsSchema, ['backend']);

export type DetectorRewardOptions = Static<typeof detectorRewardOptionsSchema> & {
  /** GenEval colour rule hook (not JSON-configurable). */
  colorClassifier?: ColorClassifier;
  /** A custom detector instead of `backend` (not JSON-configurable). */
  detector?: DetectorBackend;
};

/** Validates options (throws InvalidConfigError naming the bad key); functions pass through unchecked. */
export function validateDetectorRewardOptions(options: DetectorRewardOptions): DetectorRewardOptions {
  const { colorClassifier, detector, ...json } = options;
  if (colorClassifier !== undefined && typeof colorClassifier !== 'function') {
    throw new InvalidConfigError('invalid detector options: colorClassifier must be a function', { data: { path: 'colorClassifier' } });
  }
  if (detector !== undefined && (typeof detector !== 'object' || detector === null || typeof detector.detect !== 'function')) {
    throw new InvalidConfigError('invalid detector options: detector must implement detect()', { data: { path: 'detector' } });
  }
  validateWithSchema<DetectorRewardOptions>(detectorRewardOptionsSchema, json, 'detector options');
  return options;
}

export { detectorBackendSchema, type DetectorBackendConfig, type TfjsBackendConfig, type TransformersBackendConfig } from './backends/table.js';
