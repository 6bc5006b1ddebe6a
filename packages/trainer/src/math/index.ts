// Policy-agnostic GRPO math: number arrays, plus a TF.js loss that takes the tf namespace as an argument.
export {
  DEFAULT_EPSILON,
  groupAdvantages,
  groupIndices,
  isValidReward,
  multiRewardAdvantages,
  MULTI_REWARD_MODES,
  nanMean,
  nanStd,
  summarize,
  type AdvantageOptions,
  type AdvantageResult,
  type Groups,
  type MaybeReward,
  type MultiRewardMode,
  type MultiRewardOptions,
  type MultiRewardResult,
  type StdEstimator,
  type StdScaling,
} from './advantages.js';
export { PerPromptStatTracker, type StatTrackerOptions, type StatTrackerState } from './stat-tracker.js';
export {
  LOSS_AGGREGATIONS,
  aggregateLoss,
  grpoLoss,
  k3,
  logSoftmax,
  perTokenLoss,
  resolveLossOptions,
  type GrpoLossInput,
  type GrpoLossOptions,
  type GrpoLossResult,
  type LossAggregation,
  type ResolvedLossOptions,
  type TokenLoss,
} from './loss.js';
export { grpoLossTf, stopGradient, tokenLogProbs, type GrpoLossTfInput, type Tf } from './tf-loss.js';
export { DAPO_PRESET, DR_GRPO_PRESET, GRPO_PRESETS, T2I_R1_PRESET, T2I_R1_REFERENCE_PRESET, type GrpoPresetName, type GrpoSettings } from './presets.js';
