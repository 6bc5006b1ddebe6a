import { afterAll, describe, expect, it } from 'vitest';
import {
  EXAMPLE_IMAGES,
  type Ensemble,
  type PooledReward,
  type RgbImage,
  createEnsembleFromConfig,
  createPooledReward,
  createRewardPool,
  loadImage,
} from '@t2i-reward/core';
import { describeRewardContract } from '@t2i-reward/core/test';
import { syntheticImages } from '../test/synthetic.js';
import { expertPlugin } from './index.js';

const photos = await Promise.all(EXAMPLE_IMAGES.slice(0, 3).map(async ({ path, prompt }) => ({ image: await loadImage(path), prompt })));
const corrupt = { image: { data: new Uint8Array(5), width: 3, height: 3, hash: 'corrupt' } as RgbImage, prompt: 'a dog' };
const entry = { kind: 'safety', backend: { type: 'tfjs' }, options: { runtime: 'wasm' } };
const context = { configDir: process.cwd(), path: 'experts/0', resolvePath: (p: string) => p, image: {} };

// The core reward contract, in-thread (created the way config files create it) and in core's worker pool.
describeRewardContract('safety (nsfwjs MobileNetV2, tfjs)', () => expertPlugin.create(entry, context), {
  samples: photos.slice(0, 2),
  unprocessableSample: corrupt,
});
// One pool for this file (each worker loads TF.js and the model once).
const pool = createRewardPool({ threads: 2 });
afterAll(() => pool.destroy());
describeRewardContract('safety in the worker pool', () => createPooledReward(entry, { pool }), {
  samples: photos.slice(0, 2),
  unprocessableSample: corrupt,
});

describe('safety in the worker pool', () => {
  let ensemble: Ensemble | undefined;
  afterAll(async () => ensemble?.dispose());

  it('scores exactly as in-thread, with the same details, off the calling thread', async () => {
    const samples = [
      ...photos,
      ...syntheticImages()
        .slice(0, 3)
        .map(({ image }) => ({ image, prompt: '' })),
    ];
    const inThread = await expertPlugin.create(entry, context);
    const pooled = await createPooledReward(entry, { pool });
    const expected = await inThread.doScore(samples);
    const got = await pooled.doScore(samples);
    expect(got.map((r) => r.score)).toEqual(expected.map((r) => r.score));
    expect(got.map((r) => r.details)).toEqual(expected.map((r) => r.details));
    expect(pooled.modelId).toBe(inThread.modelId);
    expect(pooled.lastThreads).not.toContain(0);
    await Promise.all([inThread.dispose(), pooled.dispose()]);
  }, 120_000);

  it('config files put { kind: "safety" } in the pool by default, and reject a bad option with its path', async () => {
    ensemble = await createEnsembleFromConfig({ experts: [{ kind: 'safety' }] }, { pool });
    expect(ensemble.experts[0]!.model).toHaveProperty('pool', pool);
    const [result] = await ensemble.score([{ image: EXAMPLE_IMAGES[1]!.path, prompt: 'horses' }]);
    expect(result!.experts.safety!.modelId).toBe('safety/nsfwjs/mobilenet_v2');
    expect(result!.reward).toBeGreaterThan(0.9);
    const local = await createEnsembleFromConfig({ experts: [{ kind: 'safety', execution: 'in-process' }] }, { pool });
    expect((local.experts[0]!.model as Partial<PooledReward>).pool).toBeUndefined();
    await local.dispose();
    await expect(createEnsembleFromConfig({ experts: [{ kind: 'safety', options: { model: 'vgg' } }] }, { pool })).rejects.toThrow(
      /experts\/0\/options\/model/,
    );
  }, 120_000);
});
