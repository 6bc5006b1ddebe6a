import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import {
  cacheMiddleware,
  createEnsemble,
  loadTfjs,
  wrapRewardModel,
  type CacheMiddleware,
  type Ensemble,
  type RewardMiddleware,
  type RewardPool,
  type RewardPoolOptions,
  type RgbImage,
} from '@t2i-reward/core';
import { createDetectorReward, type DetectorBackend } from '@t2i-reward/detector';
import { CenterNetBackend } from '@t2i-reward/detector/internal';
import type { EarlyStoppingOptions } from '../diagnostics.js';
import { createProgressBar } from '../progress.js';
import { ensembleReward, type RewardFunction } from '../reward.js';
import { SeededRng } from '../rng.js';
import { train, type MetricsRecord, type TrainerSettings, type TrainResult } from '../trainer.js';
import { curveSvg, learningCurveHtml, seriesFromRecords } from './plot.js';
import { BiCotPolicy, decodePlan, describePlan } from './policy.js';
import { HELD_OUT_PROMPTS, PromptFeaturizer, TRAIN_EVAL_PROMPTS, TRAIN_PROMPTS } from './prompts.js';
import { sceneReward, withSceneFlags } from './scene-reward.js';
import { sharedDetections } from './shared-detections.js';
import { pooledCenterNet } from './pooled-centernet.js';

export interface DemoOptions {
  outDir: string;
  /** Updates (default 60). */
  steps?: number;
  seed?: number;
  /** `detector` (default): CenterNet through the ensemble, on the rendered images. `scene`: the same formula on the plan, no images (fast; for tests). */
  reward?: 'detector' | 'scene';
  /** TF.js backend for the policy and the detector (default 'wasm'). */
  runtime?: 'auto' | 'wasm' | 'cpu' | 'tfjs-node-gpu';
  evalEvery?: number;
  /** Samples per prompt at evaluation (default 4). */
  evalGroupSize?: number;
  resume?: boolean;
  checkpointEvery?: number;
  /** Stop starting new steps after this many minutes (a final evaluation follows). */
  maxMinutes?: number;
  /** Render and score one sample per held-out prompt for the HTML report (default true). */
  samples?: boolean;
  /** Show a progress bar on stderr. */
  progress?: boolean;
  onRecord?: (record: MetricsRecord) => void;
  settings?: Partial<TrainerSettings>;
  signal?: AbortSignal;
  /**
   * λ of the detector's copy penalty (0..1). When > 0 the training reward is the `detector-copies` expert
   * (t2i-r1 formula · (1 − λ)^extra copies) instead of `detector` (the plain t2i-r1 formula). Default 0.
   */
  copyPenalty?: number;
  /** Score every image with the monitor experts too (weight 0: watched, not trained on). Default true. */
  monitors?: boolean;
  /** Stop when the held-out reward has not improved for `patience` evaluations (the trainer's option). */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Where CenterNet runs (detector reward): core's worker pool by default (options, or a shared RewardPool whose
   * `modules` list DEMO_POOL_MODULE), so scoring overlaps sampling and the update; `false` keeps it on the
   * trainer's thread. Every formula reads the same detection pass either way: same scores.
   */
  pool?: RewardPool | RewardPoolOptions | false;
}

/** The demo's GRPO settings: T2I-R1's G = 8, β = 0.01, ε = 1e-4 and loss, with a tiny model's learning rate and 4 updates per batch. */
/** The demo evaluates every DEMO_EVAL_EVERY steps (and at step 0 and the last), DEMO_EVAL_GROUP_SIZE samples per prompt. */
export const DEMO_EVAL_EVERY = 10;
export const DEMO_EVAL_GROUP_SIZE = 4;

export const DEMO_SETTINGS: Partial<TrainerSettings> = {
  groupSize: 8,
  promptsPerStep: 4,
  learningRate: 0.08,
  updatesPerBatch: 4,
  beta: 0.01,
};

