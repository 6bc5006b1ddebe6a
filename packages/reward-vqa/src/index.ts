// The optional runtimes' real module types (core's RuntimeModuleTypes) while this package is type-checked and
// built; a type-only import leaves no trace in the JS or the published declarations.
import type {} from '@t2i-reward/core/runtime-types';
export { VERSION } from './version.js';
export { VqaReward, createVqaReward, t2iR1TaskType, type VqaQuestionDetail } from './vqa-reward.js';
export { vqaRewardOptionsSchema, validateVqaOptions, type VqaAggregate, type VqaReference, type VqaRewardOptions, type VqaVariant } from './options.js';
export { VQASCORE_TEMPLATE } from './vqascore.js';
export { expertPlugin } from './plugin.js';
export { explain } from './explain.js';
// What a caller needs to pass a backend; the rest of the yes/no machinery is `@t2i-reward/yes-no`.
export { createYesNoBackend, type YesNoAnswer, type YesNoBackend, type YesNoBackendConfig, type YesNoQuery } from '@t2i-reward/yes-no';
