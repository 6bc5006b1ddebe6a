// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
/**
 * `@t2i-reward/yes-no`: the yes/no machinery shared by the experts that ask a vision-language model a yes-or-no
 * question (VQA, ORM, your own): P(yes)/(P(yes)+P(no)) from first-token logits, the backends that compute it
 * (transformers.js, ONNX BLIP / GIT exports, OpenAI-compatible servers), batching per image, and the config plumbing
 * (entry schema, backend from a config entry, REMOTE_BACKENDS). No expert lives here: an expert built on it never
 * imports another expert.
 */
export { VERSION } from './version.js';
export {
  answerWordOf,
  findYesNoTokenIds,
  pythonLowerStrip,
  ratioFromLogMasses,
  referenceFirstToken,
  yesNoProbabilities,
  type ReferenceFirstToken,
  type ReferenceTokenIds,
  yesNoTokenIdsFor,
  type YesNoOptions,
  type YesNoProbabilities,
  type YesNoTokenIds,
} from './yes-no.js';
export {
  isYesNoBackend,
  newStats,
  queryText,
  splitTemplate,
  stripSpecialTokens,
  type YesNoAnswer,
  type YesNoAskOptions,
  type YesNoBackend,
  type YesNoBackendStats,
  type YesNoQuery,
} from './backend.js';
export { createYesNoBackend, yesNoBackendSchema, YES_NO_BACKENDS, YES_NO_BACKEND_TYPES, type YesNoBackendConfig } from './backends/index.js';
export { TransformersYesNoBackend, type TransformersBackendOptions } from './backends/transformers.js';
export { OnnxYesNoBackend, type OnnxBackendOptions } from './backends/onnx.js';
export { OnnxGitYesNoBackend, type OnnxGitBackendOptions } from './backends/onnx-git.js';
export { OnnxBlipYesNoBackend } from './backends/onnx-blip.js';
export { OpenAiYesNoBackend, readYesNo, stripControlTokens, type OpenAiBackendOptions } from './backends/openai.js';
export {
  OpenAiCompatibleClient,
  openAiCompatibleConnectionProperties,
  openAiCompatibleConnectionSchema,
  responseSnippet,
  type OpenAiCompatibleClientOptions,
  type OpenAiCompatibleConnection,
  type OpenAiCompatibleResponse,
} from './openai-compatible.js';
export { askGroupedByImage, defaultImageConcurrency, type AskManyOptions } from './batch.js';
export { REMOTE_BACKENDS, YES_NO_EXPERT_BACKENDS, backendFromConfig, expertEntrySchema, validateYesNoExpertOptions } from './config.js';
