import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { createEnsemble, createEnsembleFromConfig, loadTfjs, type Ensemble, type RewardPool, type RewardPoolOptions, type RgbImage } from '@t2i-reward/core';
import { createDetectorReward } from '@t2i-reward/detector';
import { createProgressBar } from '../progress.js';
import { cachedReward, ensembleReward, type CachedReward, type RewardFunction } from '../reward.js';
import { SeededRng } from '../rng.js';
import { train, type MetricsRecord, type TrainerSettings } from '../trainer.js';
import { curveSvg, learningCurveHtml, seriesFromRecords } from './plot.js';
import { BiCotPolicy, decodePlan, describePlan } from './policy.js';
import { HELD_OUT_PROMPTS, PromptFeaturizer, TRAIN_EVAL_PROMPTS, TRAIN_PROMPTS } from './prompts.js';
import { sceneReward } from './scene-reward.js';

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
   * Where the detector runs (default: core's worker pool, one thread per core, so scoring a group overlaps
   * with sampling the next one and with the reference pass); `false`: in-process, on the trainer's thread.
   */
  pool?: RewardPool | RewardPoolOptions | false;
}

/** The demo's GRPO settings: T2I-R1's G = 8, β = 0.01, ε = 1e-4 and loss, with a tiny model's learning rate and 4 updates per batch. */
export const DEMO_SETTINGS: Partial<TrainerSettings> = {
  groupSize: 8,
  promptsPerStep: 4,
  learningRate: 0.08,
  updatesPerBatch: 4,
  beta: 0.01,
};

export interface DemoSummary {
  steps: number;
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
}

/** The demo's reward: an ensemble whose one expert is the real CenterNet detector with T2I-R1's paper formula. */
export function createDemoEnsemble(runtime: 'auto' | 'wasm' | 'cpu' | 'tfjs-node-gpu' = 'wasm'): Ensemble {
  const detector = createDetectorReward({ formula: 't2i-r1', backend: { type: 'tfjs', model: 'centernet', runtime } });
  return createEnsemble({ experts: [{ name: 'detector', model: detector }] });
}

/** The demo's ensemble with the detector in core's worker pool (built there from its config entry). */
export function createPooledDemoEnsemble(
  runtime: 'auto' | 'wasm' | 'cpu' | 'tfjs-node-gpu' = 'wasm',
  pool: RewardPool | RewardPoolOptions = {},
): Promise<Ensemble> {
  return createEnsembleFromConfig(
    { experts: [{ kind: 'detector', name: 'detector', execution: 'pool', backend: { type: 'tfjs', model: 'centernet', runtime }, options: { formula: 't2i-r1' } }] },
    { pool },
  );
}

function evalMeans(records: readonly MetricsRecord[], split: 'eval' | 'eval-train'): number[] {
  return records.filter((r) => r.split === split).map((r) => r.reward.mean);
}

async function pngDataUrl(image: RgbImage, size = 192): Promise<string> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(size, size).png().toBuffer();
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
  let cached: CachedReward | undefined;
  let reward: RewardFunction;
  if (useDetector) {
    const runtime = options.runtime ?? 'wasm';
    const ensemble = options.pool === false ? createDemoEnsemble(runtime) : await createPooledDemoEnsemble(runtime, options.pool);
    cached = cachedReward(ensembleReward(ensemble));
    reward = cached;
  } else {
    reward = sceneReward();
  }
  const progress = options.progress ? createProgressBar(steps) : undefined;
  const started = performance.now();
  try {
    const result = await train({
      policy,
      reward,
      prompts: TRAIN_PROMPTS,
      evalPrompts: HELD_OUT_PROMPTS,
      evalTrainPrompts: TRAIN_EVAL_PROMPTS,
      evalGroupSize: options.evalGroupSize ?? 4,
      evalEvery: options.evalEvery ?? 10,
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
    });
    const minutes = (performance.now() - started) / 60000;
    const heldOut = evalMeans(result.records, 'eval');
    const trainEval = evalMeans(result.records, 'eval-train');
    // A resumed run only holds its own records: read the curve's start from the metrics file.
    const { readFile } = await import('node:fs/promises');
    const allRecords = (await readFile(result.metricsPath!, 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as MetricsRecord);
    const allHeldOut = evalMeans(allRecords, 'eval');
    const allTrain = evalMeans(allRecords, 'eval-train');
    const samples: { caption: string; dataUrl: string }[] = [];
    if (useDetector && options.samples !== false) {
      const sampler = SeededRng.fromSeed(seed + 1);
      await mkdir(path.join(options.outDir, 'samples'), { recursive: true });
      for (const [i, prompt] of HELD_OUT_PROMPTS.entries()) {
        const [sequence] = policy.sample(prompt, 1, sampler);
        const input = await policy.decode(prompt, sequence!);
        const [outcome] = await reward.score([input]);
        const image = input.image as RgbImage;
        await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path.join(options.outDir, 'samples', `heldout-${i}.png`));
        samples.push({
          caption: `${prompt.prompt} → ${describePlan(decodePlan(sequence!.tokens))} (reward ${outcome?.reward?.toFixed(2) ?? 'n/a'})`,
          dataUrl: await pngDataUrl(image),
        });
      }
    }
    const summary: DemoSummary = {
      steps: result.step,
      minutes: Number(minutes.toFixed(2)),
      heldOutStart: allHeldOut[0] ?? Number.NaN,
      heldOutEnd: heldOut.at(-1) ?? Number.NaN,
      trainStart: allTrain[0] ?? Number.NaN,
      trainEnd: trainEval.at(-1) ?? Number.NaN,
      rewardCalls: cached ? cached.hits + cached.misses : 0,
      cacheHits: cached?.hits ?? 0,
      metricsPath: result.metricsPath!,
      htmlPath: path.join(options.outDir, 'learning-curve.html'),
      backend,
    };
    const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
    await writeFile(
      summary.htmlPath,
      learningCurveHtml({
        title: `BiCoT-GRPO demo: ${summary.steps} steps, ${summary.minutes} min (${backend})`,
        records: allRecords,
        summary: {
          'held-out mean reward (start → end)': `${fmt(summary.heldOutStart)} → ${fmt(summary.heldOutEnd)}`,
          'train mean reward (start → end)': `${fmt(summary.trainStart)} → ${fmt(summary.trainEnd)}`,
          'minutes (this run)': summary.minutes,
          'reward calls (cache hits)': `${summary.rewardCalls} (${summary.cacheHits})`,
          reward: useDetector ? 'ensemble: CenterNet detector (COCO-80, TF.js), t2i-r1 formula' : 'scene formula (no images)',
        },
        samples,
      }),
    );
    await writeFile(path.join(options.outDir, 'learning-curve.svg'), `${curveSvg(seriesFromRecords(allRecords), { title: 'mean detector reward (t2i-r1 formula, CenterNet)' })}\n`);
    await writeFile(path.join(options.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    progress?.stop();
    policy.dispose();
    await reward.dispose?.();
  }
}
