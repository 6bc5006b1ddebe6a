import type { AdvantageOptions, MultiRewardMode } from './advantages.js';
import type { GrpoLossOptions } from './loss.js';

/** Everything that fixes a GRPO variant: sampling, advantages, loss. */
export interface GrpoSettings extends AdvantageOptions, GrpoLossOptions {
  /** Samples per prompt (G). */
  groupSize: number;
  /** Optimiser updates on each sampled batch (1 = on-policy, ρ = 1, clipping inactive). */
  updatesPerBatch: number;
  multiReward: MultiRewardMode;
  learningRate: number;
}

/**
 * T2I-R1 (arXiv 2505.00703, its released training script): G = 8, β = 0.01, lr 1e-6, one update per batch,
 * group std scaling with ε = 1e-4 (torch.std, Bessel), rewards summed then normalised, loss = per-sequence
 * token mean over the concatenated plan + image tokens, then mean over sequences (TRL's `grpo`).
 */
export const T2I_R1_PRESET: Readonly<GrpoSettings> = Object.freeze({
  groupSize: 8,
  beta: 0.01,
  learningRate: 1e-6,
  updatesPerBatch: 1,
  scale: 'group',
  epsilon: 1e-4,
  std: 'sample',
  multiReward: 'sum-then-normalize',
  aggregation: 'grpo',
  epsilonLow: 0.2,
  epsilonHigh: 0.2,
});

/** Dr. GRPO (arXiv 2503.20783): no std division, sum / (B·L_max). */
export const DR_GRPO_PRESET: Readonly<Partial<GrpoSettings>> = Object.freeze({ scale: 'none', aggregation: 'dr-grpo' });

/** DAPO (arXiv 2503.14476): clip-higher ε_high = 0.28, token-level loss over the global batch, no KL. */
export const DAPO_PRESET: Readonly<Partial<GrpoSettings>> = Object.freeze({
  epsilonLow: 0.2,
  epsilonHigh: 0.28,
  beta: 0,
  aggregation: 'dapo',
});
