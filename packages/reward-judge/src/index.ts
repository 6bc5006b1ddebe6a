export { VERSION } from './version.js';
export { JudgeReward, createJudgeReward, explainJudge, type JudgeDetails } from './reward.js';
export {
  FINAL_SCORE_PATTERN,
  UNIFIED_REWARD_TEMPLATE,
  judgeBackendSchema,
  judgeRewardOptionsSchema,
  validateJudgeOptions,
  type JudgeBackendConfig,
  type JudgeRewardOptions,
} from './options.js';
export { JudgeAnswerError, extractScore, scaleToUnit, type ExtractedScore } from './parse.js';
export { ChatClient, type ChatAnswer, type ChatRequest } from './client.js';
export { expertPlugin, judgeConfigSchema } from './plugin.js';
// Every expert package exports `explain(details)` (the details contract of core).
export { explainJudge as explain } from './reward.js';
