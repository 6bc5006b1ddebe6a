import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { InvalidConfigError, parseEnsembleConfig, StringEnum, validateWithSchema, type EnsembleConfig, type ExpertConfig } from '@t2i-reward/core';
import { BACKEND_DEFAULT_THRESHOLDS, detectorRewardOptionsSchema, type DetectorThresholds } from '@t2i-reward/detector';
import { errorMessage } from './errors.js';

/** Detector thresholds the harness passes to the detector reward, per protocol (the detector's own type). */
export type { DetectorThresholds } from '@t2i-reward/detector';

/**
 * Defaults per detector backend: the detector's own table (one source for `t2ir score` and `t2ir bench`; see
 * BACKEND_DEFAULT_THRESHOLDS in @t2i-reward/detector for why CenterNet uses 0.3 everywhere). Override per backend
 * in the bench config (`detector.thresholds.<backend>`).
 */
export const DEFAULT_DETECTOR_THRESHOLDS: Record<'tfjs' | 'transformers', DetectorThresholds> = BACKEND_DEFAULT_THRESHOLDS;

/** A detector's thresholds: those keys of the detector's own options schema. */
const thresholdsSchema = Type.Pick(detectorRewardOptionsSchema, ['boxThreshold', 'compbenchMinConfidence', 'genevalThreshold', 'genevalCountingThreshold']);
/** An expert entry, checked here for its kind only (the ensemble builder checks the rest against the kind's schema). */
const expertSchema = Type.Unsafe<ExpertConfig>({ type: 'object', required: ['kind'], properties: { kind: { type: 'string', minLength: 1 } } });

/** JSON Schema of a bench config; BenchConfig is its type. */
export const benchConfigSchema = Type.Object(
  {
    /** The T2I-R1 ensemble of the `ensemble` protocol (same format as `t2ir score --config`). */
    ensemble: Type.Optional(Type.Unsafe<EnsembleConfig>({ type: 'object' })),
    /** Modules exporting `expertPlugin` (paths relative to the config file, or package names): custom expert kinds. */
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** The detector of the compbench / geneval protocols (and of the default ensemble). */
    detector: Type.Optional(
      Type.Object(
        {
          backend: Type.Optional(
            Type.Unsafe<{ type: 'tfjs' | 'transformers'; [key: string]: unknown }>({
              type: 'object',
              required: ['type'],
              properties: { type: StringEnum(['tfjs', 'transformers']) },
            }),
          ),
          thresholds: Type.Optional(
            Type.Object({ tfjs: Type.Optional(thresholdsSchema), transformers: Type.Optional(thresholdsSchema) }, { additionalProperties: false }),
          ),
          /** Other detector options (synonyms, nmsIou, ...), passed through. */
          options: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Experts of the CompBench protocol besides the detector. */
    compbench: Type.Optional(Type.Object({ vqa: Type.Optional(expertSchema), clip: Type.Optional(expertSchema) }, { additionalProperties: false })),
    /** GenEval's colour rule: an image-text expert (CLIP-family hpm, as GenEval uses CLIP) picks each object's colour. */
    geneval: Type.Optional(Type.Object({ color: Type.Optional(expertSchema) }, { additionalProperties: false })),
    /** The expert of the `ocr` protocol (default `{ kind: 'ocr' }`: tesseract with the bundled English weights). */
    ocr: Type.Optional(expertSchema),
  },
  { $id: 'https://t2i-reward.dev/schemas/bench-config.json', additionalProperties: false },
);

export type BenchConfig = Static<typeof benchConfigSchema>;

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
