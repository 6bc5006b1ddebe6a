import { Type, type Static } from '@sinclair/typebox';
import { backendEntry, backendSchema, backendTypes, resolveModelLocation, type BackendTable } from '@t2i-reward/core';
import { DEFAULT_SCORING_OPTIONS } from '../scoring/common.js';
import { CenterNetBackend } from './centernet.js';
import { TransformersDetectorBackend } from './transformers.js';
import type { DetectorBackend } from './types.js';

/** CenterNet (COCO-80) on TF.js: the bundled offline default. */
export const tfjsBackendSchema = Type.Object(
  {
    type: Type.Literal('tfjs'),
    model: Type.Optional(
      Type.String({
        minLength: 1,
        description: "'centernet' (weights from @vladmandic/human, default) or the path of a TF.js graph model.json with CenterNet's outputs",
      }),
    ),
    runtime: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('tfjs-node-gpu'), Type.Literal('wasm'), Type.Literal('cpu')], {
        description: "TF.js backend: 'auto' (tfjs-node-gpu when installed, else wasm, else cpu)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Open-vocabulary detectors through @huggingface/transformers (zero-shot object detection). */
export const transformersBackendSchema = Type.Object(
  {
    type: Type.Literal('transformers'),
    model: Type.String({ minLength: 1, description: 'a hub id ("onnx-community/grounding-dino-tiny-ONNX") or a local folder in the HF layout' }),
    textThreshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          "GroundingDINO's text threshold with the compbench / geneval formulas (default 0.25); T2I-R1 formulas use phrase scoring and none; OWL-ViT / OWLv2 have none",
      }),
    ),
    groundingDinoScoring: Type.Optional(
      Type.Union([Type.Literal('phrase-mean'), Type.Literal('best-token')], {
        description:
          "GroundingDINO box scoring: 'phrase-mean' (T2I-R1's: a box counts for every phrase whose mean token probability is above the box threshold) or 'best-token' (one label per box, textThreshold). Default: phrase-mean with the t2i-r1 / t2i-r1-code formulas, best-token with compbench / geneval",
      }),
    ),
    dtype: Type.Optional(
      Type.Union(
        [
          Type.Literal('fp32'),
          Type.Literal('fp16'),
          Type.Literal('q8'),
          Type.Literal('int8'),
          Type.Literal('uint8'),
          Type.Literal('q4'),
          Type.Literal('bnb4'),
          Type.Literal('q4f16'),
        ],
        { description: "ONNX weights variant (transformers.js `dtype`), default 'fp32'" },
      ),
    ),
    allowRemoteModels: Type.Optional(Type.Boolean({ description: 'allow downloads from the Hugging Face hub (default false)' })),
    cacheDir: Type.Optional(Type.String({ description: 'download cache folder (transformers.js `env.cacheDir`)' })),
  },
  { additionalProperties: false },
);

/** CenterNet on TF.js (types derived from {@link tfjsBackendSchema}). */
export type TfjsBackendConfig = Static<typeof tfjsBackendSchema>;
/** An open-vocabulary detector through transformers.js (types derived from {@link transformersBackendSchema}). */
export type TransformersBackendConfig = Static<typeof transformersBackendSchema>;
export type DetectorBackendConfig = TfjsBackendConfig | TransformersBackendConfig;

/** What a detector backend is built with besides its `backend` object. */
export interface DetectorBackendContext {
  /** The reward's box threshold (open-vocabulary backends drop boxes below it already). */
  boxThreshold?: number;
  /** Closed-vocabulary synonyms ({ "hatchback": "car" }). */
  synonyms?: Record<string, string>;
  /** Folder a relative model path is read against (default: the working directory). */
  baseDir?: string;
  /** The reward's formula: T2I-R1 formulas score GroundingDINO boxes per phrase, as the released reward does. */
  formula?: string;
}

/** The detector's backends, declared once: `plugin.backends`, `detectorBackendSchema` and creation derive from it. */
export const DETECTOR_BACKENDS: BackendTable<DetectorBackendContext, DetectorBackend> = {
  tfjs: backendEntry<TfjsBackendConfig, DetectorBackendContext, DetectorBackend>({
    schema: tfjsBackendSchema,
    isDefault: true,
    description: 'CenterNet COCO-80 on TF.js (offline, bundled)',
    create: (backend, context) =>
      new CenterNetBackend({
        ...(backend.model !== undefined
          ? { model: backend.model === 'centernet' ? 'centernet' : resolveModelLocation(backend.model, context.baseDir).location }
          : {}),
        ...(backend.runtime !== undefined ? { runtime: backend.runtime } : {}),
        ...(context.synonyms ? { synonyms: context.synonyms } : {}),
      }),
  }),
  transformers: backendEntry<TransformersBackendConfig, DetectorBackendContext, DetectorBackend>({
    schema: transformersBackendSchema,
    description: 'GroundingDINO / OWL-ViT / OWLv2 through transformers.js',
    create: (backend, context) =>
      new TransformersDetectorBackend({
        model: backend.model,
        boxThreshold: context.boxThreshold ?? DEFAULT_SCORING_OPTIONS.boxThreshold,
        ...(backend.textThreshold !== undefined ? { textThreshold: backend.textThreshold } : {}),
        groundingDinoScoring:
          backend.groundingDinoScoring ??
          (context.formula === undefined || context.formula === 't2i-r1' || context.formula === 't2i-r1-code' ? 'phrase-mean' : 'best-token'),
        ...(backend.dtype !== undefined ? { dtype: backend.dtype } : {}),
        ...(backend.allowRemoteModels !== undefined ? { allowRemoteModels: backend.allowRemoteModels } : {}),
        ...(backend.cacheDir !== undefined ? { cacheDir: backend.cacheDir } : {}),
        ...(context.baseDir !== undefined ? { baseDir: context.baseDir } : {}),
      }),
  }),
};

/** JSON Schema of `backend` ({ type: 'tfjs', ... } | { type: 'transformers', ... }), from the table. */
export const detectorBackendSchema = backendSchema(DETECTOR_BACKENDS);
/** The backend types, the default first. */
export const DETECTOR_BACKEND_TYPES: readonly string[] = backendTypes(DETECTOR_BACKENDS);
