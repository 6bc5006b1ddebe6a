/**
 * A small CPU expert for the pool's tests: mean brightness of the image (deterministic), computed with a busy
 * loop of `options.spinMs` per item so a task can be caught running. Images whose pixel buffer does not match
 * their size fail their item with ImageDecodeError; `options.failLoad` makes the model fail to load.
 */
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { BaseReward } from '../../base-reward.js';
import { defineExpert } from '../../config/define-expert.js';
import { ImageDecodeError, ModelLoadError } from '../../errors.js';
import type { RewardItemResult, RewardSample } from '../../spec.js';

export const FIXTURE_KIND = 'pool-fixture';

class BrightnessReward extends BaseReward {
  constructor(readonly spinMs: number) {
    super({ kind: FIXTURE_KIND, modelId: `${FIXTURE_KIND}/brightness`, version: '0.0.0-test' });
  }

  protected async scoreBatch(samples: readonly RewardSample[]): Promise<RewardItemResult[]> {
    return samples.map((sample) => {
      const { data, width, height } = sample.image;
      if (data.length !== width * height * 3) {
        return {
          score: null,
          raw: null,
          warnings: [],
          error: new ImageDecodeError(`pixel buffer of ${data.length} bytes for ${width}x${height}`, { data: { width, height } }),
        };
      }
      const until = Date.now() + this.spinMs;
      while (Date.now() < until) {
        // busy: the work a model would do
      }
      let sum = 0;
      for (const value of data) sum += value;
      const score = sum / data.length / 255;
      return { score, raw: sum, details: { threadId, pixels: width * height, nice: os.getPriority() }, warnings: [] };
    });
  }
}

export const expertPlugin = defineExpert({
  kind: FIXTURE_KIND,
  // Plain JS on the calling thread: a pool backend.
  backends: { js: { placement: 'pool' } },
  options: { type: 'object', properties: { spinMs: { type: 'number', minimum: 0 }, failLoad: { type: 'boolean' } } },
  create(config) {
    const options = config.options as { spinMs?: number; failLoad?: boolean };
    if (options.failLoad) throw new ModelLoadError('fixture model files are missing', { data: { path: 'backend/model' } });
    return new BrightnessReward(options.spinMs ?? 0);
  },
});
