import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError, parseEnsembleConfig, validateWithSchema, type EnsembleConfig, type ExpertConfig, type JSONSchema } from '@t2i-reward/core';
import { BACKEND_DEFAULT_THRESHOLDS, type DetectorThresholds } from '@t2i-reward/detector';
import { errorMessage } from './errors.js';

/** Detector thresholds the harness passes to the detector reward, per protocol (the detector's own type). */
export type { DetectorThresholds } from '@t2i-reward/detector';

/**
 * Defaults per detector backend: the detector's own table (one source for `t2ir score` and `t2ir bench`; see
 * BACKEND_DEFAULT_THRESHOLDS in @t2i-reward/detector for why CenterNet uses 0.3 everywhere). Override per backend
 * in the bench config (`detector.thresholds.<backend>`).
 */
export const DEFAULT_DETECTOR_THRESHOLDS: Record<'tfjs' | 'transformers', DetectorThresholds> = BACKEND_DEFAULT_THRESHOLDS;

export interface BenchConfig {
  /** The T2I-R1 ensemble of the `ensemble` protocol (same format as `t2ir score --config`). */
  ensemble?: EnsembleConfig;
  /** The detector of the compbench / geneval protocols (and of the default ensemble). */
  detector?: {
    backend?: { type: 'tfjs' | 'transformers'; [key: string]: unknown };
    thresholds?: { tfjs?: DetectorThresholds; transformers?: DetectorThresholds };
    /** Other detector options (synonyms, nmsIou, ...), passed through. */
    options?: Record<string, unknown>;
  };
  /** Modules exporting `expertPlugin` (paths relative to the config file, or package names): custom expert kinds. */
  plugins?: string[];
  /** Experts of the CompBench protocol besides the detector. */
  compbench?: { vqa?: ExpertConfig; clip?: ExpertConfig };
  /** GenEval's colour rule: an image-text expert (CLIP-family hpm, as GenEval uses CLIP) picks each object's colour. */
  geneval?: { color?: ExpertConfig };
  /** The expert of the `ocr` protocol (default `{ kind: 'ocr' }`: tesseract with the bundled English weights). */
  ocr?: ExpertConfig;
}

const unit = { type: 'number', minimum: 0, maximum: 1 } as const;
const thresholdsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { boxThreshold: unit, compbenchMinConfidence: unit, genevalThreshold: unit, genevalCountingThreshold: unit },
} as const;
const expertSchema = { type: 'object', required: ['kind'], properties: { kind: { type: 'string', minLength: 1 } } } as const;

export const benchConfigSchema: JSONSchema = {
  $id: 'https://t2i-reward.dev/schemas/bench-config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    ensemble: { type: 'object' },
    plugins: { type: 'array', items: { type: 'string', minLength: 1 } },
    detector: {
      type: 'object',
      additionalProperties: false,
      properties: {
        backend: { type: 'object', required: ['type'], properties: { type: { enum: ['tfjs', 'transformers'] } } },
        thresholds: { type: 'object', additionalProperties: false, properties: { tfjs: thresholdsSchema, transformers: thresholdsSchema } },
        options: { type: 'object' },
      },
    },
    compbench: { type: 'object', additionalProperties: false, properties: { vqa: expertSchema, clip: expertSchema } },
    geneval: { type: 'object', additionalProperties: false, properties: { color: expertSchema } },
    ocr: expertSchema,
  },
} as unknown as JSONSchema;

/**
 * A bench config: `{ensemble?, detector?, compbench?}`; a plain ensemble config (`{"experts": [...]}`, the
 * `t2ir score --config` format) is accepted as `{ensemble: ...}`. Errors name the bad key.
 */
export function parseBenchConfig(json: unknown): BenchConfig {
  if (json && typeof json === 'object' && !Array.isArray(json) && 'experts' in json) {
    return { ensemble: parseEnsembleConfig(json) };
  }
  const config = validateWithSchema<BenchConfig>(benchConfigSchema, json, 'bench config');
  // configDir is set by the loader, never read from the file.
  return config.ensemble ? { ...config, ensemble: parseEnsembleConfig(config.ensemble) } : config;
}

export async function loadBenchConfig(file: string): Promise<{ config: BenchConfig; configDir: string }> {
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    throw new InvalidConfigError(`cannot read bench config ${file}: ${errorMessage(error)}`, { cause: error, data: { path: '', file } });
  }
  return { config: parseBenchConfig(json), configDir: path.dirname(path.resolve(file)) };
}

/** The thresholds in force for a backend: defaults, then the config's. */
export function detectorThresholds(config: BenchConfig): DetectorThresholds {
  const backend = config.detector?.backend?.type ?? 'tfjs';
  return { ...DEFAULT_DETECTOR_THRESHOLDS[backend], ...config.detector?.thresholds?.[backend] };
}
