import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NormalizerStore } from '@t2i-reward/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecordsWithoutTiming } from './__fixtures__/metrics.js';
import { latestCheckpoint, loadCheckpoint } from './checkpoint.js';
import { BiCotPolicy } from './demo/policy.js';
import { HELD_OUT_PROMPTS, PromptFeaturizer, TRAIN_PROMPTS } from './demo/prompts.js';
import { twoScaleReward } from './demo/scale-reward.js';
import { multiRewardAdvantages } from './math/advantages.js';
import { normalizeOutcomes, parseRewardNormalize } from './normalize.js';
import { SeededRng } from './rng.js';
import type { RewardFunction } from './reward.js';
import { train, type TrainOptions } from './trainer.js';

describe('gdpo advantages', () => {
  it('equal TRL normalize-then-sum (two implementations of GDPO) on random matrices with missing rewards', () => {
    const rng = SeededRng.fromSeed(5);
    for (let trial = 0; trial < 40; trial += 1) {
      const G = 1 + Math.floor(rng.next() * 5);
      const n = G * (1 + Math.floor(rng.next() * 4));
      const matrix = Array.from({ length: n }, () =>
        [rng.next(), 100 * rng.next() + 3].map((v) => (rng.next() < 0.15 ? null : rng.next() < 0.1 ? Number.NaN : v)),
      );
      for (const std of ['sample', 'population'] as const) {
        const options = { weights: [1, 2], std, epsilon: 1e-4 };
        const gdpo = multiRewardAdvantages(matrix, G, { ...options, mode: 'gdpo' });
        const trl = multiRewardAdvantages(matrix, G, { ...options, mode: 'normalize-then-sum' });
        expect(gdpo.valid).toEqual(trl.valid);
        gdpo.advantages.forEach((a, i) => expect(a).toBeCloseTo(trl.advantages[i]!, 10));
      }
    }
  });

  it('makes a ×100 expert and a [0, 1] expert count alike, where sum-then-normalize follows the large one', () => {
    // One group of 4: the small expert ranks the samples 1 > 2 > 3 > 4, the large one slightly the other way.
    const matrix = [
      [1, 0],
      [0.7, 1],
      [0.3, 2],
      [0, 3],
    ];
    const sum = multiRewardAdvantages(matrix, 4, { mode: 'sum-then-normalize' }).advantages;
    const gdpo = multiRewardAdvantages(matrix, 4, { mode: 'gdpo' }).advantages;
    const scaled = multiRewardAdvantages(
      matrix.map(([a, b]) => [a!, 100 * b!]),
      4,
      { mode: 'gdpo' },
    ).advantages;
    expect(sum[0]).toBeLessThan(0); // the small expert's best sample is pushed down by the large one's scale
    scaled.forEach((a, i) => expect(a).toBeCloseTo(gdpo[i]!, 2)); // GDPO does not see the ×100 (up to ε against the std)
  });
});

