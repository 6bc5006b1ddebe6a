export { VERSION } from './version.js';
export * from './errors.js';
export { closestName, didYouMean, editDistance } from './suggest.js';
export type * from './spec.js';
export { BaseReward, failedResult, clamp01, type BaseRewardInit } from './base-reward.js';
export { memoizeAsync, type MemoizedAsync } from './memoize.js';
export * from './prompt-spec/types.js';
export * from './prompt-spec/schema.js';
export * from './prompt-spec/convert.js';
export * from './prompt-spec/parser.js';
export * from './prompt-spec/llm-parser.js';
export * from './prompt-spec/relations.js';
export * from './images/index.js';
export * from './ensemble/index.js';
export * from './middleware/index.js';
export {
  explainDetails,
  explainObject,
  explainQuestion,
  explainRelation,
  type ExplainContext,
  type ExplainDetails,
  type ObjectRecord,
  type QuestionRecord,
  type RelationRecord,
  type RewardDetails,
} from './details.js';
export * from './config/index.js';
export * from './runtime/index.js';
export * from './validation.js';
export * from './examples.js';
export * from './diagnostics/index.js';
export * from './pool/index.js';
export * from './models/index.js';
