import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecordsWithoutTiming } from '../__fixtures__/metrics.js';
import { SeededRng } from '../rng.js';
import type { MetricsRecord } from '../trainer.js';
import { BiCotPolicy, PLAN_LENGTH, SEQUENCE_LENGTH, decodePlan } from './policy.js';
import { HELD_OUT_PROMPTS, PromptFeaturizer, TRAIN_PROMPTS, countPrompt, spatialPrompt } from './prompts.js';
import { renderScene } from './render.js';
import { createDemoEnsemble, runDemo } from './run.js';
import { pooledCenterNet } from './pooled-centernet.js';
import { CenterNetBackend } from '@t2i-reward/detector/internal';
import { cocoVocabulary } from '@t2i-reward/detector';
import { hasExtraCopies, sceneRewardValue } from './scene-reward.js';
import { sharedDetections } from './shared-detections.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(os.tmpdir(), 't2ir-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const featurizer = new PromptFeaturizer(TRAIN_PROMPTS.map((p) => p.prompt));

describe('BiCoT demo policy', () => {
  it('re-scores its own samples to the log-probs it sampled them with; forced tokens are masked', () => {
    const policy = new BiCotPolicy(tf, featurizer, { seed: 2, render: false });
    const prompt = spatialPrompt('dog', 'left of', 'horse');
    const sequences = policy.sample(prompt, 6, SeededRng.fromSeed(9));
    const rescored = policy.logProbs(new Array(6).fill(prompt), sequences).arraySync();
    sequences.forEach((sequence, b) => {
      expect(sequence.tokens).toHaveLength(SEQUENCE_LENGTH);
      sequence.logProbs.forEach((logProb, t) => expect(rescored[b]![t]).toBeCloseTo(logProb, 5));
      const plan = decodePlan(sequence.tokens);
      const instances = plan.objects.reduce((n, o) => n + o.count, 0);
      // The layout has one counted token per drawn instance (at most four), the rest are forced.
      expect(sequence.mask!.slice(PLAN_LENGTH).reduce((a, m) => a + m, 0)).toBe(Math.min(4, instances));
      expect(plan.scene).toHaveLength(Math.min(4, instances));
    });
    policy.dispose();
  });

  it('splits prompt words at the relation', () => {
    const x = featurizer.encode('a dog on the left of a horse');
    const words = featurizer.vocabulary;
    const active = [...x].flatMap((v, i) => (v ? [`${i < words.length ? 'before' : 'after'}:${words[i % words.length]}`] : []));
    expect(active.sort()).toEqual(['after:a', 'after:horse', 'after:left', 'after:of', 'before:a', 'before:dog', 'before:on', 'before:the']);
  });

  it('scores scenes with the t2i-r1 formula (hand-computed)', () => {
    const spec = spatialPrompt('dog', 'left of', 'horse').spec as never;
    expect(
      sceneRewardValue(
        [
          { label: 'dog', cell: 3 },
          { label: 'horse', cell: 5 },
        ],
        spec,
      ),
    ).toBe(1);
    expect(
      sceneRewardValue(
        [
          { label: 'dog', cell: 5 },
          { label: 'horse', cell: 3 },
        ],
        spec,
      ),
    ).toBeCloseTo(0.4, 12);
    expect(sceneRewardValue([{ label: 'dog', cell: 4 }], spec)).toBeCloseTo(0.2, 12);
    // the later paste covers the earlier one in a shared cell
    expect(
      sceneRewardValue(
        [
          { label: 'dog', cell: 4 },
          { label: 'horse', cell: 4 },
        ],
        spec,
      ),
    ).toBeCloseTo(0.2, 12);
    const two = countPrompt('giraffe', 2).spec as never;
    expect(
      sceneRewardValue(
        [
          { label: 'giraffe', cell: 0 },
          { label: 'giraffe', cell: 2 },
        ],
        two,
      ),
    ).toBe(1);
    expect(sceneRewardValue([{ label: 'giraffe', cell: 0 }], two)).toBe(0);
  });

  it('renders deterministic 512×512 scenes', async () => {
    const a = await renderScene([
      { label: 'dog', cell: 3 },
      { label: 'horse', cell: 5 },
    ]);
    const b = await renderScene([
      { label: 'dog', cell: 3 },
      { label: 'horse', cell: 5 },
    ]);
    const c = await renderScene([
      { label: 'horse', cell: 3 },
      { label: 'dog', cell: 5 },
    ]);
    expect([a.width, a.height]).toEqual([512, 512]);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
  });
});

