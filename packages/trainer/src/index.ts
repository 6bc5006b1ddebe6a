// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
export { VERSION } from './version.js';
export * from './math/index.js';
export { train, DEFAULT_TRAINER_SETTINGS, type TrainOptions, type TrainResult, type TrainerSettings, type MetricsRecord, type Stats } from './trainer.js';
export type { Policy, PolicyFactory, PromptItem, RewardInput, SampledSequence } from './policy.js';
export { ensembleReward, type RewardFunction, type RewardOutcome } from './reward.js';
export { normalizeOutcomes, parseRewardNormalize, type RewardNormalizeSetting } from './normalize.js';
export { SeededRng } from './rng.js';
export { AdamOptimizer, type AdamOptions, type AdamState } from './adam.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, checkpointDir, type CheckpointData, type StoredTensor } from './checkpoint.js';
export { createProgressBar, type ProgressReporter } from './progress.js';
export {
  loadPolicyModule,
  parseTrainConfig,
  resolveTrainSetup,
  trainConfigSchema,
  trainFromConfig,
  type PolicyModule,
  type PromptSource,
  type TrainConfig,
  type TrainFromConfigOverrides,
} from './config.js';
