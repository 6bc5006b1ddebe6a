import { createHash } from 'node:crypto';
import { BaseReward, type RewardItemResult, type RewardSample } from '@t2i-reward/core';
import { meanBrightness } from '@t2i-reward/core/test';

/**
 * A test expert that holds every batch until `release()`: lets tests fill the queue deterministically
 * (no timing). Scores are mean brightness; `batchSizes` records what the dynamic batcher sent.
 */
export class GatedReward extends BaseReward {
  readonly batchSizes: number[] = [];
  #open = false;
  #waiters: (() => void)[] = [];

  constructor(kind = 'gated') {
    super({ kind, modelId: `${kind}/gated-brightness`, version: 'test' });
  }

  release(): void {
    this.#open = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  protected async scoreBatch(samples: readonly RewardSample[]): Promise<RewardItemResult[]> {
    this.batchSizes.push(samples.length);
    if (!this.#open) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return samples.map((sample) => ({ score: meanBrightness(sample.image), raw: meanBrightness(sample.image) * 255, warnings: [] }));
  }
}

/**
 * A deterministic CPU-bound expert for the bench: each call costs `perCallRounds` sha256 rounds (model launch,
 * weights touched once per batch) and each item `perItemRounds`, so batching has something to save, as with
 * real models. The score is a hash of image and prompt, in [0, 1].
 */
export class CpuBoundReward extends BaseReward {
  constructor(
    readonly perCallRounds: number,
    readonly perItemRounds: number,
  ) {
    super({ kind: 'cpu', modelId: `cpu/sha256-${perCallRounds}-${perItemRounds}`, version: 'test' });
  }

  protected async scoreBatch(samples: readonly RewardSample[]): Promise<RewardItemResult[]> {
    let state = Buffer.alloc(32);
    for (let round = 0; round < this.perCallRounds; round++) state = createHash('sha256').update(state).digest();
    return samples.map((sample) => {
      let digest = createHash('sha256').update(sample.image.hash).update(sample.prompt).digest();
      for (let round = 0; round < this.perItemRounds; round++) digest = createHash('sha256').update(digest).digest();
      const score = digest.readUInt32BE(0) / 0xffffffff;
      return { score, raw: score, warnings: [] };
    });
  }
}
