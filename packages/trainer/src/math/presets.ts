import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '@t2i-reward/core';
import { advantageOptionsSchema, MULTI_REWARD_MODES } from './advantages.js';
import { grpoLossOptionsSchema } from './loss.js';

/** Everything that fixes a GRPO variant: sampling, advantages, loss (JSON Schema; GrpoSettings is its type). */
export const grpoSettingsSchema = Type.Object(
  {
    /** Samples per prompt (G). */
    groupSize: Type.Integer({ minimum: 1 }),
    /** Optimiser updates on each sampled batch (1 = on-policy, ρ = 1, clipping inactive). */
    updatesPerBatch: Type.Integer({ minimum: 1 }),
    learningRate: Type.Number({ exclusiveMinimum: 0 }),
    ...advantageOptionsSchema.properties,
    multiReward: StringEnum(MULTI_REWARD_MODES),
    ...grpoLossOptionsSchema.properties,
  },
  { additionalProperties: false },
);
export type GrpoSettings = Static<typeof grpoSettingsSchema>;

/**
 * T2I-R1's hyper-parameters (arXiv 2505.00703, `src/scripts/run_grpo.sh`): G = 8, β = 0.01, lr 1e-6, one update per
 * batch, group std scaling with ε = 1e-4 (torch.std, Bessel), rewards summed then normalised; the loss is our
 * default per-sequence token mean, then mean over sequences (TRL's `grpo`), which weighs a short plan's tokens like
 * a long one's. The released trainer divides the batch's token sum by its token count instead (TRL's `bnpo`):
 * use T2I_R1_REFERENCE_PRESET to reproduce it.
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

/**
 * The released T2I-R1 trainer exactly (`src/t2i-r1/src/open_r1/trainer/grpo_trainer.py`): T2I_R1_PRESET with
 * `loss = (per_token_loss * mask).sum() / mask.sum()` over the micro-batch, TRL's `bnpo`.
 */
export const T2I_R1_REFERENCE_PRESET: Readonly<GrpoSettings> = Object.freeze({ ...T2I_R1_PRESET, aggregation: 'bnpo' });

export type GrpoPresetName = 't2i-r1' | 't2i-r1-reference' | 'dr-grpo' | 'dapo';

/** The presets by name (`preset` in a train config, `t2ir train --preset`); each is applied over the trainer defaults. */
export const GRPO_PRESETS: Readonly<Record<GrpoPresetName, Readonly<Partial<GrpoSettings>>>> = Object.freeze({
  't2i-r1': T2I_R1_PRESET,
  't2i-r1-reference': T2I_R1_REFERENCE_PRESET,
  'dr-grpo': DR_GRPO_PRESET,
  dapo: DAPO_PRESET,
});
