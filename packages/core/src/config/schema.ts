import { Type, type Static } from '@sinclair/typebox';
import { AGGREGATIONS, MISSING_POLICIES } from '../ensemble/ensemble.js';
import { normalizeSpecSchema } from '../ensemble/normalize.js';
import { specParserConfigSchema, type SpecParserConfig } from '../prompt-spec/llm-parser.js';
import { StringEnum } from './typebox.js';

/*
 * The ensemble config file, written once as TypeBox schemas: the JSON Schema the validator sees and the types
 * (`Static<typeof ...>`) are the same declaration.
 */

/**
 * The named presets (see ENSEMBLE_PRESETS in presets.ts, whose table is typed by this list: a preset missing from
 * the table, or one the list does not name, fails to compile).
 */
export const ENSEMBLE_PRESET_NAMES = ['t2i-r1-reference'] as const;
export type EnsemblePresetName = (typeof ENSEMBLE_PRESET_NAMES)[number];

/** The `backend` of an entry as core sees it; each plugin's own schema checks the rest of its keys. */
export const expertBackendConfigSchema = Type.Object({
  /** e.g. 'tfjs', 'transformers', 'onnx', 'openai', 'kserve'; the plugin lists what it supports. */
  type: Type.String({ minLength: 1 }),
  /** Model name, hub id, or path (a path starting with ./ or ../ is resolved against the config file). */
  model: Type.Optional(Type.String({ minLength: 1 })),
});

/** Which runtime an expert runs on, plus backend-specific keys (endpoint, device, dtype...), left open here. */
export type ExpertBackendConfig = Static<typeof expertBackendConfigSchema> & { [key: string]: unknown };

export const expertConfigSchema = Type.Object(
  {
    /** 'detector' | 'vqa' | 'orm' | 'hpm', a registered plugin's kind, or an npm package exporting `expertPlugin`. */
    kind: Type.String({ minLength: 1 }),
    /** Key of this expert in results (default: the kind). */
    name: Type.Optional(Type.String({ minLength: 1 })),
    /** Default 1. */
    weight: Type.Optional(Type.Number({ minimum: 0 })),
    backend: Type.Optional(Type.Unsafe<ExpertBackendConfig>(expertBackendConfigSchema)),
    /** Expert options, validated by the plugin's schema. */
    options: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' })),
    /**
     * Where the model runs: 'pool' (worker threads, off the calling thread) or 'in-process'. Default: the placement
     * the kind declares for its backend (`placement: 'pool'` in defineExpert's backends, e.g. the TF.js detector's
     * `tfjs`), in-process otherwise.
     */
    execution: Type.Optional(StringEnum(['pool', 'in-process'])),
    /**
     * How this expert's scores are normalised before aggregation: `{ mode: 'none' | 'batch-z' | 'group-z' |
     * 'running-z' | 'rank', epsilon?, std?, statistics?, decay?, perPrompt?, clip? }` (see docs/combining-rewards.md).
     */
    normalize: Type.Optional(normalizeSpecSchema),
  },
  { additionalProperties: false },
);

export type ExpertConfig = Static<typeof expertConfigSchema>;

export const imageConfigSchema = Type.Object(
  {
    maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    maxPixels: Type.Optional(Type.Integer({ minimum: 1 })),
    allowUrls: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }))),
    /** Relative to the config file. */
    allowedRoot: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type ImageConfig = Static<typeof imageConfigSchema>;

/** JSON Schema (2020-12) of the ensemble configuration file. */
export const ensembleConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** A named preset applied before anything else (see ENSEMBLE_PRESETS): `t2i-r1-reference`. */
    preset: Type.Optional(StringEnum(ENSEMBLE_PRESET_NAMES)),
    aggregate: Type.Optional(StringEnum(AGGREGATIONS)),
    onMissing: Type.Optional(StringEnum(MISSING_POLICIES)),
    /** Items per expert call. */
    batchSize: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * Modules that add expert kinds or backend types: paths (relative to the config file) or package names. Each
     * may export `expertPlugin`, `expertPlugins` and / or `backendPlugins`; they are registered before the experts
     * are built.
     */
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /**
     * Where prompt specs come from: the rule parser (default, `{type: 'rule'}`) or an OpenAI-compatible server
     * (`{type: 'openai', baseURL, model, apiKey?}`: JSON-schema structured output, cached on disk, the rule parser on
     * any failure, with a warning).
     */
    parser: Type.Optional(Type.Unsafe<SpecParserConfig>(specParserConfigSchema)),
    image: Type.Optional(imageConfigSchema),
    experts: Type.Array(expertConfigSchema, { minItems: 1 }),
  },
  { $id: 'https://t2i-reward.dev/schemas/ensemble-config.json', additionalProperties: false },
);

export type EnsembleConfig = Static<typeof ensembleConfigSchema> & {
  /** Folder of the file the config came from (set by loadEnsembleConfig, never read from the file). */
  configDir?: string;
};
