import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { Type, type Static } from '@sinclair/typebox';
import {
  T2I_R1_PRESET,
  grpoLoss,
  grpoSettingsSchema,
  statTrackerOptionsSchema,
  grpoLossTf,
  multiRewardAdvantages,
  PerPromptStatTracker,
  summarize,
  type AdvantageResult,
  type StatTrackerOptions,
  type StatTrackerState,
  type Tf,
} from './math/index.js';
import { NormalizerStore, normalizeSpecSchema, type AgreementSummary, type DriftAlarm, type DriftOptions, type NormalizerState } from '@t2i-reward/core';
import { normalizeOutcomes, parseRewardNormalize, type RewardNormalizeSetting } from './normalize.js';
import { AdamOptimizer } from './adam.js';
import { EarlyStopping, recordDiagnostics, trainingDrift, type EarlyStoppingOptions, type EarlyStoppingState } from './diagnostics.js';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint, type StoredTensor } from './checkpoint.js';
import type { Policy, PromptItem, SampledSequence } from './policy.js';
import type { RewardFunction, RewardOutcome } from './reward.js';
import { SeededRng } from './rng.js';

/** The trainer's settings (JSON Schema: the train config's `settings` is it, every key optional); TrainerSettings is its type. */
export const trainerSettingsSchema = Type.Object(
  {
    ...grpoSettingsSchema.properties,
    /** Prompts per step; the batch holds promptsPerStep × groupSize samples. */
    promptsPerStep: Type.Integer({ minimum: 1 }),
    /** Clip the global gradient norm (TRL's max_grad_norm = 1); 0 = off. */
    maxGradNorm: Type.Number({ minimum: 0 }),
    weightDecay: Type.Number({ minimum: 0 }),
    /**
     * Sample batch k+1 (and start its rewards) before update k, so the reward of the next batch runs during this
     * update (a pooled or remote reward then never waits on the trainer, nor the trainer on it). One step off-policy:
     * the batch's old log-probs are taken when it is sampled and the clipped ratio π_θ / π_sampler corrects for the
     * update in between (as asynchronous GRPO trainers do). A checkpoint stores the batch already sampled, so a
     * resumed run equals an uninterrupted one. Default false (on-policy, T2I-R1's setting).
     */
    sampleAhead: Type.Boolean(),
    /**
     * Normalise each expert's scores with core's normalisers before the advantages (`{ mode: 'running-z' }` for every
     * expert, or specs by expert name); groups are the prompts. Running statistics travel in checkpoints. Default
     * false (raw scores). `multiReward: 'gdpo'` is the per-expert group-z form without this setting.
     */
    rewardNormalize: Type.Unsafe<RewardNormalizeSetting | false>({
      // One spec for every expert, or specs by expert name (core's normalizeSpecSchema).
      anyOf: [{ const: false }, normalizeSpecSchema, { type: 'object', not: { required: ['mode'] }, additionalProperties: normalizeSpecSchema }],
    }),
    /** Use a Flow-GRPO per-prompt stat tracker (options) instead of per-batch group statistics. */
    statTracker: Type.Unsafe<StatTrackerOptions | false>({ oneOf: [{ const: false }, statTrackerOptionsSchema] }),
  },
  { additionalProperties: false },
);
export type TrainerSettings = Static<typeof trainerSettingsSchema>;

export const DEFAULT_TRAINER_SETTINGS: Readonly<TrainerSettings> = Object.freeze({
  ...T2I_R1_PRESET,
  promptsPerStep: 1,
  maxGradNorm: 1,
  weightDecay: 0,
  statTracker: false,
  sampleAhead: false,
  rewardNormalize: false,
});

export interface Stats {
  mean: number;
  std: number;
  min: number;
  max: number;
  count: number;
}

