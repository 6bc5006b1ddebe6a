import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseEnsembleConfig, validateWithSchema, type EnsembleConfig, type ExpertConfig, type JSONSchema } from '@t2i-reward/core';
import { errorMessage } from './errors.js';

/** Detector thresholds the harness passes to the detector reward, per protocol. */
export interface DetectorThresholds {
  /** Boxes below are ignored by every formula (T2I-R1's box threshold). */
  boxThreshold?: number;
  /** T2I-CompBench's UniDet confidence threshold. */
  compbenchMinConfidence?: number;
  /** GenEval's generic and counting thresholds (Mask2Former: 0.3 and 0.9). */
  genevalThreshold?: number;
  genevalCountingThreshold?: number;
}

/**
 * Defaults per detector backend. The anchors' thresholds were set for their detectors (UniDet 0.5 in
 * T2I-CompBench, Mask2Former 0.3 / 0.9 for counting in GenEval). The COCO CenterNet (tfjs) scores real,
 * clearly visible objects lower: on the six bundled photos its best box for each object that is really there
 * scores 0.31–0.67 (truck 0.31, horse #3 0.36, dog 0.42–0.43, bicycle 0.48, giraffe 0.49, zebra 0.59,
 * person 0.67), while its most confident wrong labels reach 0.25–0.30 (cow / sheep on a horse, parking meter).
 * So every CenterNet threshold is 0.3: GenEval's 0.9 counting threshold would count nothing and CompBench's
 * 0.5 would miss most present objects. Open-vocabulary models (transformers) keep the anchors' values.
 * Override per backend in the bench config (`detector.thresholds.<backend>`).
 */
export const DEFAULT_DETECTOR_THRESHOLDS: Record<'tfjs' | 'transformers', DetectorThresholds> = {
  tfjs: { boxThreshold: 0.3, compbenchMinConfidence: 0.3, genevalThreshold: 0.3, genevalCountingThreshold: 0.3 },
  transformers: { boxThreshold: 0.3, compbenchMinConfidence: 0.5, genevalThreshold: 0.3, genevalCountingThreshold: 0.9 },
};

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
    throw new Error(`cannot read bench config ${file}: ${errorMessage(error)}`, { cause: error });
  }
  return { config: parseBenchConfig(json), configDir: path.dirname(path.resolve(file)) };
}

/** The thresholds in force for a backend: defaults, then the config's. */
export function detectorThresholds(config: BenchConfig): DetectorThresholds {
  const backend = config.detector?.backend?.type ?? 'tfjs';
  return { ...DEFAULT_DETECTOR_THRESHOLDS[backend], ...config.detector?.thresholds?.[backend] };
}
