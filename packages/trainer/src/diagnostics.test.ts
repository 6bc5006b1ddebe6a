import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BiCotPolicy } from './demo/policy.js';
import { HELD_OUT_PROMPTS, PromptFeaturizer, TRAIN_EVAL_PROMPTS, TRAIN_PROMPTS } from './demo/prompts.js';
import { sceneReward } from './demo/scene-reward.js';
import { EarlyStopping, recordDiagnostics, trainingDrift } from './diagnostics.js';
import type { RewardFunction } from './reward.js';
import { train } from './trainer.js';
import { readRecordsWithoutTiming } from './__fixtures__/metrics.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 't2ir-diagnostics-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('recordDiagnostics', () => {
  it('reports agreement per group and flag shares (hand-computed)', () => {
    const outcomes = [
      { reward: 0.1, experts: { a: 0.1, b: 0.9 }, flags: { extraCopies: true } },
      { reward: 0.5, experts: { a: 0.5, b: 0.5 }, flags: { extraCopies: false } },
      { reward: 0.9, experts: { a: 0.9, b: 0.1 }, flags: { extraCopies: false } },
      { reward: 0.2, experts: { a: 0.2, b: 0.3 } },
      { reward: 0.4, experts: { a: 0.4, b: 0.6 } },
      { reward: 0.6, experts: { a: 0.6, b: null } },
    ];
    const diagnostics = recordDiagnostics(outcomes, 3);
    // group 1: a and b in reverse order (τ −1), best 2 vs 0; group 2: items 3, 4 agree (τ 1), best 5 (a) vs 4 (b)
    expect(diagnostics.agreement!.pairs).toEqual([{ a: 'a', b: 'b', tau: 0, groups: 2 }]);
    expect(diagnostics.agreement!.bestDiffers).toBe(1);
    // one of the three samples that carry the flag raises it
    expect(diagnostics.flags).toEqual({ extraCopies: 1 / 3 });
    expect(recordDiagnostics([{ reward: 1, experts: { a: 1 } }], 1)).toEqual({});
  });
});

