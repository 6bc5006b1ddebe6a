import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PooledReward } from '@t2i-reward/core';
import { createServeEnsemble, DEFAULT_SERVE_CONFIG } from './from-config.js';
import { serveAndScore } from './test/index.js';

const assets = fileURLToPath(new URL('../../core/assets/images/', import.meta.url));

describe('the default t2ir serve ensemble (offline CenterNet detector)', () => {
  it('serves the real detector with no config: dog.jpg scores as in-process', async () => {
    expect(DEFAULT_SERVE_CONFIG.experts).toEqual([{ kind: 'detector', backend: { type: 'tfjs', model: 'centernet' } }]);
    const ensemble = await createServeEnsemble();
    expect(ensemble.experts.map((expert) => expert.model.kind)).toEqual(['detector']);
    // The detector runs in core's worker pool, off the thread that serves requests.
    const detector = ensemble.experts[0]!.model as PooledReward;
    expect(detector).toBeInstanceOf(PooledReward);
    // ... and the ensemble says so (the ready line reads it; a model wrapped in middleware keeps no class to tell).
    expect(ensemble.experts[0]!.placement).toEqual({ type: 'pool', threads: detector.pool.maxThreads });
    const expected = await ensemble.score([{ image: `${assets}dog.jpg`, prompt: 'a dog' }]);
    const { status, body } = await serveAndScore<{ results: { reward: number; experts: { detector: { score: number; modelId: string } } }[] }>(
      { ensemble, imageRoot: assets },
      [{ image: 'dog.jpg', prompt: 'a dog' }],
    );
    expect(status).toBe(200);
    expect(body.results[0]!.experts.detector.modelId).toContain('centernet');
    expect(body.results[0]!.reward).toBeGreaterThan(0);
    expect(body.results[0]!.reward).toBeCloseTo(expected[0]!.reward!, 9);
    expect(detector.lastThreads.length).toBeGreaterThan(0);
    expect(detector.lastThreads).not.toContain(0);
    // Closing the server disposed the ensemble, and with it the pool.
    expect(detector.pool.destroyed).toBe(true);
  });
});
