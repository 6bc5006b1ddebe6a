import { InvalidConfigError, type JSONSchema, type RgbImage, validateWithSchema } from '@t2i-reward/core';
import { detectorBackendSchema, type DetectorBackendConfig } from './backends/table.js';
import type { DetectorBackend } from './backends/types.js';
import { type ScoringFormula, SCORING_FORMULAS } from './scoring/common.js';

/**
 * Picks the colour of a detected object for GenEval's colour rule: gets the object's crop and the candidate
 * colour names, returns one of them. Any model can back it (a CLIP zero-shot classifier as in GenEval, a VQA
 * model, a histogram heuristic); the detector package ships none.
 *
 * `crop` is GenEval's (see `genevalColorCrop`); `context.className` is the object's class as the prompt names it,
 * which GenEval's CLIP prompts include ("a photo of a red car").
 */
export type ColorClassifier = (crop: RgbImage, candidates: readonly string[], context: { className: string }) => string | Promise<string>;

export interface DetectorRewardOptions {
  /** Which detector runs (default `{ type: 'tfjs', model: 'centernet' }`). */
  backend?: DetectorBackendConfig;
  /** Scoring rule (default 't2i-r1', the paper's). */
  formula?: ScoringFormula;
  /** Boxes below this score are ignored (default 0.3, T2I-R1's box threshold; see the README for CenterNet). */
  boxThreshold?: number;
  /** Class-aware NMS IoU for counting (default 0.5). */
  nmsIou?: number;
  /** Same-class duplicate merging above this IoU or containment (default 0.9). */
  duplicateThreshold?: number;
  /** Near-relation distance threshold in pixels at 512 px, scaled with the image's longer side (default 150); `compbench`: in its 479 px resized frame, unscaled. */
  nearThresholdPx?: number;
  /** Score exactly as the released code, quirks included (default false): 't2i-r1-code' as reward_gdino.py, 'compbench' 2D spatial as 2D_spatial_eval.py. */
  reproduceBugs?: boolean;
  /** Prompts whose only relations need depth (in front of / behind): 'null' (default) or score existence only. */
  unsupportedRelations?: 'null' | 'existence';
  /** T2I-CompBench confidence threshold, boxes strictly above it count (default 0.1: UniDet's in T2I-CompBench's scripts, hard-coded in UnifiedCascadeROIHeads). */
  compbenchMinConfidence?: number;
  /** GenEval thresholds and cap (defaults 0.3, 0.9, 16). */
  genevalThreshold?: number;
  genevalCountingThreshold?: number;
  genevalMaxPerClass?: number;
  /** Penalise extra copies of counted or named objects: score · (1 − copyPenalty)^extra (default 0 = off; see the README). */
  copyPenalty?: number;
  /** Extra noun → class synonyms for closed-vocabulary detectors ({ "hatchback": "car" }). */
  synonyms?: Record<string, string>;
  /** GenEval colour rule hook (not JSON-configurable). */
  colorClassifier?: ColorClassifier;
  /** A custom detector instead of `backend` (not JSON-configurable). */
  detector?: DetectorBackend;
}

const unit = { type: 'number', minimum: 0, maximum: 1 } as const;

/** JSON Schema of the JSON-configurable options (everything but `colorClassifier` and `detector`). */
export const detectorRewardOptionsSchema: JSONSchema = {
  $id: 'https://t2i-reward.dev/schemas/detector-options.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    backend: detectorBackendSchema,
    formula: { enum: [...SCORING_FORMULAS] },
    boxThreshold: unit,
    nmsIou: unit,
    duplicateThreshold: unit,
    nearThresholdPx: { type: 'number', exclusiveMinimum: 0 },
    reproduceBugs: { type: 'boolean' },
    unsupportedRelations: { enum: ['null', 'existence'] },
    compbenchMinConfidence: unit,
    genevalThreshold: unit,
    genevalCountingThreshold: unit,
    genevalMaxPerClass: { type: 'integer', minimum: 1 },
    copyPenalty: unit,
    synonyms: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
  },
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
