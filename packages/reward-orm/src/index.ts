export { VERSION } from './version.js';
export {
  T2I_R1_ORM_TEMPLATE,
  T2I_R1_ORM_TEMPERATURE,
  HF_DEFAULT_TOP_K,
  type OrmReference,
  ormRewardOptionsSchema,
  validateOrmOptions,
  type OrmRewardOptions,
} from './options.js';
export { OrmReward, createOrmReward } from './orm-reward.js';
export { expertPlugin } from './plugin.js';
export { SeededUniform } from './draws.js';
export { explain } from './explain.js';