/** One JSONL line. `split: 'train'` after each update, `'eval'` / `'eval-train'` at evaluation points. */
export interface MetricsRecord {
  step: number;
  split: 'train' | 'eval' | 'eval-train';
  reward: Stats;
  /** Per expert (ensemble member) score statistics. */
  experts: Record<string, Stats>;
  /** With two or more experts: Kendall τ-b between experts within each group, and the share of groups whose best sample differs by expert. */
  agreement?: AgreementSummary;
  /** Share of samples raising each flag the reward reports (the demo: `extraCopies`). */
  flags?: Record<string, number>;
  /** Train records: experts whose mean rises while all others fall over the drift window (absent when none). */
  drift?: DriftAlarm[];
  /** Samples whose reward failed (left out of advantages and loss). */
  failed: number;
  advantage?: Stats & { zeroStdGroups: number };
  /** loss, kl (k3, token mean), clipFraction, ratio (ρ, token mean) and gradNorm (before clipping): means over the batch's updates. */
  loss?: number;
  kl?: number;
  clipFraction?: number;
  ratio?: number;
  gradNorm?: number;
  tokens?: number;
  prompts?: string[];
  /** Wall-clock seconds (not part of the deterministic record; compare without it). */
  timing?: { sampleSeconds: number; rewardWaitSeconds: number; updateSeconds: number; elapsedSeconds: number };
}

export interface TrainOptions {
  policy: Policy;
  reward: RewardFunction;
  prompts: readonly PromptItem[];
  /** Held-out prompts, evaluated every `evalEvery` steps (also before the first and after the last). */
  evalPrompts?: readonly PromptItem[];
  /** Training prompts (all or a fixed subset) also evaluated at evaluation points (split `eval-train`). */
  evalTrainPrompts?: readonly PromptItem[];
  /** Samples per prompt at evaluation; default groupSize. */
  evalGroupSize?: number;
  evalEvery?: number;
  /** Total number of updates of the run. */
  steps: number;
  seed?: number;
  settings?: Partial<TrainerSettings>;
  /** Writes `metrics.jsonl` and `checkpoints/` here. */
  outDir?: string;
  checkpointEvery?: number;
  /** Continue from `outDir/checkpoints/latest` when it exists. */
  resume?: boolean;
  /** Return after this many updates in this call (a checkpoint is written), as if the run were interrupted. */
  stopAfter?: number;
  /** Wall-clock budget of this call: no new step starts after it; a final evaluation and checkpoint are written. */
  timeLimitSeconds?: number;
  tf?: Tf;
  onRecord?: (record: MetricsRecord) => void;
  /** Called after each update with the step number (progress bars). */
  onStep?: (step: number, record: MetricsRecord) => void;
  signal?: AbortSignal;
  /** Drift alarm settings over the per-expert training means (default: window 10 steps, slope ±0.005 per step); false = off. */
  drift?: DriftOptions | false;
  /** Stop when the held-out (`evalPrompts`) reward has not improved for `patience` evaluations; needs `evalEvery`. */
  earlyStopping?: EarlyStoppingOptions;
}

export interface TrainResult {
  step: number;
  /** With `earlyStopping`: the best held-out evaluation, and whether the run stopped on it. */
  earlyStopping?: EarlyStoppingState & { stopped: boolean };
  records: MetricsRecord[];
  metricsPath?: string;
  checkpointPath?: string;
}

/** A batch sampled with the weights before an update and not trained on yet (`sampleAhead`), as checkpoints store it. */
interface PendingBatch {
  promptIndices: number[];
  sequences: SampledSequence[];
  /** log π of the sampling weights (the policy's re-score, as the loss uses) and of the reference, [B, T]. */
  oldLogProbs: number[][];
  refLogProbs?: number[][];
  sampleSeconds: number;
}

interface TrainerState {
  step: number;
  pending?: PendingBatch;
  seed: number;
  rng: number[];
  order: number[];
  cursor: number;
  tracker?: StatTrackerState;
  /** Running statistics of `rewardNormalize` (running-z). */
  normalizers?: NormalizerState;
  /** Running statistics the reward keeps itself (an ensemble config with running-z experts). */
  rewardNormalizers?: NormalizerState;
  adamStep: number;
  variables: number;
  hasReference: boolean;
}

function stats(values: readonly (number | null | undefined)[]): Stats {
  return summarize(values);
}

