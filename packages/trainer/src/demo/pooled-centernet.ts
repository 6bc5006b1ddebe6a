import { createPooledReward, RewardPool, type RewardPoolOptions } from '@t2i-reward/core';
import type { Detection, DetectorBackend } from '@t2i-reward/detector';
import { CenterNetBackend, type CenterNetBackendOptions } from '@t2i-reward/detector/internal';
import { DEMO_DETECTIONS_KIND } from './pool-plugin.js';

/** The module pool workers import for the demo's detection plugin (give it in `modules` of a pool you share). */
export const DEMO_POOL_MODULE = '@t2i-reward/trainer/demo-pool';

/**
 * A CenterNet DetectorBackend whose model runs in core's worker pool (one image per task), for detector experts
 * that stay in-process: the demo's three formulas keep sharing one detection pass (wrap it in `sharedDetections`)
 * while the thread that samples and updates the policy never runs the model. Same detections as in-thread.
 * A RewardPool passed in must list DEMO_POOL_MODULE in its `modules`; pool options get it added.
 */
export async function pooledCenterNet(
  runtime: CenterNetBackendOptions['runtime'] = 'wasm',
  pool: RewardPool | RewardPoolOptions = {},
): Promise<DetectorBackend> {
  // Its id and vocabulary only: this copy's model never loads.
  const local = new CenterNetBackend({ runtime });
  const shared = pool instanceof RewardPool ? pool : { ...pool, modules: [...(pool.modules ?? []), DEMO_POOL_MODULE] };
  const pooled = await createPooledReward({ kind: DEMO_DETECTIONS_KIND, backend: { type: 'tfjs', runtime } }, { pool: shared, chunkSize: 1 });
  return {
    id: local.id,
    vocabulary: local.vocabulary,
    async detect(images, _queries, signal) {
      const results = await pooled.doScore(
        images.map((image) => ({ image, prompt: '' })),
        signal ? { signal } : {},
      );
      return results.map((result) => {
        if (result.error) throw result.error;
        return (result.details as { detections: Detection[] }).detections;
      });
    },
    async dispose() {
      await Promise.all([pooled.dispose(), local.dispose()]);
    },
  };
}
