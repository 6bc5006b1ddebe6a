import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMockReward, createTestImage } from '@t2i-reward/core/test';
import { PooledReward, createRewardPool } from '@t2i-reward/core';
import { colorClassifierFromExpert, createBenchDetector, createProtocol } from './factory.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '__fixtures__');

describe('protocol factory', () => {
  it('a colour classifier from any image-text expert picks the best-scoring colour prompt', async () => {
    const prompts: string[] = [];
    const expert = createMockReward({
      score: (s) => {
        prompts.push(s.prompt);
        return { score: null, raw: s.prompt.includes('green') ? 0.31 : 0.2 };
      },
    });
    const classify = colorClassifierFromExpert(expert);
    await expect(classify(createTestImage(4, 4), ['red', 'green', 'blue'], { className: 'car' })).resolves.toBe('green');
    expect(prompts).toEqual(['a photo of a red car', 'a photo of a green car', 'a photo of a blue car']);
  });

  it('builds each protocol with the configured experts and CenterNet thresholds', async () => {
    const geneval = await createProtocol('geneval', {
      config: {
        plugins: [path.join(fixtures, 'color-plugin.mjs')],
        geneval: { color: { kind: 'prompt-color', backend: { type: 'none' }, options: { color: 'red' } } },
      },
    });
    expect(geneval.describe()).toMatchObject({
      options: { thresholds: { genevalThreshold: 0.3, genevalCountingThreshold: 0.3 }, color: { modelId: 'prompt-color/red', classifier: 'expert-scores' } },
      unjudged: 'incorrect',
    });
    expect(geneval.unsupportedReason('colors')).toBeUndefined();
    expect((geneval.describe().detector as { modelId: string }).modelId).toMatch(/^detector\/.*geneval\?.*genevalCountingThreshold=0\.3/);
    await geneval.dispose();
    const uncolored = await createProtocol('geneval', {});
    expect(uncolored.unsupportedReason('colors')).toMatch(/needs a colour classifier/);
    expect(uncolored.unsupportedReason('color_attr')).toMatch(/needs a colour classifier/);
    expect(uncolored.unsupportedReason('position')).toBeUndefined();
    await uncolored.dispose();

    const compbench = await createProtocol('compbench', { config: { detector: { thresholds: { tfjs: { compbenchMinConfidence: 0.4 } } } } });
    expect((compbench.describe().experts as { detector: { modelId: string } }).detector.modelId).toMatch(/compbench\?.*compbenchMinConfidence=0\.4/);
    expect(compbench.unsupportedReason('color')).toMatch(/needs a VQA expert/);
    expect(compbench.unsupportedReason('spatial')).toBeUndefined();
    await compbench.dispose();

    const ensemble = await createProtocol('ensemble', {
      config: {
        plugins: [path.join(fixtures, 'color-plugin.mjs')],
        ensemble: {
          aggregate: 'sum',
          experts: [{ kind: 'detector' }, { kind: 'prompt-color', backend: { type: 'none' }, options: { color: 'red' }, weight: 2 }],
        },
      },
    });
    expect(ensemble.describe()).toMatchObject({
      aggregate: 'sum',
      experts: [{ name: 'detector' }, { name: 'prompt-color', modelId: 'prompt-color/red', weight: 2 }],
    });
    await ensemble.dispose();

    const reference = await createProtocol('ensemble', { config: { ensemble: { preset: 't2i-r1-reference', experts: [{ kind: 'detector', weight: 3 }] } } });
    expect(reference.describe()).toMatchObject({ aggregate: 'sum', experts: [{ name: 'detector', weight: 1 }] });
    expect((reference.describe().experts as { modelId: string }[])[0]!.modelId).toMatch(/t2i-r1-code\?.*reproduceBugs=true/);
    await reference.dispose();
  });

  it('runs the TF.js detector in the worker pool, except with a colour classifier (a function cannot cross threads)', async () => {
    const pool = createRewardPool({ threads: 1 });
    try {
      const pooled = await createBenchDetector('t2i-r1', {}, { pool });
      expect(pooled).toBeInstanceOf(PooledReward);
      expect(pooled.modelId).toMatch(/^detector\/tfjs\/centernet\/t2i-r1/);
      const withColor = await createBenchDetector('geneval', {}, { pool, colorClassifier: async (_crop, candidates) => candidates[0]! });
      expect(withColor).not.toBeInstanceOf(PooledReward);
      await Promise.all([pooled.dispose(), withColor.dispose()]);
    } finally {
      await pool.destroy();
    }
  });
});
