import type * as tfjs from '@tensorflow/tfjs';
import type { SeededRng } from './rng.js';

/** One training prompt. `spec` (a core PromptSpec) and `metadata` travel to the reward untouched. */
export interface PromptItem {
  prompt: string;
  spec?: unknown;
  metadata?: Record<string, unknown>;
}

/** What the reward scores: the shape of core's `ScoreInput` (image: a path, bytes, raw pixels or an RgbImage). */
export interface RewardInput {
  image: unknown;
  prompt: string;
  spec?: unknown;
  metadata?: Record<string, unknown>;
}

export interface SampledSequence {
  /** Token ids, plan and image tokens concatenated (T2I-R1 trains on both at once). */
  tokens: number[];
  /** log π of each token under the weights that sampled it. */
  logProbs: number[];
  /** 1 = the token counts in the loss; default all ones. */
  mask?: number[];
}

/**
 * The contract a policy fulfils for the trainer. The trainer owns the optimiser: it differentiates the GRPO
 * loss built on `logProbs` w.r.t. `trainableVariables()` and applies the gradients itself.
 */
export interface Policy {
  /** Sample `count` sequences for one prompt (a GRPO group), with their log-probs. Use `rng` for every draw. */
  sample(prompt: PromptItem, count: number, rng: SeededRng): SampledSequence[] | Promise<SampledSequence[]>;
  /**
   * Re-score: per-token log π of the given sequences under the current weights, [B, T] with T = the longest
   * sequence (pad with 0; the trainer masks padding). Must be differentiable w.r.t. `trainableVariables()`.
   */
  logProbs(prompts: readonly PromptItem[], sequences: readonly SampledSequence[]): tfjs.Tensor2D;
  /** The variables gradients are applied to; names must be unique and stable (checkpoints store them by order). */
  trainableVariables(): tfjs.Variable[];
  /** A frozen copy with the same weights (the KL's reference policy). */
  clone(): Policy | Promise<Policy>;
  /** Turn a sample into what the reward scores: in T2I, the decoded image (plus prompt and spec). */
  decode(prompt: PromptItem, sequence: SampledSequence): RewardInput | Promise<RewardInput>;
  dispose?(): void;
}

/**
 * `t2ir train --config FILE`: the module a user's config names exports `createPolicy` (default export or
 * named) and may export `prompts` / `evalPrompts` and `reward` to override the config's.
 */
export type PolicyFactory = (context: { tf: typeof tfjs; seed: number }) => Policy | Promise<Policy>;
