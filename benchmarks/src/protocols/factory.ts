import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  applyEnsemblePreset,
  createEnsembleFromConfig,
  createPooledReward,
  DEFAULT_EXPERT_CONFIG,
  RewardPool,
  type EnsembleConfig,
  type ExpertConfig,
  type ExpertPlugin,
  type RewardModelV1,
  type RewardPoolOptions,
} from '@t2i-reward/core';
import { ScoreCache, withScoreCache, type CachedReward } from '../cache.js';
import { detectorThresholds, type BenchConfig } from '../config.js';
import type { ProtocolName } from '../types.js';
import { createCompBenchProtocol } from './compbench.js';
import { createEnsembleProtocol, type NamedExpert } from './ensemble.js';
import { createGenEvalProtocol } from './geneval.js';
import type { Protocol } from './types.js';
import { clipColorClassifier, isEmbeddingModel, type ColorClassifier } from './color.js';

export type { ColorClassifier } from './color.js';

export interface ProtocolFactoryOptions {
  config?: BenchConfig;
  configDir?: string;
  /** Score cache folder; none: no caching. */
  cacheDir?: string;
  /**
   * Worker pool for CPU experts (the TF.js detector, config entries with `execution: 'pool'`): a shared pool,
   * options for one of the protocol's own (default: one thread per core, ended with the protocol), or `false`
   * to run every expert in-process.
   */
  pool?: RewardPool | RewardPoolOptions | false;
}

type Formula = 't2i-r1' | 'compbench' | 'geneval';

/**
 * A colour classifier from any image-text expert that has no embeddings (a VQA expert, a remote one): scores the
 * crop against "a photo of a {colour} {class}" for every candidate and picks the highest raw value (score when
 * there is none). Not GenEval's classifier: a CLIP `hpm` expert gets `clipColorClassifier` instead.
 */
export function colorClassifierFromExpert(model: RewardModelV1): ColorClassifier {
  return async (crop, candidates, context) => {
    const results = await model.doScore(candidates.map((color) => ({ image: crop, prompt: `a photo of a ${color} ${context.className}` })));
    let best = candidates[0]!;
    let bestValue = -Infinity;
    results.forEach((result, i) => {
      const value = result.raw ?? result.score;
      if (value !== null && value > bestValue) {
        bestValue = value;
        best = candidates[i]!;
      }
    });
    return best;
  };
}

/** The detector reward for a formula, with the thresholds of its backend (TF.js loads only when used). */
export async function createBenchDetector(
  formula: Formula,
  config: BenchConfig = {},
  extra: { colorClassifier?: ColorClassifier; pool?: RewardPool } = {},
): Promise<RewardModelV1> {
  const thresholds = detectorThresholds(config);
  const options: Record<string, unknown> = { ...config.detector?.options, formula, ...thresholds };
  // The offline default expert's backend (core's one constant) unless the bench config names another.
  const backend = (config.detector?.backend ?? DEFAULT_EXPERT_CONFIG.backend) as { type: string; [key: string]: unknown };
  // The TF.js detector (the default backend) runs in the worker pool, built there from its config entry; a
  // colour classifier (a function) cannot cross threads, so GenEval with colour keeps the detector in-process.
  if (extra.pool && !extra.colorClassifier && backend.type === 'tfjs') {
    return createPooledReward({ kind: 'detector', backend, options }, { pool: extra.pool });
  }
  const { createDetectorReward } = await import('@t2i-reward/detector');
  options.backend = backend;
  if (extra.colorClassifier) options.colorClassifier = extra.colorClassifier;
  return createDetectorReward(options as Parameters<typeof createDetectorReward>[0]);
}

/** Loads the bench config's plugin modules (paths relative to the config, or package names) for `kind` lookup. */
export async function loadPlugins(specifiers: readonly string[] = [], configDir = process.cwd()): Promise<ExpertPlugin[]> {
  return Promise.all(
    specifiers.map(async (specifier) => {
      const target = /^\.{1,2}[\\/]/.test(specifier) || path.isAbsolute(specifier) ? pathToFileURL(path.resolve(configDir, specifier)).href : specifier;
      const module = (await import(target)) as { expertPlugin?: ExpertPlugin };
      if (!module.expertPlugin) throw new Error(`plugin module ${specifier} exports no expertPlugin`);
      return module.expertPlugin;
    }),
  );
}

/** The experts of an ensemble config, created by core (plugin lookup, schema checks, relative paths). */
export async function createExpertsFromConfig(
  config: EnsembleConfig,
  configDir?: string,
  plugins: readonly ExpertPlugin[] = [],
  pool?: RewardPool | false,
): Promise<NamedExpert[]> {
  const ensemble = await createEnsembleFromConfig(config, { ...(configDir ? { configDir } : {}), plugins, ...(pool !== undefined ? { pool } : {}) });
  return ensemble.experts.map((e) => ({ name: e.name, model: e.model, weight: e.weight }));
}

