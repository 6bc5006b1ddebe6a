import {
  BaseReward,
  InvalidImageInputError,
  type RewardItemResult,
  type RewardSample,
  failedResult,
  rgbImageProblem,
  throwIfAborted,
  toRewardError,
} from '@t2i-reward/core';
import { encodeJpegLikePil } from './jpeg.js';
import {
  type CompressibilityDirection,
  type CompressibilityReference,
  type CompressibilityRewardOptions,
  validateCompressibilityRewardOptions,
} from './options.js';
import { VERSION } from './version.js';

/** `details` of a compressibility result (JSON). */
export interface CompressibilityDetails {
  /** Size of the JPEG PIL would write for the image at `quality`, in bytes. */
  bytes: number;
  /** bytes / 1000: the references' unit. */
  kilobytes: number;
  quality: number;
  width: number;
  height: number;
  /** bytes · 8 / (width · height). */
  bitsPerPixel: number;
  /** bytes / (3 · width · height): the JPEG's size as a fraction of the raw RGB pixels (may pass 1 on tiny images). */
  ratio: number;
  direction: CompressibilityDirection;
  reference: CompressibilityReference;
}

/** DDPO's / Flow-GRPO's reward from the JPEG size in kB (= raw). */
export function referenceReward(kilobytes: number, direction: CompressibilityDirection, reference: CompressibilityReference): number {
  if (direction === 'incompressibility') return kilobytes;
  return reference === 'flow-grpo' ? -kilobytes / 500 : -kilobytes;
}

/**
 * The normalised score: the JPEG's size over the raw RGB size, `ratio` = bytes / (3·w·h), clamped to [0, 1];
 * compressibility scores 1 − ratio, incompressibility ratio. Resolution-independent, and for one image size a
 * monotone function of the references' reward.
 */
export function normalisedScore(ratio: number, direction: CompressibilityDirection): number {
  const clamped = Math.min(1, Math.max(0, ratio));
  return direction === 'incompressibility' ? clamped : 1 - clamped;
}

/**
 * JPEG compressibility, DDPO's and Flow-GRPO's classic reward: the size of the image saved as JPEG at quality 95
 * (PIL's encoder, reproduced byte for byte with sharp), `raw` = −kB (DDPO), −kB / 500 (Flow-GRPO) or +kB
 * (incompressibility). The prompt is not used. Offline, no model, a few ms per image.
 */
export class CompressibilityReward extends BaseReward {
  readonly direction: CompressibilityDirection;
  readonly reference: CompressibilityReference;
  readonly quality: number;

  constructor(options: CompressibilityRewardOptions = {}) {
    const direction = options.direction ?? 'compressibility';
    const reference = options.reference ?? 'ddpo';
    const quality = options.quality ?? 95;
    const scale = direction === 'incompressibility' ? 'kB' : reference;
    super({ kind: 'compressibility', modelId: `compressibility/jpeg-q${quality}/${direction}/${scale}`, version: VERSION });
    this.direction = direction;
    this.reference = reference;
    this.quality = quality;
  }

  protected async scoreBatch(samples: readonly RewardSample[], signal: AbortSignal | undefined): Promise<RewardItemResult[]> {
    return Promise.all(
      samples.map(async (sample, index): Promise<RewardItemResult> => {
        const problem = rgbImageProblem(sample.image);
        if (problem) return failedResult(new InvalidImageInputError(problem, { data: { index } }));
        throwIfAborted(signal);
        const { width, height } = sample.image;
        let bytes: number;
        try {
          bytes = (await encodeJpegLikePil(sample.image, this.quality)).length;
        } catch (error) {
          return failedResult(toRewardError(error, `${this.modelId}: JPEG encoding failed`));
        }
        throwIfAborted(signal);
        const kilobytes = bytes / 1000;
        const ratio = bytes / (3 * width * height);
        const details: CompressibilityDetails = {
          bytes,
          kilobytes,
          quality: this.quality,
          width,
          height,
          bitsPerPixel: (bytes * 8) / (width * height),
          ratio,
          direction: this.direction,
          reference: this.reference,
        };
        return {
          score: normalisedScore(ratio, this.direction),
          raw: referenceReward(kilobytes, this.direction, this.reference),
          details: { ...details },
          warnings: [],
        };
      }),
    );
  }
}

/** Creates the JPEG compressibility reward (DDPO / Flow-GRPO; quality 95 by default). */
export function createCompressibilityReward(options: CompressibilityRewardOptions = {}): CompressibilityReward {
  validateCompressibilityRewardOptions(options);
  return new CompressibilityReward(options);
}

/** One line on why a compressibility result scored what it did, for tables and reports. */
export function explainCompressibility(details: Record<string, unknown> | undefined): string {
  if (!details || typeof details.bytes !== 'number') return '';
  const bpp = typeof details.bitsPerPixel === 'number' ? details.bitsPerPixel.toFixed(2) : '?';
  const ratio = typeof details.ratio === 'number' ? `${(details.ratio * 100).toFixed(1)}%` : '?';
  return `JPEG q${String(details.quality)}: ${(details.bytes / 1000).toFixed(1)} kB (${bpp} bits/pixel, ${ratio} of raw RGB)`;
}
