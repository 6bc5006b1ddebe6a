import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BiCotPolicy } from './demo/policy.js';
import { PromptFeaturizer, TRAIN_EVAL_PROMPTS, TRAIN_PROMPTS, HELD_OUT_PROMPTS } from './demo/prompts.js';
import { sceneReward } from './demo/scene-reward.js';
import type { RewardFunction } from './reward.js';
import { train, type MetricsRecord, type TrainOptions } from './trainer.js';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(path.join(os.tmpdir(), 't2ir-trainer-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const featurizer = new PromptFeaturizer(TRAIN_PROMPTS.map((p) => p.prompt));
const prompts = TRAIN_PROMPTS.slice(0, 12);

function options(outDir: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    policy: new BiCotPolicy(tf, featurizer, { seed: 11, render: false }),
    reward: sceneReward(),
    prompts,
    evalPrompts: HELD_OUT_PROMPTS.slice(0, 2),
    evalGroupSize: 2,
    evalEvery: 2,
    steps: 5,
    seed: 3,
    outDir,
    // β ≠ 0 (reference policy in the checkpoint), several updates per batch (ρ ≠ 1, clipping), a stat tracker.
    settings: { groupSize: 4, promptsPerStep: 2, learningRate: 0.05, beta: 0.02, updatesPerBatch: 2, statTracker: { historySize: 8 } },
    ...extra,
  };
}

async function readRecords(file: string): Promise<Omit<MetricsRecord, 'timing'>[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { timing: _timing, ...rest } = JSON.parse(line) as MetricsRecord;
      return rest;
    });
}

describe('train', () => {
  it('a run stopped and resumed from its checkpoint equals an uninterrupted run with the same seed', async () => {
    const straight = options(path.join(root, 'straight'));
    const whole = await train(straight);
    const weightsWhole = straight.policy.trainableVariables().map((v) => Array.from(v.dataSync()));

    const interruptedDir = path.join(root, 'interrupted');
    const first = await train(options(interruptedDir, { stopAfter: 3 }));
    expect(first.step).toBe(3);
    // A fresh process would build a fresh policy: new variables, initial weights, then the checkpoint.
    const resumedOptions = options(interruptedDir, { resume: true });
    const resumed = await train(resumedOptions);
    expect(resumed.step).toBe(5);
    const weightsResumed = resumedOptions.policy.trainableVariables().map((v) => Array.from(v.dataSync()));

    const a = await readRecords(whole.metricsPath!);
    const b = await readRecords(resumed.metricsPath!);
    expect(a.filter((r) => r.split === 'train')).toHaveLength(5);
    expect(b).toEqual(a);
    expect(weightsResumed).toEqual(weightsWhole);
    // The runs moved: KL to the reference grew from 0, and the record carries the documented fields.
    const last = a.filter((r) => r.split === 'train').at(-1)!;
    expect(last.kl).toBeGreaterThan(0);
    expect(Object.keys(last.experts)).toEqual(['scene']);
    expect(last.advantage?.count).toBe(8);
  });

  it('refuses to resume a checkpoint written with another seed', async () => {
    const dir = path.join(root, 'seeded');
    await train(options(dir, { steps: 1, evalEvery: 0 }));
    await expect(train(options(dir, { steps: 2, seed: 4, resume: true }))).rejects.toThrow(/seed 3/);
  });

  it('leaves failed rewards out of advantages and loss instead of counting them as 0', async () => {
    const inner = sceneReward();
    let call = 0;
    const flaky: RewardFunction = {
      async score(inputs) {
        const outcomes = await inner.score(inputs);
        call += 1;
        // Every other sample of the first batch fails.
        return call === 1 ? outcomes.map((o, i) => (i % 2 === 0 ? { reward: null, experts: { scene: null }, error: 'boom' } : o)) : outcomes;
      },
    };
    const result = await train({
      ...options(path.join(root, 'flaky'), { steps: 1, evalEvery: 0 }),
      reward: flaky,
      settings: { groupSize: 4, promptsPerStep: 1 },
    });
    const [record] = result.records;
    expect(record!.failed).toBe(2);
    expect(record!.reward.count).toBe(2);
    expect(record!.advantage!.count).toBe(2);
    expect(Number.isFinite(record!.loss)).toBe(true);
    expect(record!.tokens).toBeGreaterThan(0);
  });

  it('learns: mean scene reward on training prompts rises over a short seeded run', async () => {
    const result = await train({
      ...options(path.join(root, 'learn'), { steps: 12, evalEvery: 12 }),
      evalPrompts: undefined,
      evalTrainPrompts: TRAIN_EVAL_PROMPTS,
      evalGroupSize: 8,
      prompts: TRAIN_PROMPTS,
      settings: { groupSize: 8, promptsPerStep: 4, learningRate: 0.05, updatesPerBatch: 4, beta: 0.01 },
    });
    const curve = result.records.filter((r) => r.split === 'eval-train').map((r) => r.reward.mean);
    expect(curve).toHaveLength(2);
    expect(curve[1]! - curve[0]!).toBeGreaterThan(0.1);
  });
});
