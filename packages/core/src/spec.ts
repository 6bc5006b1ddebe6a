import type { T2IRewardError } from './errors.js';
import type { PromptSpec } from './prompt-spec/types.js';

/**
 * A decoded image as experts receive it: 8-bit RGB, row-major, interleaved (`data.length === width*height*3`),
 * EXIF orientation already applied. Decoding happens once per batch in core, never per expert.
 */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** sha256 (hex) of width, height and pixels: equal images give equal hashes whatever their encoding. */
  readonly hash: string;
  /** Where it came from (a path, "data-url", "bytes", "pixels", a URL), for reports. */
  readonly source?: string;
}

/** One item of a batch to score. */
export interface RewardSample {
  image: RgbImage;
  prompt: string;
  /** Structured prompt; experts that need one and get none parse `prompt` themselves (core's parser). */
  spec?: PromptSpec;
  /** Free-form caller metadata, passed through untouched. */
  metadata?: Record<string, unknown>;
}

export interface RewardCallOptions {
  signal?: AbortSignal;
}

/** The result of one expert on one sample. */
export interface RewardItemResult {
  /** What enters the ensemble, in [0, 1] for the built-in experts; null when the expert could not judge. */
  score: number | null;
  /** The model's native value before normalisation (e.g. HPS cosine, PickScore logit); null when none. */
  raw: number | null;
  /** Why: boxes used, per-question probabilities, counts, relation verdicts... JSON-serialisable. */
  details?: Record<string, unknown>;
  /** Non-fatal notes, e.g. "object 'unicorn' is not a COCO class: ignored". */
  warnings: string[];
  /** Set when this one item failed; score and raw are then null. Other items of the batch are unaffected. */
  error?: T2IRewardError;
}

export type SpecificationVersion = 'v1';

/**
 * The provider-facing reward interface, version 1. An expert scores a batch; it must return exactly one
 * result per sample, in order, and report a per-item failure through `error` rather than throwing. It throws
 * only for whole-call failures: aborted (RewardAbortedError), disposed (ModelDisposedError), model load failure.
 */
export interface RewardModelV1 {
  readonly specificationVersion: 'v1';
  /** Expert kind: 'detector' | 'vqa' | 'orm' | 'hpm' | a plugin's own kind. */
  readonly kind: string;
  /** Stable identity of model + backend + scoring options, used in cache keys (e.g. "detector/tfjs/centernet/t2i-r1"). */
  readonly modelId: string;
  /** Version of the implementing package (cache keys change when it does). */
  readonly version: string;
  /** Score a batch. */
  doScore(samples: readonly RewardSample[], options?: RewardCallOptions): Promise<RewardItemResult[]>;
  /** Free sessions / tensors. Idempotent; later doScore calls reject with ModelDisposedError. */
  dispose(): Promise<void>;
}

export type RewardModel = RewardModelV1;
