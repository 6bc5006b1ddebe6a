export { VERSION } from './version.js';
export {
  answerWordOf,
  findYesNoTokenIds,
  ratioFromLogMasses,
  yesNoProbabilities,
  yesNoTokenIdsFor,
  type YesNoOptions,
  type YesNoProbabilities,
  type YesNoTokenIds,
} from './yes-no.js';
export {
  isYesNoBackend,
  queryText,
  splitTemplate,
  stripSpecialTokens,
  type YesNoAnswer,
  type YesNoAskOptions,
  type YesNoBackend,
  type YesNoBackendStats,
  type YesNoQuery,
} from './backend.js';
export { createYesNoBackend, yesNoBackendSchema, YES_NO_BACKEND_TYPES, type YesNoBackendConfig } from './backends/index.js';
export { TransformersYesNoBackend, type TransformersBackendOptions } from './backends/transformers.js';
export { OnnxYesNoBackend, type OnnxBackendOptions } from './backends/onnx.js';
export { OnnxGitYesNoBackend, type OnnxGitBackendOptions } from './backends/onnx-git.js';
export { OnnxBlipYesNoBackend } from './backends/onnx-blip.js';
export { OpenAiYesNoBackend, readYesNo, stripControlTokens, type OpenAiBackendOptions } from './backends/openai.js';
export { askGroupedByImage, defaultImageConcurrency, type AskManyOptions } from './batch.js';
export { vqaRewardOptionsSchema, validateVqaOptions, validateYesNoExpertOptions, type VqaAggregate, type VqaRewardOptions } from './options.js';
export { VqaReward, createVqaReward, type VqaQuestionDetail } from './vqa-reward.js';
export { expertPlugin, backendFromConfig, expertEntrySchema, REMOTE_BACKENDS } from './plugin.js';
export { explain } from './explain.js';
