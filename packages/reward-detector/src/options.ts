import { InvalidConfigError, type JSONSchema, type RgbImage, validateWithSchema } from '@t2i-reward/core';
import type { DetectorBackend } from './backends/types.js';
import { type ScoringFormula, SCORING_FORMULAS } from './scoring/common.js';

/** CenterNet (COCO-80) on TF.js: the bundled offline default. */
export interface TfjsBackendConfig {
  type: 'tfjs';
  /** 'centernet' (weights from @vladmandic/human, default) or the path of a TF.js graph model.json with CenterNet's outputs. */
  model?: string;
  /** TF.js backend: 'auto' (tfjs-node-gpu when installed, else wasm, else cpu). */
  runtime?: 'auto' | 'tfjs-node-gpu' | 'wasm' | 'cpu';
}

/** Open-vocabulary detectors through @huggingface/transformers (zero-shot object detection). */
export interface TransformersBackendConfig {
  type: 'transformers';
  /** A hub id ("onnx-community/grounding-dino-tiny-ONNX", "Xenova/owlv2-base-patch16-ensemble") or a local folder in the HF layout. */
  model: string;
  /** GroundingDINO's text threshold with the `compbench` / `geneval` formulas (default 0.25); T2I-R1 formulas use phrase scoring and none; OWL-ViT / OWLv2 have none. */
  textThreshold?: number;
  /**
   * GroundingDINO box scoring: 'phrase-mean' (T2I-R1's: a box counts for every phrase whose mean token probability
   * is above the box threshold) or 'best-token' (one label per box, `textThreshold`). Default: 'phrase-mean' with the
   * `t2i-r1` / `t2i-r1-code` formulas, 'best-token' with `compbench` / `geneval`.
   */
  groundingDinoScoring?: 'phrase-mean' | 'best-token';
  /** ONNX weights variant (transformers.js `dtype`), default 'fp32'. */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
  /** Allow downloads from the Hugging Face hub (default false: offline, local folders and the cache only). */
  allowRemoteModels?: boolean;
  /** Download cache folder (transformers.js `env.cacheDir`). */
  cacheDir?: string;
}

export type DetectorBackendConfig = TfjsBackendConfig | TransformersBackendConfig;

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
  /** 't2i-r1-code' only: score exactly as the released T2I-R1 code (reward_gdino.py), quirks included (default false). */
  reproduceBugs?: boolean;
  /** Prompts whose only relations need depth (in front of / behind): 'null' (default) or score existence only. */
  unsupportedRelations?: 'null' | 'existence';
  /** T2I-CompBench confidence threshold (default 0.5, UniDet's). */
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

/** JSON Schema of `backend` ({ type: 'tfjs', ... } | { type: 'transformers', ... }). */
export const detectorBackendSchema: JSONSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['tfjs', 'transformers'] } },
  allOf: [
    {
      if: { properties: { type: { const: 'tfjs' } } },
      then: {
        additionalProperties: false,
        properties: {
          type: { const: 'tfjs' },
          model: { type: 'string', minLength: 1 },
          runtime: { enum: ['auto', 'tfjs-node-gpu', 'wasm', 'cpu'] },
        },
      },
    },
    {
      if: { properties: { type: { const: 'transformers' } } },
      then: {
        additionalProperties: false,
        required: ['type', 'model'],
        properties: {
          type: { const: 'transformers' },
          model: { type: 'string', minLength: 1 },
          textThreshold: unit,
          groundingDinoScoring: { enum: ['phrase-mean', 'best-token'] },
          dtype: { enum: ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'] },
          allowRemoteModels: { type: 'boolean' },
          cacheDir: { type: 'string' },
        },
      },
    },
  ],
};

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