function expertStats(outcomes: readonly RewardOutcome[]): Record<string, Stats> {
  const names = [...new Set(outcomes.flatMap((o) => Object.keys(o.experts)))].sort();
  return Object.fromEntries(names.map((name) => [name, stats(outcomes.map((o) => o.experts[name]))]));
}

function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

function toStored(prefix: string, variables: readonly tfjs.Variable[]): StoredTensor[] {
  return variables.map((variable, i) => ({
    name: `${prefix}/${i}/${variable.name}`,
    shape: [...variable.shape],
    values: Float32Array.from(variable.dataSync() as Float32Array),
  }));
}

function assignStored(tf: Tf, variables: readonly tfjs.Variable[], stored: readonly StoredTensor[], what: string): void {
  if (stored.length !== variables.length) throw new Error(`checkpoint has ${stored.length} ${what} tensors, the policy ${variables.length}`);
  variables.forEach((variable, i) => {
    const entry = stored[i]!;
    if (entry.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`checkpoint ${what} tensor ${i} has shape [${entry.shape.join(', ')}], the policy [${variable.shape.join(', ')}]`);
    }
    variable.assign(tf.tensor(entry.values, variable.shape));
  });
}

/** Pads per-sequence masks to [B, width] and zeroes sequences whose reward failed. */
function buildMask(sequences: readonly SampledSequence[], valid: readonly boolean[], width: number): number[][] {
  return sequences.map((sequence, b) =>
    Array.from({ length: width }, (_, t) => {
      if (!valid[b] || t >= sequence.tokens.length) return 0;
      return sequence.mask ? (sequence.mask[t] ?? 0) : 1;
    }),
  );
}