export interface DemoSummary {
  steps: number;
  /** The expert the policy is trained on (`detector` or `detector-copies`). */
  rewardExpert: string;
  /** λ of `detector-copies`. */
  copyPenalty: number;
  /** Best held-out evaluation of the training reward. */
  heldOutBest: { step: number; value: number };
  /** Per expert: held-out mean at the first and last evaluation. */
  heldOutExperts: Record<string, { start: number; end: number }>;
  /** Share of samples drawing more instances of an object than asked (from the drawn scene): training batches (mean of the first / last 5 steps) and held-out evaluations (first / last). */
  extraCopies: { trainFirst: number; trainLast: number; heldOutStart: number; heldOutEnd: number };
  /** Mean Kendall τ-b between experts within groups and share of groups whose best sample differs, averaged over training steps (first / last 5) and the last held-out evaluation. */
  agreement: { tauFirst: number; tauLast: number; bestDiffersFirst: number; bestDiffersLast: number; heldOutTau: number; heldOutBestDiffers: number };
  /** Training steps that raised a drift alarm, and the experts that rose. */
  driftSteps: number[];
  driftExperts: string[];
  /** With early stopping: the best held-out step and whether the run stopped early. */
  earlyStopping?: { bestStep: number; bestValue: number; stopped: boolean };
  minutes: number;
  heldOutStart: number;
  heldOutEnd: number;
  trainStart: number;
  trainEnd: number;
  rewardCalls: number;
  cacheHits: number;
  metricsPath: string;
  htmlPath: string;
  backend: string;
  /** Steps taken by this call (a resumed run counts only its own). */
  stepsThisRun: number;
  /** True when the run was stopped by its signal (Ctrl-C): the reports cover the steps done so far. */
  interrupted: boolean;
}

/** The records of a metrics file (none when it does not exist); a torn last line left by a kill is skipped. */
async function readMetricsRecords(metricsPath: string): Promise<MetricsRecord[]> {
  const text = await readFile(metricsPath, 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as MetricsRecord];
    } catch {
      return [];
    }
  });
}

/** The last train step recorded (0 when none), so a resumed or interrupted run knows where it stands. */
function lastTrainStep(records: readonly MetricsRecord[]): number {
  return records.reduce((step, record) => (record.split === 'train' ? Math.max(step, record.step) : step), 0);
}

export interface DemoEnsembleOptions {
  /** λ of the `detector-copies` expert (default 0.5); when `rewardExpert` is 'detector-copies' it is the trained one. */
  copyPenalty?: number;
  /** The expert with weight 1 (default 'detector'); the others have weight 0. */
  rewardExpert?: 'detector' | 'detector-copies';
  /** Add the monitor experts (default true); false = the reward expert alone. */
  monitors?: boolean;
  /** Wraps each expert (the demo passes core's `cacheMiddleware`: repeated scenes are scored once). */
  middleware?: RewardMiddleware;
  /** The detection model all formulas read (default: CenterNet on this thread; runDemo passes `pooledCenterNet`). */
  detector?: DetectorBackend;
}

/**
 * The demo's reward: the real CenterNet detector (one model, detections shared by all experts) read by three
 * formulas: `detector` (T2I-R1 paper), `detector-copies` (the same with the copy penalty λ) and `compbench`
 * (T2I-CompBench's rules). One has weight 1 (the reward, `weighted-mean`); the others are monitors (weight 0):
 * scored and reported per expert, never trained on, so their agreement with the reward shows hacking.
 */
export function createDemoEnsemble(runtime: 'auto' | 'wasm' | 'cpu' | 'tfjs-node-gpu' = 'wasm', options: DemoEnsembleOptions = {}): Ensemble {
  const rewardExpert = options.rewardExpert ?? 'detector';
  const copyPenalty = options.copyPenalty ?? 0.5;
  const backend = sharedDetections(options.detector ?? new CenterNetBackend({ runtime }));
  const all = [
    { name: 'detector', model: createDetectorReward({ formula: 't2i-r1', detector: backend }) },
    { name: 'detector-copies', model: createDetectorReward({ formula: 't2i-r1', copyPenalty, detector: backend }) },
    { name: 'compbench', model: createDetectorReward({ formula: 'compbench', detector: backend }) },
  ];
  const experts = all
    .filter((e) => options.monitors !== false || e.name === rewardExpert)
    .map((e) => ({ ...e, model: options.middleware ? wrapRewardModel(e.model, options.middleware) : e.model, weight: e.name === rewardExpert ? 1 : 0 }));
  return createEnsemble({ experts, aggregate: 'weighted-mean' });
}

const meanOf = (values: readonly number[]): number => (values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);