describe('rewardNormalize', () => {
  it('normalises each expert (raw kept for metrics) and sums with the weights', () => {
    const store = new NormalizerStore();
    const outcomes = [
      { reward: 101, experts: { a: 1, b: 100 }, weights: { a: 1, b: 1 } },
      { reward: 300, experts: { a: null, b: 300 }, weights: { a: 1, b: 1 } },
      { reward: 3, experts: { a: 3, b: null }, weights: { a: 1, b: 1 } },
    ];
    const out = normalizeOutcomes(outcomes, ['p', 'p', 'p'], { mode: 'group-z' }, store);
    expect(out.map((o) => o.experts.a)).toEqual([-1 / (1 + 1e-4), null, 1 / (1 + 1e-4)]);
    expect(out[0]!.reward).toBeCloseTo(-1 / (1 + 1e-4) - 100 / (100 + 1e-4), 12);
    expect(outcomes[0]!.experts.a).toBe(1);
    expect(parseRewardNormalize({ b: { mode: 'rank' } })).toEqual({ b: { mode: 'rank' } });
    expect(() => parseRewardNormalize({ b: { mode: 'z' } })).toThrow(/settings\/rewardNormalize\/b\/mode/);
  });

  describe('checkpoints carry the running statistics', () => {
    let root: string;
    beforeAll(async () => {
      await tf.setBackend('cpu');
      root = await mkdtemp(path.join(os.tmpdir(), 't2ir-normalize-'));
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });
    const featurizer = new PromptFeaturizer(TRAIN_PROMPTS.map((p) => p.prompt));
    const options = (outDir: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
      policy: new BiCotPolicy(tf, featurizer, { seed: 7, render: false }),
      reward: twoScaleReward({ scale: 100, offset: 5 }),
      prompts: TRAIN_PROMPTS.slice(0, 8),
      evalPrompts: HELD_OUT_PROMPTS.slice(0, 2),
      evalGroupSize: 2,
      evalEvery: 2,
      steps: 4,
      seed: 2,
      outDir,
      settings: { groupSize: 4, promptsPerStep: 2, learningRate: 0.05, beta: 0, rewardNormalize: { mode: 'running-z', perPrompt: false } },
      ...extra,
    });

    it("a reward's own running statistics (an ensemble's running-z experts) travel in checkpoints too", async () => {
      /** The two-scale reward whose `layout` is running-z'd by the reward itself (as an ensemble config would). */
      const selfNormalizing = (): RewardFunction => {
        const inner = twoScaleReward({ scale: 100 });
        const store = new NormalizerStore();
        return {
          normalizers: store,
          async score(inputs) {
            const outcomes = await inner.score(inputs);
            const layout = store.normalize(
              'layout',
              outcomes.map((o) => o.experts.layout ?? null),
              { mode: 'running-z' },
            ).values;
            return outcomes.map((o, i) => ({ ...o, reward: (o.experts.scene ?? 0) + (layout[i] ?? 0) }));
          },
        };
      };
      const plain = { groupSize: 4, promptsPerStep: 2, learningRate: 0.05, beta: 0 };
      const whole = await train(options(path.join(root, 'self-straight'), { reward: selfNormalizing(), settings: plain }));
      const dir = path.join(root, 'self-interrupted');
      await train(options(dir, { reward: selfNormalizing(), settings: plain, stopAfter: 2 }));
      const { state } = await loadCheckpoint<{ rewardNormalizers?: ReturnType<NormalizerStore['toJSON']> }>(
        (await latestCheckpoint(path.join(dir, 'checkpoints')))!,
      );
      expect(state.rewardNormalizers?.running.layout?.keys['*']?.count).toBeGreaterThanOrEqual(16);
      const resumed = await train(options(dir, { reward: selfNormalizing(), settings: plain, resume: true }));
      expect(await readRecordsWithoutTiming(resumed.metricsPath!)).toEqual(await readRecordsWithoutTiming(whole.metricsPath!));
    });

    it('the multiReward mode reaches the advantages (gdpo ≠ the plain weighted sum)', async () => {
      const advantagesOf = async (multiReward: 'sum-then-normalize' | 'gdpo' | 'normalize-then-sum') => {
        const run = await train(
          options(path.join(root, `mode-${multiReward}`), { steps: 1, evalEvery: 0, settings: { groupSize: 4, promptsPerStep: 2, beta: 0, multiReward } }),
        );
        return run.records.find((r) => r.split === 'train')!.advantage!;
      };
      const plain = await advantagesOf('sum-then-normalize');
      const gdpo = await advantagesOf('gdpo');
      expect(gdpo.std).not.toBeCloseTo(plain.std, 6);
      expect(await advantagesOf('normalize-then-sum')).toEqual(gdpo);
    });

    it('a resumed running-z run equals an uninterrupted one', async () => {
      const whole = await train(options(path.join(root, 'straight')));
      const dir = path.join(root, 'interrupted');
      await train(options(dir, { stopAfter: 2 }));
      const { state } = await loadCheckpoint<{ normalizers?: ReturnType<NormalizerStore['toJSON']> }>((await latestCheckpoint(path.join(dir, 'checkpoints')))!);
      // 2 steps × 8 samples seen by each expert's running statistics.
      expect(state.normalizers?.running.scene?.keys['*']?.count).toBe(16);
      expect(state.normalizers?.running.layout?.keys['*']?.count).toBe(16);
      const resumed = await train(options(dir, { resume: true }));
      expect(await readRecordsWithoutTiming(resumed.metricsPath!)).toEqual(await readRecordsWithoutTiming(whole.metricsPath!));
      // The same resume from a checkpoint stripped of its statistics differs: the statistics matter.
      const stripped = path.join(root, 'stripped');
      await train(options(stripped, { stopAfter: 2 }));
      const statePath = path.join((await latestCheckpoint(path.join(stripped, 'checkpoints')))!, 'state.json');
      const manifest = JSON.parse(await readFile(statePath, 'utf8')) as { state: { normalizers?: unknown } };
      delete manifest.state.normalizers;
      await writeFile(statePath, JSON.stringify(manifest));
      const fresh = await train(options(stripped, { resume: true }));
      expect(await readRecordsWithoutTiming(fresh.metricsPath!)).not.toEqual(await readRecordsWithoutTiming(whole.metricsPath!));
    });
  });
});