/**
 * GRPO / BiCoT-GRPO training loop. Per step: sample a group of `groupSize` sequences for each of
 * `promptsPerStep` prompts; each group's images go to the reward as soon as they are decoded (the reward
 * runs while the next group is sampled, and while the reference policy re-scores); group-relative
 * advantages; `updatesPerBatch` gradient steps on the clipped surrogate + β·k3 against a frozen reference.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const tf = options.tf ?? tfjs;
  const settings: TrainerSettings = { ...DEFAULT_TRAINER_SETTINGS, ...options.settings };
  const seed = options.seed ?? 0;
  const { policy, reward } = options;
  const G = settings.groupSize;
  const variables = policy.trainableVariables();
  const reference = (settings.beta ?? 0) !== 0 ? await policy.clone() : undefined;
  const optimizer = new AdamOptimizer(tf, { learningRate: settings.learningRate, weightDecay: settings.weightDecay });
  let tracker = settings.statTracker ? new PerPromptStatTracker(settings.statTracker) : undefined;
  const rewardNormalize = settings.rewardNormalize ? parseRewardNormalize(settings.rewardNormalize) : undefined;
  const normalizers = new NormalizerStore();
  let rng = SeededRng.fromSeed(seed);
  let order: number[] = [];
  let cursor = 0;
  let step = 0;
  const records: MetricsRecord[] = [];
  const metricsPath = options.outDir ? path.join(options.outDir, 'metrics.jsonl') : undefined;
  const checkpointRoot = options.outDir ? path.join(options.outDir, 'checkpoints') : undefined;
  const started = performance.now();
  const stopper = options.earlyStopping ? new EarlyStopping(options.earlyStopping) : undefined;
  let stoppedEarly = false;
  /** Training records the drift alarm looks back on (this call's, and on resume those already written). */
  const driftHistory: MetricsRecord[] = [];
  if (stopper && !((options.evalEvery ?? 0) > 0 && options.evalPrompts)) throw new Error('earlyStopping needs evalPrompts and evalEvery > 0');

  let restoredPending: PendingBatch | undefined;
  const resumeFrom = options.resume && checkpointRoot ? await latestCheckpoint(checkpointRoot) : undefined;
  if (resumeFrom) {
    const { state, tensors } = await loadCheckpoint<TrainerState>(resumeFrom);
    if (state.seed !== seed) throw new Error(`checkpoint ${resumeFrom} was written with seed ${state.seed}, this run has ${seed}`);
    step = state.step;
    restoredPending = state.pending;
    rng = SeededRng.fromState(state.rng);
    order = state.order;
    cursor = state.cursor;
    tracker = state.tracker ? PerPromptStatTracker.fromJSON(state.tracker) : tracker;
    if (state.normalizers) normalizers.restore(state.normalizers);
    if (state.rewardNormalizers) reward.normalizers?.restore(state.rewardNormalizers);
    const byPrefix = (prefix: string): StoredTensor[] => tensors.filter((t) => t.name.startsWith(`${prefix}/`));
    assignStored(tf, variables, byPrefix('policy'), 'policy');
    if (reference && state.hasReference) assignStored(tf, reference.trainableVariables(), byPrefix('reference'), 'reference');
    const m = byPrefix('adam-m').map((t) => t.values);
    const v = byPrefix('adam-v').map((t) => t.values);
    optimizer.setState({ step: state.adamStep, m, v }, variables);
    if (metricsPath) {
      // Drop lines written after the checkpoint (an interrupted step) so the file equals an uninterrupted run's.
      const kept = (await readFile(metricsPath, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.trim() !== '' && (JSON.parse(line) as MetricsRecord).step <= step);
      await writeFile(metricsPath, kept.map((line) => `${line}\n`).join(''));
      // Early stopping continues from the held-out evaluations already written.
      for (const line of kept) {
        const record = JSON.parse(line) as MetricsRecord;
        if (stopper && record.split === 'eval') stopper.update(record.step, stopper.valueOf(record));
        if (record.split === 'train') driftHistory.push(record);
      }
    }
  } else if (metricsPath) {
    // A fresh run (or --resume with nothing to resume) starts a new metrics file.
    await mkdir(path.dirname(metricsPath), { recursive: true });
    await writeFile(metricsPath, '');
  }

  const emit = async (record: MetricsRecord): Promise<void> => {
    records.push(record);
    options.onRecord?.(record);
    if (metricsPath) await appendFile(metricsPath, `${JSON.stringify(record)}\n`);
  };

  const nextPrompts = (): number[] => {
    const chosen: number[] = [];
    for (let k = 0; k < settings.promptsPerStep; k += 1) {
      if (cursor >= order.length) {
        order = rng.shuffle(options.prompts.map((_, i) => i));
        cursor = 0;
      }
      chosen.push(order[cursor]!);
      cursor += 1;
    }
    return chosen;
  };

  /**
   * Samples groups (or takes `given`, a batch a checkpoint stored) and starts scoring each as soon as it is
   * decoded; returns before the rewards are in.
   */
  const rollout = async (
    prompts: readonly PromptItem[],
    count: number,
    sampler: SeededRng,
    given?: readonly SampledSequence[],
  ): Promise<{ items: PromptItem[]; sequences: SampledSequence[]; rewards: Promise<RewardOutcome[]> }> => {
    const items: PromptItem[] = [];
    const sequences: SampledSequence[] = [];
    const pending: Promise<RewardOutcome[]>[] = [];
    for (const [p, prompt] of prompts.entries()) {
      const group = given ? given.slice(p * count, (p + 1) * count) : await policy.sample(prompt, count, sampler);
      if (group.length !== count) throw new Error(`policy.sample returned ${group.length} sequences, expected ${count}`);
      const inputs = await Promise.all(group.map((sequence) => policy.decode(prompt, sequence)));
      pending.push(reward.score(inputs, options.signal ? { signal: options.signal } : {}));
      // Yield so a reward running on the event loop (I/O, remote, worker) makes progress before the next group.
      await new Promise((resolve) => setImmediate(resolve));
      for (const sequence of group) {
        items.push(prompt);
        sequences.push(sequence);
      }
    }
    const rewards = Promise.all(pending).then((groups) => groups.flat());
    // Marked handled: a batch sampled ahead is awaited only after the current update (awaiting it still throws).
    rewards.catch(() => undefined);
    return { items, sequences, rewards };
  };

  interface Batch {
    promptIndices: number[];
    prompts: PromptItem[];
    items: PromptItem[];
    sequences: SampledSequence[];
    rewards: Promise<RewardOutcome[]>;
    oldLogProbs?: number[][];
    refLogProbs?: number[][];
    sampleSeconds: number;
  }

  /** Samples the next training batch (or restores the one a checkpoint stored) and starts its rewards. */
  const startBatch = async (stored?: PendingBatch): Promise<Batch> => {
    const begin = performance.now();
    const promptIndices = stored?.promptIndices ?? nextPrompts();
    const prompts = promptIndices.map((i) => options.prompts[i]!);
    const { items, sequences, rewards } = await rollout(prompts, G, rng, stored?.sequences);
    const sampleSeconds = stored?.sampleSeconds ?? secondsSince(begin);
    // While the rewards are computed: reference and old log-probs (no gradients needed). A stored batch has
    // them from the weights that sampled it (with sampleAhead those weights have been updated since).
    // (The reference is frozen: a stored batch without its log-probs, written by a run with β = 0, gets them now.)
    const refLogProbs = stored?.refLogProbs ?? (reference ? tf.tidy(() => reference.logProbs(items, sequences).arraySync()) : undefined);
    const oldLogProbs = stored
      ? stored.oldLogProbs
      : settings.updatesPerBatch > 1 || settings.sampleAhead
        ? tf.tidy(() => policy.logProbs(items, sequences).arraySync())
        : undefined;
    return {
      promptIndices,
      prompts,
      items,
      sequences,
      rewards,
      sampleSeconds,
      ...(oldLogProbs ? { oldLogProbs } : {}),
      ...(refLogProbs ? { refLogProbs } : {}),
    };
  };

  /** The batch sampled ahead of the coming update (`sampleAhead`), or one restored from a checkpoint. */
  let ahead: Batch | undefined;

  const evaluate = async (split: 'eval' | 'eval-train', prompts: readonly PromptItem[]): Promise<MetricsRecord | undefined> => {
    if (prompts.length === 0) return undefined;
    // Evaluation draws from its own stream (seed, step, split), so it never shifts the training stream.
    const sampler = SeededRng.fromSeed((seed * 7919 + step * 31 + (split === 'eval' ? 1 : 2)) | 0);
    const { rewards } = await rollout(prompts, options.evalGroupSize ?? G, sampler);
    const outcomes = await rewards;
    const record: MetricsRecord = {
      step,
      split,
      reward: stats(outcomes.map((o) => o.reward)),
      experts: expertStats(outcomes),
      failed: outcomes.filter((o) => o.reward === null).length,
      ...recordDiagnostics(outcomes, options.evalGroupSize ?? G),
    };
    await emit(record);
    return record;
  };

  /** Evaluates; returns true when early stopping says stop. */
  const evaluateAll = async (): Promise<boolean> => {
    const heldOut = options.evalPrompts ? await evaluate('eval', options.evalPrompts) : undefined;
    if (options.evalTrainPrompts) await evaluate('eval-train', options.evalTrainPrompts);
    return stopper !== undefined && heldOut !== undefined && stopper.update(heldOut.step, stopper.valueOf(heldOut));
  };

  const writeCheckpoint = async (): Promise<string | undefined> => {
    if (!checkpointRoot) return undefined;
    const adam = optimizer.getState();
    const state: TrainerState = {
      step,
      seed,
      rng: rng.getState(),
      order,
      cursor,
      adamStep: adam.step,
      variables: variables.length,
      hasReference: reference !== undefined,
      ...(tracker ? { tracker: tracker.toJSON() } : {}),
      ...(normalizers.size > 0 ? { normalizers: normalizers.toJSON() } : {}),
      ...(reward.normalizers && reward.normalizers.size > 0 ? { rewardNormalizers: reward.normalizers.toJSON() } : {}),
      ...(ahead
        ? {
            pending: {
              promptIndices: ahead.promptIndices,
              // As JSON: a policy's own fields on its sequences travel too (decode may read them).
              sequences: JSON.parse(JSON.stringify(ahead.sequences)) as SampledSequence[],
              oldLogProbs: ahead.oldLogProbs!,
              ...(ahead.refLogProbs ? { refLogProbs: ahead.refLogProbs } : {}),
              sampleSeconds: ahead.sampleSeconds,
            },
          }
        : {}),
    };
    const tensors: StoredTensor[] = [
      ...toStored('policy', variables),
      ...(reference ? toStored('reference', reference.trainableVariables()) : []),
      ...adam.m.map((values, i) => ({ name: `adam-m/${i}`, shape: [...variables[i]!.shape], values })),
      ...adam.v.map((values, i) => ({ name: `adam-v/${i}`, shape: [...variables[i]!.shape], values })),
    ];
    return saveCheckpoint(checkpointRoot, step, { state, tensors });
  };

  const evalDue = (s: number): boolean => options.evalEvery !== undefined && options.evalEvery > 0 && (s % options.evalEvery === 0 || s === options.steps);

  if (step === 0 && (options.evalEvery ?? 0) > 0) await evaluateAll();
  let checkpointPath: string | undefined;
  let doneThisCall = 0;

  if (restoredPending && step < options.steps) ahead = await startBatch(restoredPending);

  while (step < options.steps) {
    options.signal?.throwIfAborted();
    const batch = ahead ?? (await startBatch());
    ahead = undefined;
    // sampleAhead: the next batch is sampled now, with the weights before this update; its rewards are computed
    // while this batch's finish and during the update below.
    if (settings.sampleAhead && step + 1 < options.steps) ahead = await startBatch();
    const { prompts, items, sequences, oldLogProbs, refLogProbs, sampleSeconds } = batch;

    const waitStart = performance.now();
    const outcomes = await batch.rewards;
    const rewardWaitSeconds = secondsSince(waitStart);
    // What the advantages read: the raw outcomes, or each expert normalised first (metrics keep the raw ones).
    const scored = rewardNormalize
      ? normalizeOutcomes(
          outcomes,
          items.map((item) => item.prompt),
          rewardNormalize,
          normalizers,
        )
      : outcomes;

    const advantageResult: AdvantageResult = tracker
      ? tracker.update(
          items.map((item) => item.prompt),
          scored.map((o) => o.reward),
        )
      : settings.multiReward !== 'sum-then-normalize'
        ? (() => {
            const names = [...new Set(scored.flatMap((o) => Object.keys(o.experts)))].sort();
            if (names.length === 0)
              return multiRewardAdvantages(
                scored.map((o) => [o.reward]),
                G,
                { ...settings, mode: settings.multiReward },
              );
            const weights = names.map((name) => scored.find((o) => o.weights?.[name] !== undefined)?.weights?.[name] ?? 1);
            // `mode` named explicitly: settings carry it as `multiReward` (before, every mode ran sum-then-normalize here).
            return multiRewardAdvantages(
              scored.map((o) => names.map((name) => o.experts[name])),
              G,
              { ...settings, weights, mode: settings.multiReward },
            );
          })()
        : multiRewardAdvantages(
            scored.map((o) => [o.reward]),
            G,
            settings,
          );
    const { advantages, valid } = advantageResult;

    const updateStart = performance.now();
    let lossValue = 0;
    let klValue = 0;
    let clipFraction = 0;
    let ratio = 0;
    let gradNorm = 0;
    let gradNormMean = 0;
    let tokens = 0;
    for (let update = 0; update < settings.updatesPerBatch; update += 1) {
      let currentValues: number[][] | undefined;
      let mask: number[][] = [];
      const { value, grads } = tf.variableGrads(() => {
        const logProbs = policy.logProbs(items, sequences);
        mask = buildMask(sequences, valid, logProbs.shape[1]);
        currentValues = logProbs.arraySync();
        return grpoLossTf(
          tf,
          {
            logProbs,
            oldLogProbs: oldLogProbs ? tf.tensor2d(oldLogProbs) : null,
            refLogProbs: refLogProbs ? tf.tensor2d(refLogProbs) : null,
            advantages,
            mask,
          },
          settings,
        );
      }, variables);
      const gradients = variables.map((variable) => grads[variable.name]);
      gradNorm = Math.sqrt(gradients.reduce((acc, g) => acc + (g ? (tf.tidy(() => tf.sum(tf.square(g)).arraySync()) as number) : 0), 0));
      const scale = settings.maxGradNorm > 0 && gradNorm > settings.maxGradNorm ? settings.maxGradNorm / (gradNorm + 1e-6) : 1;
      const applied = scale === 1 ? gradients : gradients.map((g) => (g ? tf.mul(g, scale) : undefined));
      optimizer.apply(variables, applied);
      if (scale !== 1) applied.forEach((g) => g?.dispose());
      Object.values(grads).forEach((g) => g.dispose());
      if (currentValues) {
        // Metrics are means over the updates of this batch (with several, ρ and clipping move after the first).
        const numeric = grpoLoss(
          {
            logProbs: currentValues,
            ...(oldLogProbs ? { oldLogProbs } : {}),
            ...(refLogProbs ? { refLogProbs } : {}),
            advantages,
            mask,
          },
          settings,
        );
        const n = settings.updatesPerBatch;
        lossValue += value.arraySync() / n;
        klValue += numeric.meanKl / n;
        clipFraction += numeric.clipFraction / n;
        ratio += numeric.meanRatio / n;
        gradNormMean += gradNorm / n;
        tokens = mask.reduce((acc, row) => acc + row.reduce((a, b) => a + b, 0), 0);
      }
      value.dispose();
    }
    step += 1;
    doneThisCall += 1;

    let zeroStdGroups = 0;
    for (let g = 0; g < outcomes.length; g += G) {
      const group = outcomes.slice(g, g + G).map((o) => o.reward);
      const groupStats = stats(group);
      if (groupStats.count > 0 && groupStats.std === 0) zeroStdGroups += 1;
    }
    const record: MetricsRecord = {
      step,
      split: 'train',
      reward: stats(outcomes.map((o) => o.reward)),
      experts: expertStats(outcomes),
      failed: valid.filter((v) => !v).length,
      ...recordDiagnostics(outcomes, G),
      advantage: { ...stats(advantages.filter((_, i) => valid[i])), zeroStdGroups },
      loss: lossValue,
      kl: klValue,
      clipFraction,
      ratio,
      gradNorm: gradNormMean,
      tokens,
      prompts: prompts.map((p) => p.prompt),
      timing: {
        sampleSeconds,
        rewardWaitSeconds,
        updateSeconds: secondsSince(updateStart),
        elapsedSeconds: secondsSince(started),
      },
    };
    driftHistory.push(record);
    if (options.drift !== false) {
      const alarms = trainingDrift(driftHistory, options.drift ?? {});
      if (alarms.length > 0) record.drift = alarms;
    }
    await emit(record);
    options.onStep?.(step, record);
    const outOfTime = options.timeLimitSeconds !== undefined && secondsSince(started) > options.timeLimitSeconds;
    if (evalDue(step) || (outOfTime && (options.evalEvery ?? 0) > 0)) stoppedEarly = await evaluateAll();
    const stopping = (options.stopAfter !== undefined && doneThisCall >= options.stopAfter) || outOfTime || stoppedEarly;
    if ((options.checkpointEvery !== undefined && options.checkpointEvery > 0 && step % options.checkpointEvery === 0) || step === options.steps || stopping) {
      checkpointPath = (await writeCheckpoint()) ?? checkpointPath;
    }
    if (stopping) break;
  }
  // A batch sampled ahead of a step this call will not take: let its rewards finish (the checkpoint holds it).
  if (ahead) await ahead.rewards.catch(() => undefined);
  reference?.dispose?.();
  optimizer.dispose();
  return {
    step,
    records,
    ...(metricsPath ? { metricsPath } : {}),
    ...(checkpointPath ? { checkpointPath } : {}),
    ...(stopper?.state ? { earlyStopping: { ...stopper.state, stopped: stoppedEarly } } : {}),
  };
}
