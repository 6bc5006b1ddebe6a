import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES, type Ensemble, type PooledReward, type RgbImage, createEnsembleFromConfig, createRewardPool, loadImage } from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { createPooledReward } from '@t2i-reward/core';
import { expertPlugin } from './index.js';

// The CenterNet detector in core's worker pool: the same numbers as in-thread, and the core contract.
const photos = await Promise.all(EXAMPLE_IMAGES.map(async ({ path, prompt }) => ({ image: await loadImage(path), prompt })));
const centernet = { kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } };
const corrupt = { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'a dog' };

describe('detector in the worker pool', () => {
  const pool = createRewardPool({ threads: 2 });
  let ensemble: Ensemble | undefined;
  afterAll(async () => {
    await ensemble?.dispose();
    await pool.destroy();
  });

  it('scores the bundled photos exactly as in-thread, with the same details, off the calling thread', async () => {
    const inThread = await expertPlugin.create(centernet, { configDir: process.cwd(), path: 'experts/0', resolvePath: (p) => p, image: {} });
    const pooled = await createPooledReward(centernet, { pool });
    const expected = await inThread.doScore(photos);
    const got = await pooled.doScore(photos);
    expect(got.map((r) => r.score)).toEqual(expected.map((r) => r.score));
    expect(got.map((r) => r.details)).toEqual(expected.map((r) => r.details));
    expect(expected.filter((r) => r.score === 1).length).toBeGreaterThan(0);
    expect(pooled.modelId).toBe(inThread.modelId);
    expect(pooled.lastThreads.length).toBe(2);
    expect(pooled.lastThreads).not.toContain(0);
    await Promise.all([inThread.dispose(), pooled.dispose()]);
  });

  it('config files put the TF.js detector in the pool by default', async () => {
    ensemble = await createEnsembleFromConfig({ experts: [centernet] }, { pool });
    expect(ensemble.experts[0]!.model).toHaveProperty('pool', pool);
    const [result] = await ensemble.score([{ image: EXAMPLE_IMAGES[0]!.path, prompt: 'a photo of a dog' }]);
    expect(result!.reward).toBe(1);
    const local = await createEnsembleFromConfig({ experts: [{ ...centernet, execution: 'in-process' }] }, { pool });
    expect((local.experts[0]!.model as Partial<PooledReward>).pool).toBeUndefined();
    await local.dispose();
  });
});

describeRewardContract('detector (CenterNet, tfjs) in the worker pool', () => createPooledReward(centernet, { pool: { threads: 2 } }), {
  samples: photos.slice(0, 2),
  unprocessableSample: corrupt,
});