describe('trainingDrift', () => {
  it('fires on the per-expert training means only', () => {
    const rec = (step: number, a: number, b: number, split = 'train') => ({ step, split, experts: { a: { mean: a, count: 4 }, b: { mean: b, count: 4 } } });
    const rising = [1, 2, 3, 4].map((s) => rec(s, 0.1 * s, 1 - 0.1 * s));
    expect(trainingDrift(rising).map((d) => d.expert)).toEqual(['a']);
    expect(trainingDrift(rising.map((r) => ({ ...r, split: 'eval' })))).toEqual([]);
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` evaluations without an improvement above minDelta', () => {
    const stopper = new EarlyStopping({ patience: 2, minDelta: 0.01 });
    expect(stopper.update(0, 0.2)).toBe(false);
    expect(stopper.update(10, 0.3)).toBe(false);
    expect(stopper.update(20, 0.305)).toBe(false); // not above 0.3 + 0.01
    expect(stopper.update(30, Number.NaN)).toBe(true);
    expect(stopper.state).toEqual({ bestStep: 10, bestValue: 0.3, since: 2 });
    expect(() => new EarlyStopping({ patience: 0 })).toThrow(RangeError);
    const byExpert = new EarlyStopping({ patience: 1, expert: 'b' });
    expect(byExpert.valueOf({ reward: { mean: 0.1 }, experts: { b: { mean: 0.7 } } })).toBe(0.7);
  });
});

const featurizer = new PromptFeaturizer(TRAIN_PROMPTS.map((p) => p.prompt));

describe('train with diagnostics', () => {
  it('an anti-correlated monitor gives τ = −1 and a drift alarm as the reward is learned; flags are reported', async () => {
    const scene = sceneReward();
    // The monitor is 1 − reward: whatever the policy learns, the two experts rank every group in reverse.
    const reward: RewardFunction = {
      async score(inputs) {
        return (await scene.score(inputs)).map((o) => ({ ...o, experts: { scene: o.reward, monitor: o.reward === null ? null : 1 - o.reward } }));
      },
    };
    const result = await train({
      policy: new BiCotPolicy(tf, featurizer, { seed: 11, render: false }),
      reward,
      prompts: TRAIN_PROMPTS,
      evalTrainPrompts: TRAIN_EVAL_PROMPTS,
      evalEvery: 12,
      steps: 12,
      seed: 3,
      settings: { groupSize: 8, promptsPerStep: 4, learningRate: 0.05, updatesPerBatch: 4, beta: 0.01 },
      drift: { window: 6, threshold: 0.002 },
    });
    const trainRecords = result.records.filter((r) => r.split === 'train');
    for (const record of trainRecords) {
      const { meanTau } = record.agreement!;
      if (meanTau !== null) expect(meanTau).toBeCloseTo(-1, 12);
      expect(record.flags!.extraCopies).toBeGreaterThanOrEqual(0);
      expect(record.flags!.extraCopies).toBeLessThanOrEqual(1);
    }
    // the reward rises over the run (the learning test's premise), so the mirrored monitor falls: 'scene' raises
    // the alarm (the monitor may too, over a window where the noisy batch mean dipped); every alarm holds its definition
    const alarms = trainRecords.flatMap((r) => r.drift ?? []);
    expect(alarms.some((a) => a.expert === 'scene')).toBe(true);
    for (const alarm of alarms) {
      expect(alarm.slope).toBeGreaterThanOrEqual(0.002);
      expect(Object.values(alarm.others).every((slope) => slope <= -0.002)).toBe(true);
    }
    const evalTrain = result.records.filter((r) => r.split === 'eval-train');
    expect(evalTrain[1]!.experts.scene!.mean).toBeGreaterThan(evalTrain[0]!.experts.scene!.mean);
  });

  it('a resumed run writes the same agreement, flags and drift alarms as an uninterrupted one', async () => {
    const scene = sceneReward();
    const mirrored: RewardFunction = {
      async score(inputs) {
        return (await scene.score(inputs)).map((o) => ({ ...o, experts: { scene: o.reward, monitor: o.reward === null ? null : 1 - o.reward } }));
      },
    };
    const run = (outDir: string, extra: Partial<Parameters<typeof train>[0]> = {}) =>
      train({
        policy: new BiCotPolicy(tf, featurizer, { seed: 5, render: false }),
        reward: mirrored,
        prompts: TRAIN_PROMPTS,
        evalPrompts: HELD_OUT_PROMPTS.slice(0, 2),
        evalGroupSize: 2,
        evalEvery: 2,
        steps: 6,
        seed: 2,
        outDir,
        settings: { groupSize: 4, promptsPerStep: 2, learningRate: 0.05, updatesPerBatch: 2 },
        drift: { window: 3, threshold: 1e-4 },
        earlyStopping: { patience: 10 },
        ...extra,
      });
    const read = readRecordsWithoutTiming;
    const whole = await run(path.join(root, 'drift-whole'));
    await run(path.join(root, 'drift-resumed'), { stopAfter: 4 });
    const resumed = await run(path.join(root, 'drift-resumed'), { resume: true });
    const a = await read(whole.metricsPath!);
    expect(await read(resumed.metricsPath!)).toEqual(a);
    // an alarm after the resume point (step 4) needs the steps before it: the resumed call reads them back
    expect(a.some((r) => r.step > 4 && r.drift !== undefined)).toBe(true);
    expect(resumed.earlyStopping).toEqual(whole.earlyStopping);
  });

  it('early stopping ends a run whose held-out reward stops improving', async () => {
    const constant: RewardFunction = { score: (inputs) => Promise.resolve(inputs.map(() => ({ reward: 0.5, experts: { c: 0.5 } }))) };
    const result = await train({
      policy: new BiCotPolicy(tf, featurizer, { seed: 1, render: false }),
      reward: constant,
      prompts: TRAIN_PROMPTS.slice(0, 8),
      evalPrompts: HELD_OUT_PROMPTS.slice(0, 2),
      evalGroupSize: 2,
      evalEvery: 1,
      steps: 6,
      seed: 1,
      outDir: path.join(root, 'early'),
      settings: { groupSize: 4, promptsPerStep: 1 },
      earlyStopping: { patience: 2 },
    });
    // evaluations at 0 (best), 1 and 2 without improvement → stop after step 2, with a checkpoint
    expect(result.step).toBe(2);
    expect(result.earlyStopping).toEqual({ bestStep: 0, bestValue: 0.5, since: 2, stopped: true });
    expect(result.checkpointPath).toMatch(/step-0*2$/);
    await expect(
      train({
        policy: new BiCotPolicy(tf, featurizer, { seed: 1, render: false }),
        reward: constant,
        prompts: TRAIN_PROMPTS,
        steps: 1,
        earlyStopping: { patience: 1 },
      }),
    ).rejects.toThrow(/evalPrompts/);
  });
});