/** The summary table of the demo's learning-curve HTML. */
export function demoSummaryRows(summary: DemoSummary, expertNames: readonly string[], useDetector = true): Record<string, string | number> {
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
  return {
    'held-out mean reward (start → end)': `${fmt(summary.heldOutStart)} → ${fmt(summary.heldOutEnd)}`,
    'train mean reward (start → end)': `${fmt(summary.trainStart)} → ${fmt(summary.trainEnd)}`,
    'minutes (this run)': summary.minutes,
    'steps (this run)': `${summary.stepsThisRun}${summary.interrupted ? ' (interrupted)' : ''}`,
    'reward calls (cache hits)': `${summary.rewardCalls} (${summary.cacheHits})`,
    reward: useDetector
      ? `CenterNet detector (COCO-80, TF.js), t2i-r1 formula${summary.copyPenalty > 0 ? ` with copy penalty λ = ${summary.copyPenalty}` : ''} (expert '${summary.rewardExpert}'); monitors (weight 0): ${expertNames.filter((n) => n !== summary.rewardExpert).join(', ') || 'none'}`
      : 'scene formula (no images)',
    'held-out best': `${fmt(summary.heldOutBest.value)} at step ${summary.heldOutBest.step}`,
    'extra-copy share, train batches (first 5 → last 5 steps)': `${fmt(summary.extraCopies.trainFirst)} → ${fmt(summary.extraCopies.trainLast)}`,
    'extra-copy share, held-out (start → end)': `${fmt(summary.extraCopies.heldOutStart)} → ${fmt(summary.extraCopies.heldOutEnd)}`,
    'mean τ-b between experts, train (first 5 → last 5 steps)': `${fmt(summary.agreement.tauFirst)} → ${fmt(summary.agreement.tauLast)}`,
    'groups whose best sample differs by expert, train (first 5 → last 5)': `${fmt(summary.agreement.bestDiffersFirst)} → ${fmt(summary.agreement.bestDiffersLast)}`,
    'drift alarms (steps)': summary.driftSteps.length > 0 ? `${summary.driftSteps.join(', ')} (${summary.driftExperts.join(', ')} rising)` : 'none',
    ...(summary.earlyStopping
      ? {
          'early stopping': `best held-out ${fmt(summary.earlyStopping.bestValue)} at step ${summary.earlyStopping.bestStep}${summary.earlyStopping.stopped ? ', stopped early' : ''}`,
        }
      : {}),
  };
}

/**
 * The diagnostic part of a demo summary, from a run's metrics records (pure; the bench rebuilds reports with
 * it): best held-out step, per-expert held-out start / end, extra-copy shares (training: mean of the first and
 * last 5 steps; held-out: first and last evaluation), agreement (same windows) and drift-alarm steps.
 */
export function demoDiagnosticsSummary(
  records: readonly MetricsRecord[],
): Pick<DemoSummary, 'heldOutBest' | 'heldOutExperts' | 'extraCopies' | 'agreement' | 'driftSteps' | 'driftExperts'> {
  const trainRecords = records.filter((r) => r.split === 'train');
  const evalRecords = records.filter((r) => r.split === 'eval');
  const flag = (r: MetricsRecord | undefined) => r?.flags?.extraCopies ?? Number.NaN;
  const tau = (r: MetricsRecord | undefined) => r?.agreement?.meanTau ?? Number.NaN;
  const differs = (r: MetricsRecord | undefined) => r?.agreement?.bestDiffers ?? Number.NaN;
  const finiteMean = (values: number[]) => meanOf(values.filter(Number.isFinite));
  let best = { step: Number.NaN, value: Number.NaN };
  for (const r of evalRecords) {
    // The first best wins ties; a NaN mean (nothing scored) never does.
    if (Number.isFinite(r.reward.mean) && !(r.reward.mean <= best.value)) best = { step: r.step, value: r.reward.mean };
  }
  const expertNames = [...new Set(evalRecords.flatMap((r) => Object.keys(r.experts)))].sort();
  const lastEval = evalRecords.at(-1);
  return {
    heldOutBest: best,
    heldOutExperts: Object.fromEntries(
      expertNames.map((name) => [name, { start: evalRecords[0]?.experts[name]?.mean ?? Number.NaN, end: lastEval?.experts[name]?.mean ?? Number.NaN }]),
    ),
    extraCopies: {
      trainFirst: finiteMean(trainRecords.slice(0, 5).map(flag)),
      trainLast: finiteMean(trainRecords.slice(-5).map(flag)),
      heldOutStart: flag(evalRecords[0]),
      heldOutEnd: flag(lastEval),
    },
    agreement: {
      tauFirst: finiteMean(trainRecords.slice(0, 5).map(tau)),
      tauLast: finiteMean(trainRecords.slice(-5).map(tau)),
      bestDiffersFirst: finiteMean(trainRecords.slice(0, 5).map(differs)),
      bestDiffersLast: finiteMean(trainRecords.slice(-5).map(differs)),
      heldOutTau: tau(lastEval),
      heldOutBestDiffers: differs(lastEval),
    },
    driftSteps: trainRecords.filter((r) => (r.drift?.length ?? 0) > 0).map((r) => r.step),
    driftExperts: [...new Set(trainRecords.flatMap((r) => r.drift?.map((d) => d.expert) ?? []))].sort(),
  };
}

