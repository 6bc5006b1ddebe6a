/**
 * `@t2i-reward/trainer/demo-pool`: the pool side of the demo's pooled detector. The monitored demo reads one
 * CenterNet pass with three formulas (`sharedDetections`); a formula cannot cross threads as a config entry, but
 * the detection pass can: this plugin (kind `demo-centernet-detections`) runs `CenterNetBackend.detect` in a pool
 * worker and returns each image's raw detections in `details.detections` (score = their count; not a reward).
 */
import { BaseReward, defineExpert, TFJS_BACKEND_CHOICES, type RewardItemResult, type RewardSample } from '@t2i-reward/core';
import { CenterNetBackend, type CenterNetBackendOptions } from '@t2i-reward/detector/internal';
import { VERSION } from '../version.js';

export const DEMO_DETECTIONS_KIND = 'demo-centernet-detections';

class CenterNetDetections extends BaseReward {
  constructor(readonly backend: CenterNetBackend) {
    super({ kind: DEMO_DETECTIONS_KIND, modelId: `${DEMO_DETECTIONS_KIND}/${backend.id}`, version: VERSION });
  }

  protected override async onDispose(): Promise<void> {
    await this.backend.dispose();
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    await this.loadOnce(async () => this.backend.load());
    const lists = await this.backend.detect(
      samples.map((sample) => sample.image),
      samples.map(() => []),
      signal,
    );
    return lists.map((detections) => ({ score: detections.length, raw: detections.length, warnings: [], details: { detections } }));
  }
}

export const expertPlugin = defineExpert({
  kind: DEMO_DETECTIONS_KIND,
  description: "the trainer demo's CenterNet detections, computed in a pool worker (internal)",
  backends: {
    tfjs: {
      placement: 'pool',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { const: 'tfjs' }, runtime: { enum: [...TFJS_BACKEND_CHOICES] } },
      },
    },
  },
  create(config) {
    const runtime = (config.backend as { runtime?: CenterNetBackendOptions['runtime'] }).runtime ?? 'wasm';
    return new CenterNetDetections(new CenterNetBackend({ runtime }));
  },
});