async function createOneExpert(
  config: ExpertConfig,
  configDir: string | undefined,
  plugins: readonly ExpertPlugin[],
  pool: RewardPool | false,
): Promise<RewardModelV1> {
  const [expert] = await createExpertsFromConfig({ experts: [config] }, configDir, plugins, pool);
  return expert!.model;
}

/** Builds a protocol by name with its experts, each wrapped in the score cache when a folder is given. */
export async function createProtocol(name: ProtocolName, options: ProtocolFactoryOptions = {}): Promise<Protocol> {
  const config = options.config ?? {};
  const cache = options.cacheDir ? new ScoreCache(options.cacheDir) : undefined;
  const wrap = (model: RewardModelV1): RewardModelV1 | CachedReward => (cache ? withScoreCache(model, cache) : model);
  const thresholds = detectorThresholds(config);
  const plugins = await loadPlugins(config.plugins, options.configDir);
  // One pool for all of the protocol's pooled experts; a pool of its own ends when the last of them is disposed
  // (with the protocol), and never starts when none is pooled.
  let pool: RewardPool | false = false;
  if (options.pool instanceof RewardPool) pool = options.pool;
  else if (options.pool !== false) {
    pool = new RewardPool(options.pool ?? {});
    pool.destroyWhenUnheld();
  }
  switch (name) {
    case 'geneval': {
      const colorModel = config.geneval?.color ? await createOneExpert(config.geneval.color, options.configDir, plugins, pool) : undefined;
      // GenEval's own classifier (three prompts per colour, CLIP embeddings) when the expert gives embeddings.
      const classifier = colorModel === undefined ? undefined : isEmbeddingModel(colorModel) ? 'geneval-clip' : 'expert-scores';
      const colorClassifier =
        colorModel === undefined ? undefined : isEmbeddingModel(colorModel) ? clipColorClassifier(colorModel) : colorClassifierFromExpert(colorModel);
      const detector = await createBenchDetector('geneval', config, colorClassifier ? { colorClassifier } : pool ? { pool } : {});
      // The colour expert changes verdicts, so it is part of the detector's cache identity.
      const color = colorModel ? { modelId: colorModel.modelId, version: colorModel.version, classifier } : undefined;
      return createGenEvalProtocol({
        detector: cache ? withScoreCache(detector, cache, { color }) : detector,
        colorClassifier: colorModel !== undefined,
        options: { thresholds, ...(color ? { color } : {}) },
        ...(colorModel ? { onDispose: () => colorModel.dispose() } : {}),
      });
    }
    case 'compbench': {
      const [vqa, clip] = await Promise.all([
        config.compbench?.vqa
          ? createOneExpert({ ...config.compbench.vqa, options: { aggregate: 'product', ...config.compbench.vqa.options } }, options.configDir, plugins, pool)
          : undefined,
        config.compbench?.clip ? createOneExpert(config.compbench.clip, options.configDir, plugins, pool) : undefined,
      ]);
      return createCompBenchProtocol({
        detector: wrap(await createBenchDetector('compbench', config, pool ? { pool } : {})),
        ...(vqa ? { vqa: wrap(vqa) } : {}),
        ...(clip ? { clip: wrap(clip) } : {}),
        options: { thresholds },
      });
    }
    case 'ocr': {
      // Flow-GRPO's text-rendering reward; the OCR package is imported here so it resolves from this package.
      const { expertPlugin: ocrPlugin } = await import('@t2i-reward/ocr');
      const [expert] = await createExpertsFromConfig({ experts: [config.ocr ?? { kind: 'ocr' }] }, options.configDir, [...plugins, ocrPlugin]);
      return { ...createEnsembleProtocol({ experts: [{ name: expert!.name, model: wrap(expert!.model as RewardModelV1) }] }), name: 'ocr' };
    }
    case 'ensemble': {
      let experts: NamedExpert[];
      // A named preset (t2i-r1-reference) sets the aggregation too: apply it here, where the protocol reads it.
      const ensembleConfig = config.ensemble?.preset ? applyEnsemblePreset(config.ensemble, config.ensemble.preset) : config.ensemble;
      if (ensembleConfig) {
        experts = (await createExpertsFromConfig(ensembleConfig, options.configDir, plugins, pool)).map((e) => ({
          ...e,
          model: wrap(e.model as RewardModelV1),
        }));
      } else {
        // Offline default: the real COCO detector with the T2I-R1 paper formula.
        experts = [{ name: 'detector', model: wrap(await createBenchDetector('t2i-r1', config, pool ? { pool } : {})) }];
      }
      return createEnsembleProtocol({
        experts,
        ...(ensembleConfig?.aggregate ? { aggregate: ensembleConfig.aggregate } : {}),
        ...(ensembleConfig?.onMissing ? { onMissing: ensembleConfig.onMissing } : {}),
      });
    }
  }
}