function evalMeans(records: readonly MetricsRecord[], split: 'eval' | 'eval-train'): number[] {
  return records.filter((r) => r.split === split).map((r) => r.reward.mean);
}

async function pngDataUrl(image: RgbImage, size = 192): Promise<string> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size, size)
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * BiCoT-GRPO at CPU scale: a small TF.js policy writes a plan (objects, counts, relation) then a layout
 * (a grid cell per object); the sample becomes a real image (crops of the bundled photos pasted with sharp)
 * scored by the ensemble with the real CenterNet detector (t2i-r1 formula). Writes metrics.jsonl,
 * checkpoints/, learning-curve.html (curve, summary, samples), learning-curve.svg and summary.json into `outDir`.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const steps = options.steps ?? 60;
  const seed = options.seed ?? 0;
  const { tf, backend } = await loadTfjs({ backend: options.runtime ?? 'wasm' });
  await mkdir(options.outDir, { recursive: true });
  const featurizer = new PromptFeaturizer(TRAIN_PROMPTS.map((p) => p.prompt));
  const useDetector = (options.reward ?? 'detector') === 'detector';
  const policy = new BiCotPolicy(tf, featurizer, { seed, render: useDetector });
  // A policy that has converged re-draws the same images: the detector need not see them twice.
  let cached: CacheMiddleware | undefined;
  let cachedPerImage = 1;
  let reward: RewardFunction;
  const copyPenalty = options.copyPenalty ?? 0;
  if (!(copyPenalty >= 0 && copyPenalty <= 1)) throw new RangeError(`copyPenalty must be in [0, 1], got ${copyPenalty}`);
  if (copyPenalty > 0 && !useDetector) throw new RangeError('copyPenalty applies to the detector reward (the scene reward has no detector)');
  const rewardExpert = useDetector ? (copyPenalty > 0 ? 'detector-copies' : 'detector') : 'scene';
  // Created before the reward so the first images scored (models loading, the step-0 evaluation) move it at once.
  const progress = options.progress ? createProgressBar(steps) : undefined;
  if (useDetector) {
    const runtime = options.runtime ?? 'wasm';
    cached = cacheMiddleware();
    const ensemble = createDemoEnsemble(runtime, {
      rewardExpert: rewardExpert as 'detector' | 'detector-copies',
      ...(copyPenalty > 0 ? { copyPenalty } : {}),
      ...(options.monitors === false ? { monitors: false } : {}),
      middleware: cached,
      ...(options.pool !== false ? { detector: await pooledCenterNet(runtime, options.pool ?? {}) } : {}),
    });
    // The cache wraps each expert; reward calls count images, once per image however many experts read it.
    cachedPerImage = ensemble.experts.length;
    // Each finished chunk of a reward call moves the bar by the images it scored.
    reward = withSceneFlags(ensembleReward(ensemble, progress ? { onItemsScored: (count) => progress.onImagesScored(count) } : {}));
  } else {
    reward = sceneReward();
  }
  const metricsFile = path.join(options.outDir, 'metrics.jsonl');
  const startStep = options.resume ? lastTrainStep(await readMetricsRecords(metricsFile)) : 0;
  const started = performance.now();
  try {
    let interrupted = false;
    const result = await train({
      policy,
      reward,
      prompts: TRAIN_PROMPTS,
      evalPrompts: HELD_OUT_PROMPTS,
      evalTrainPrompts: TRAIN_EVAL_PROMPTS,
      evalGroupSize: options.evalGroupSize ?? DEMO_EVAL_GROUP_SIZE,
      evalEvery: options.evalEvery ?? DEMO_EVAL_EVERY,
      steps,
      seed,
      settings: { ...DEMO_SETTINGS, ...options.settings },
      outDir: options.outDir,
      checkpointEvery: options.checkpointEvery ?? 10,
      ...(options.resume ? { resume: true } : {}),
      ...(options.maxMinutes !== undefined ? { timeLimitSeconds: options.maxMinutes * 60 } : {}),
      tf,
      onRecord: (record) => {
        progress?.onRecord(record);
        options.onRecord?.(record);
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.earlyStopping ? { earlyStopping: options.earlyStopping } : {}),
    }).catch(async (error: unknown): Promise<TrainResult> => {
      // Ctrl-C: keep what was done. The metrics on disk are complete up to the last finished step, so the
      // curve and summary below are written from them and `--resume` continues from the last checkpoint.
      if (!options.signal?.aborted) throw error;
      interrupted = true;
      return { step: lastTrainStep(await readMetricsRecords(metricsFile)), records: [], metricsPath: metricsFile };
    });
    const minutes = (performance.now() - started) / 60000;
    const heldOut = evalMeans(result.records, 'eval');
    const trainEval = evalMeans(result.records, 'eval-train');
    // A resumed run only holds its own records: read the curve's start from the metrics file.
    const allRecords = await readMetricsRecords(result.metricsPath!);
    const allHeldOut = evalMeans(allRecords, 'eval');
    const allTrain = evalMeans(allRecords, 'eval-train');
    const samples: { caption: string; dataUrl: string }[] = [];
    if (useDetector && options.samples !== false && !interrupted) {
      const sampler = SeededRng.fromSeed(seed + 1);
      await mkdir(path.join(options.outDir, 'samples'), { recursive: true });
      for (const [i, prompt] of HELD_OUT_PROMPTS.entries()) {
        const [sequence] = policy.sample(prompt, 1, sampler);
        const input = await policy.decode(prompt, sequence!);
        const [outcome] = await reward.score([input]);
        const image = input.image as RgbImage;
        await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
          .png()
          .toFile(path.join(options.outDir, 'samples', `heldout-${i}.png`));
        samples.push({
          caption: `${prompt.prompt} → ${describePlan(decodePlan(sequence!.tokens))} (reward ${outcome?.reward?.toFixed(2) ?? 'n/a'})`,
          dataUrl: await pngDataUrl(image),
        });
      }
    }
    const expertNames = [...new Set(allRecords.filter((r) => r.split === 'eval').flatMap((r) => Object.keys(r.experts)))].sort();
    const summary: DemoSummary = {
      steps: result.step,
      rewardExpert,
      copyPenalty,
      ...demoDiagnosticsSummary(allRecords),
      ...(result.earlyStopping
        ? { earlyStopping: { bestStep: result.earlyStopping.bestStep, bestValue: result.earlyStopping.bestValue, stopped: result.earlyStopping.stopped } }
        : {}),
      minutes: Number(minutes.toFixed(2)),
      heldOutStart: allHeldOut[0] ?? Number.NaN,
      heldOutEnd: heldOut.at(-1) ?? Number.NaN,
      trainStart: allTrain[0] ?? Number.NaN,
      trainEnd: trainEval.at(-1) ?? Number.NaN,
      rewardCalls: cached ? (cached.hits + cached.misses) / cachedPerImage : 0,
      cacheHits: cached ? cached.hits / cachedPerImage : 0,
      metricsPath: result.metricsPath!,
      htmlPath: path.join(options.outDir, 'learning-curve.html'),
      backend,
      stepsThisRun: Math.max(0, result.step - startStep),
      interrupted,
    };
    await writeFile(
      summary.htmlPath,
      learningCurveHtml({
        title: `BiCoT-GRPO demo: ${summary.steps} steps, ${summary.minutes} min (${backend})`,
        records: allRecords,
        summary: demoSummaryRows(summary, expertNames, useDetector),
        samples,
        rewardTitle: `mean training reward ('${rewardExpert}')`,
      }),
    );
    await writeFile(
      path.join(options.outDir, 'learning-curve.svg'),
      `${curveSvg(seriesFromRecords(allRecords), { title: `mean training reward ('${rewardExpert}')` })}\n`,
    );
    await writeFile(path.join(options.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    progress?.stop();
    policy.dispose();
    await reward.dispose?.();
  }
}
