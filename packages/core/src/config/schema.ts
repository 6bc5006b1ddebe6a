import type { JSONSchema } from '../validation.js';
import type { Aggregation, MissingPolicy } from '../ensemble/ensemble.js';
import { normalizeSpecSchema, type NormalizeSpec } from '../ensemble/normalize.js';
import { specParserConfigSchema, type SpecParserConfig } from '../prompt-spec/llm-parser.js';

/** Which runtime an expert runs on, plus backend-specific keys (endpoint, device, dtype...). */
export interface ExpertBackendConfig {
  /** e.g. 'tfjs', 'transformers', 'onnx', 'openai', 'kserve'; the plugin lists what it supports. */
  type: string;
  /** Model name, hub id, or path (a path starting with ./ or ../ is resolved against the config file). */
  model?: string;
  [key: string]: unknown;
}

export interface ExpertConfig {
  /** 'detector' | 'vqa' | 'orm' | 'hpm', a registered plugin's kind, or an npm package exporting `expertPlugin`. */
  kind: string;
  /** Key of this expert in results (default: the kind). */
  name?: string;
  /** Default 1. */
  weight?: number;
  backend?: ExpertBackendConfig;
  /** Expert options, validated by the plugin's schema. */
  options?: Record<string, unknown>;
  /**
   * Where the model runs: 'pool' (worker threads, off the calling thread) or 'in-process'. Default: the pool
   * for backends the plugin lists in `poolBackends` (e.g. the TF.js detector), in-process otherwise.
   */
  execution?: 'pool' | 'in-process';
  /**
   * How this expert's scores are normalised before aggregation: `{ mode: 'none' | 'batch-z' | 'group-z' |
   * 'running-z' | 'rank', epsilon?, std?, statistics?, decay?, perPrompt?, clip? }` (see docs/combining-rewards.md).
   */
  normalize?: NormalizeSpec;
}

export interface ImageConfig {
  maxBytes?: number;
  maxPixels?: number;
  allowUrls?: string[];
  /** Relative to the config file. */
  allowedRoot?: string;
}

export interface EnsembleConfig {
  /** A named preset applied before anything else (see ENSEMBLE_PRESETS): `t2i-r1-reference`. */
  preset?: string;
  aggregate?: Aggregation;
  onMissing?: MissingPolicy;
  image?: ImageConfig;
  /** Items per expert call. */
  batchSize?: number;
  /**
   * Modules that add expert kinds or backend types: paths (relative to the config file) or package names. Each
   * may export `expertPlugin`, `expertPlugins` and / or `backendPlugins`; they are registered before the experts
   * are built.
   */
  plugins?: string[];
  /**
   * Where prompt specs come from: the rule parser (default, `{type: 'rule'}`) or an OpenAI-compatible server
   * (`{type: 'openai', baseURL, model, apiKey?}`: JSON-schema structured output, cached on disk, the rule parser on
   * any failure, with a warning).
   */
  parser?: SpecParserConfig;
  experts: ExpertConfig[];
  /** Folder of the file the config came from (set by loadEnsembleConfig, never read from the file). */
  configDir?: string;
}

export const expertConfigSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    kind: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    weight: { type: 'number', minimum: 0 },
    backend: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { type: 'string', minLength: 1 },
        model: { type: 'string', minLength: 1 },
      },
    },
    options: { type: 'object' },
    execution: { enum: ['pool', 'in-process'] },
    normalize: normalizeSpecSchema,
  },
};

/** JSON Schema (2020-12) of the ensemble configuration file. */
export const ensembleConfigSchema: JSONSchema = {
  $id: 'https://t2i-reward.dev/schemas/ensemble-config.json',
  type: 'object',
  additionalProperties: false,
  required: ['experts'],
  properties: {
    $schema: { type: 'string' },
    preset: { enum: ['t2i-r1-reference'] },
    aggregate: { enum: ['mean', 'weighted-mean', 'sum'] },
    onMissing: { enum: ['skip', 'zero', 'fail'] },
    batchSize: { type: 'integer', minimum: 1 },
    plugins: { type: 'array', items: { type: 'string', minLength: 1 } },
    parser: specParserConfigSchema,
    image: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxBytes: { type: 'integer', minimum: 1 },
        maxPixels: { type: 'integer', minimum: 1 },
        allowUrls: { type: 'array', items: { type: 'string', pattern: '^https?://' } },
        allowedRoot: { type: 'string', minLength: 1 },
      },
    },
    experts: { type: 'array', minItems: 1, items: expertConfigSchema },
  },
};
