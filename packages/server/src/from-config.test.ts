import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PooledReward } from '@t2i-reward/core';
import { createServeEnsemble, DEFAULT_SERVE_CONFIG } from './from-config.js';
import { createRewardServer } from './server.js';

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
    const server = createRewardServer({ ensemble, imageRoot: assets, disposeOnClose: true });
    await server.listen();
    try {
      await server.ready;
      const response = await fetch(`${server.url}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ image: 'dog.jpg', prompt: 'a dog' }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: { reward: number; experts: { detector: { score: number; modelId: string } } }[] };
      expect(body.results[0]!.experts.detector.modelId).toContain('centernet');
      expect(body.results[0]!.reward).toBeGreaterThan(0);
      expect(body.results[0]!.reward).toBeCloseTo(expected[0]!.reward!, 9);
      expect(detector.lastThreads.length).toBeGreaterThan(0);
      expect(detector.lastThreads).not.toContain(0);
    } finally {
      await server.close();
    }
    expect(detector.pool.destroyed).toBe(true);
  });
});
