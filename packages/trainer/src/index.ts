export { VERSION } from './version.js';
export * from './math/index.js';
export { train, DEFAULT_TRAINER_SETTINGS, type TrainOptions, type TrainResult, type TrainerSettings, type MetricsRecord, type Stats } from './trainer.js';
export type { Policy, PolicyFactory, PromptItem, RewardInput, SampledSequence } from './policy.js';
export { cachedReward, ensembleReward, type CachedReward, type CachedRewardOptions, type RewardFunction, type RewardOutcome } from './reward.js';
export { SeededRng } from './rng.js';
export { AdamOptimizer, type AdamOptions, type AdamState } from './adam.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, checkpointDir, type CheckpointData, type StoredTensor } from './checkpoint.js';
export { createProgressBar, type ProgressReporter } from './progress.js';
export { runDemo, createDemoEnsemble, createPooledDemoEnsemble, DEMO_SETTINGS, type DemoOptions, type DemoSummary } from './demo/run.js';
export { BiCotPolicy, decodePlan, describePlan, type BiCotPolicyOptions, type DecodedPlan } from './demo/policy.js';
export { CLASSES as DEMO_CLASSES, HELD_OUT_PROMPTS, TRAIN_PROMPTS, TRAIN_EVAL_PROMPTS, PromptFeaturizer, spatialPrompt, countPrompt, pairPrompt } from './demo/prompts.js';
export { renderScene, OBJECT_CROPS, type ObjectCrop, type SceneObject, type SceneOptions } from './demo/render.js';
export { sceneReward, sceneRewardValue } from './demo/scene-reward.js';
export { curveSvg, learningCurveHtml, seriesFromRecords, type CurveSeries } from './demo/plot.js';
export {
  loadPolicyModule,
  parseTrainConfig,
  trainConfigSchema,
  trainFromConfig,
  type PolicyModule,
  type PromptSource,
  type TrainConfig,
  type TrainFromConfigOverrides,
} from './config.js';
