/** `@t2i-reward/trainer/demo`: BiCoT-GRPO at CPU scale (a TF.js policy, rendered scenes, the real CenterNet reward). */
export { runDemo, createDemoEnsemble, DEMO_EVAL_EVERY, DEMO_EVAL_GROUP_SIZE, DEMO_SETTINGS, type DemoOptions, type DemoSummary } from './run.js';
export { pooledCenterNet, DEMO_POOL_MODULE } from './pooled-centernet.js';
export { BiCotPolicy, decodePlan, describePlan, type BiCotPolicyOptions, type DecodedPlan } from './policy.js';
export {
  CLASSES as DEMO_CLASSES,
  HELD_OUT_PROMPTS,
  TRAIN_PROMPTS,
  TRAIN_EVAL_PROMPTS,
  PromptFeaturizer,
  spatialPrompt,
  countPrompt,
  pairPrompt,
} from './prompts.js';
export { renderScene, OBJECT_CROPS, type ObjectCrop, type SceneObject, type SceneOptions } from './render.js';
export { sceneReward, sceneRewardValue } from './scene-reward.js';
export { curveSvg, learningCurveHtml, seriesFromRecords, type CurveSeries } from './plot.js';
