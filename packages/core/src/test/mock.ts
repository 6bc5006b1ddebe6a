import { BaseReward, failedResult } from '../base-reward.js';
import { ExpertFailedError, toRewardError } from '../errors.js';
import { createRgbImage } from '../images/load.js';
import type { RewardItemResult, RewardSample, RgbImage } from '../spec.js';
import { VERSION } from '../version.js';

type Rgb = readonly [number, number, number];

/**
 * A synthetic RgbImage for tests: a solid colour (default mid grey) or a colour per pixel.
 * `createTestImage(64, 48, [255, 0, 0])`, `createTestImage(8, 8, (x, y) => [x * 32, y * 32, 0])`.
 */
export function createTestImage(width: number, height: number, rgb: Rgb | ((x: number, y: number) => Rgb) = [128, 128, 128]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = typeof rgb === 'function' ? rgb(x, y) : rgb;
      const offset = (y * width + x) * 3;
      data[offset] = r;
      data[offset + 1] = g;
      data[offset + 2] = b;
    }
  }
  return createRgbImage(data, width, height, 'test-image');
}

/** Mean pixel value / 255: a deterministic, image-dependent stand-in score. */
export function meanBrightness(image: RgbImage): number {
  let sum = 0;
  for (const value of image.data) sum += value;
  return image.data.length === 0 ? 0 : sum / image.data.length / 255;
}

export interface MockRewardOptions {
  kind?: string;
  modelId?: string;
  /**
   * Score of one sample (default: mean brightness of the image, in [0, 1]). Return a number, null ("cannot
   * judge"), or a partial result; throw to fail that item.
   */
  score?: (sample: RewardSample) => number | null | Partial<RewardItemResult>;
  /** Items for which this returns true fail with ExpertFailedError (per item, the rest of the batch scores). */
  failWhen?: (sample: RewardSample) => boolean;
  /** Simulated latency per batch; an abort ends the wait. */
  delayMs?: number;
}

/**
 * MOCK expert for tests of ensembles, trainers, servers: deterministic, no model. It records every batch it
 * receives (`calls`) and how often it was disposed, so tests can check batching and lifecycles.
 */
export class MockReward extends BaseReward {
  readonly calls: RewardSample[][] = [];
  disposeCount = 0;
  readonly #options: MockRewardOptions;

  constructor(options: MockRewardOptions = {}) {
    const kind = options.kind ?? 'mock';
    super({ kind, modelId: options.modelId ?? `${kind}/mock-brightness`, version: VERSION });
    this.#options = options;
  }

  protected override async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    this.calls.push([...samples]);
    if (this.#options.delayMs) await sleep(this.#options.delayMs, signal);
    return samples.map((sample): RewardItemResult => {
      try {
        if (this.#options.failWhen?.(sample)) throw new ExpertFailedError(`${this.modelId} cannot score this item`);
        const value = this.#options.score ? this.#options.score(sample) : meanBrightness(sample.image);
        if (value === null || typeof value === 'number') return { score: value, raw: value, warnings: [] };
        return { score: null, raw: null, warnings: [], ...value };
      } catch (error) {
        return failedResult(toRewardError(error, `${this.modelId} failed`));
      }
    });
  }

  protected override async onDispose(): Promise<void> {
    this.disposeCount++;
  }
}

/** A MOCK expert (see MockReward). */
export function createMockReward(options: MockRewardOptions = {}): MockReward {
  return new MockReward(options);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