describe('BiCoT demo with the real CenterNet detector', () => {
  it('the detector reads the pasted scenes as the plan says', async () => {
    const ensemble = createDemoEnsemble('wasm');
    try {
      const prompt = spatialPrompt('dog', 'left of', 'horse');
      const scenes = [
        [
          { label: 'dog', cell: 3 },
          { label: 'horse', cell: 5 },
        ],
        [
          { label: 'dog', cell: 5 },
          { label: 'horse', cell: 3 },
        ],
        [{ label: 'bird', cell: 4 }],
        [
          { label: 'dog', cell: 3 },
          { label: 'dog', cell: 0 },
          { label: 'horse', cell: 5 },
        ],
      ];
      const results = await ensemble.score(
        await Promise.all(scenes.map(async (scene) => ({ image: await renderScene(scene), prompt: prompt.prompt, spec: prompt.spec as never }))),
      );
      const rewards = results.map((r) => r.reward);
      expect(rewards[0]).toBeGreaterThan(0.9); // both found, dog left of horse
      expect(rewards[1]).toBeCloseTo(0.4, 1); // both found, wrong side
      expect(rewards[2]).toBeLessThan(0.1); // neither
      expect(Object.keys(results[0]!.experts)).toEqual(['detector', 'detector-copies', 'compbench']);
      // the reward is the plain formula (weight 1); monitors are scored beside it (weight 0)
      expect(results.map((r) => r.experts.detector!.score)).toEqual(rewards);
      expect(results[0]!.experts['detector-copies']!.weight).toBe(0);
      // an extra dog: the plain formula still pays in full, the copy penalty (λ = 0.5) halves it
      expect(rewards[3]).toBeGreaterThan(0.9);
      expect(results[3]!.experts['detector-copies']!.score).toBeCloseTo(rewards[3]! * 0.5, 6);
      expect(results[3]!.experts['detector-copies']!.details).toMatchObject({ copies: { extra: 1 } });
    } finally {
      await ensemble.dispose();
    }
  });

  it('trains on the copy-penalised expert when copyPenalty is set', async () => {
    const ensemble = createDemoEnsemble('wasm', { rewardExpert: 'detector-copies', copyPenalty: 1, monitors: false });
    try {
      const prompt = spatialPrompt('dog', 'left of', 'horse');
      const image = await renderScene([
        { label: 'dog', cell: 3 },
        { label: 'dog', cell: 0 },
        { label: 'horse', cell: 5 },
      ]);
      const [result] = await ensemble.score([{ image, prompt: prompt.prompt, spec: prompt.spec as never }]);
      expect(Object.keys(result!.experts)).toEqual(['detector-copies']);
      expect(result!.reward).toBe(0);
    } finally {
      await ensemble.dispose();
    }
  });

  it('runs demo steps end to end (policy → images → CenterNet → GRPO update → metrics)', async () => {
    const out = path.join(dir, 'real');
    const summary = await runDemo({
      outDir: out,
      steps: 2,
      seed: 4,
      evalEvery: 0,
      samples: false,
      settings: { groupSize: 4, promptsPerStep: 1 },
    });
    expect(summary.steps).toBe(2);
    expect(summary.rewardCalls).toBe(8);
    const records = (await readFile(summary.metricsPath, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as MetricsRecord);
    expect(records.map((r) => r.split)).toEqual(['train', 'train']);
    for (const record of records) {
      expect(record.failed).toBe(0);
      expect(record.reward.count).toBe(4);
      expect(record.experts.detector!.count).toBe(4);
      expect(Object.keys(record.experts)).toEqual(['compbench', 'detector', 'detector-copies']);
      expect(record.agreement!.experts).toEqual(['compbench', 'detector', 'detector-copies']);
      expect(record.flags!.extraCopies).toBeGreaterThanOrEqual(0);
      expect(record.reward.min).toBeGreaterThanOrEqual(0);
      expect(record.reward.max).toBeLessThanOrEqual(1);
      expect(Number.isFinite(record.loss)).toBe(true);
    }
    const html = await readFile(summary.htmlPath, 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toMatch(/Reward-hacking diagnostics/);
    expect(html).toMatch(/share of samples: extraCopies/);
    expect(summary.rewardExpert).toBe('detector');
    expect(HELD_OUT_PROMPTS.length).toBeGreaterThan(0);

    // CenterNet ran in core's worker pool (the default); on the trainer's thread the run writes the same records.
    const inThread = await runDemo({
      outDir: path.join(dir, 'real-in-thread'),
      steps: 2,
      seed: 4,
      evalEvery: 0,
      samples: false,
      settings: { groupSize: 4, promptsPerStep: 1 },
      pool: false,
    });
    expect(await readRecordsWithoutTiming(inThread.metricsPath)).toEqual(await readRecordsWithoutTiming(summary.metricsPath));
  });

  it('pooledCenterNet detects in a pool worker what CenterNet detects on this thread', async () => {
    const image = await renderScene([
      { label: 'dog', cell: 3 },
      { label: 'horse', cell: 5 },
    ]);
    const local = new CenterNetBackend({ runtime: 'wasm' });
    const pooled = await pooledCenterNet('wasm', { threads: 1 });
    try {
      expect(pooled.id).toBe(local.id);
      const [[mine], [theirs]] = [await local.detect([image], [[]]), await pooled.detect([image], [[]])];
      expect(theirs!.length).toBeGreaterThan(0);
      expect(theirs).toEqual(mine);
    } finally {
      await Promise.all([local.dispose(), pooled.dispose()]);
    }
  });
});

describe('demo diagnostics helpers', () => {
  it('hasExtraCopies reads the visible scene against the asked counts', () => {
    const spatial = spatialPrompt('dog', 'left of', 'horse').spec as never;
    expect(
      hasExtraCopies(
        [
          { label: 'dog', cell: 3 },
          { label: 'horse', cell: 5 },
        ],
        spatial,
      ),
    ).toBe(false);
    expect(
      hasExtraCopies(
        [
          { label: 'dog', cell: 3 },
          { label: 'dog', cell: 0 },
          { label: 'horse', cell: 5 },
        ],
        spatial,
      ),
    ).toBe(true);
    // a copy pasted over another in the same cell is not visible
    expect(
      hasExtraCopies(
        [
          { label: 'dog', cell: 3 },
          { label: 'dog', cell: 3 },
          { label: 'horse', cell: 5 },
        ],
        spatial,
      ),
    ).toBe(false);
    const three = countPrompt('giraffe', 3).spec as never;
    expect(
      hasExtraCopies(
        [0, 1, 2].map((cell) => ({ label: 'giraffe', cell })),
        three,
      ),
    ).toBe(false);
    expect(
      hasExtraCopies(
        [0, 1, 2, 4].map((cell) => ({ label: 'giraffe', cell })),
        three,
      ),
    ).toBe(true);
  });

  it('sharedDetections runs the model once per image content, whatever the number of experts', async () => {
    let calls = 0;
    const inner = {
      id: 'fake',
      vocabulary: cocoVocabulary(),
      detect: (images: readonly { hash: string }[]) => {
        calls += images.length;
        return Promise.resolve(images.map((image) => [{ label: image.hash, score: 1, box: [0, 0, 1, 1] as const }]));
      },
      dispose: () => Promise.resolve(),
    };
    const shared = sharedDetections(inner as never);
    const image = (hash: string) => ({ hash, data: new Uint8Array(3), width: 1, height: 1 });
    const [first, second] = await Promise.all([
      shared.detect([image('a'), image('b')], [[], []]),
      shared.detect([image('b'), image('a'), image('c'), image('c')], [[], [], [], []]),
    ]);
    expect(first.map((list) => list[0]!.label)).toEqual(['a', 'b']);
    expect(second.map((list) => list[0]!.label)).toEqual(['b', 'a', 'c', 'c']);
    expect(calls).toBe(3);
    expect(shared.runs).toBe(3);
  });
});
