export {
  BUILTIN_EXPERT_KINDS,
  createEnsembleFromConfig,
  expertPackageName,
  listExpertPlugins,
  loadEnsembleConfig,
  parseEnsembleConfig,
  registerExpertPlugin,
  resolveExpertPlugin,
  unregisterExpertPlugin,
  type CreateFromConfigOptions,
  type ExpertPlugin,
  type ExpertPluginContext,
  type PluginResolveOptions,
} from './config.js';
export {
  ensembleConfigSchema,
  expertConfigSchema,
  type EnsembleConfig,
  type ExpertBackendConfig,
  type ExpertConfig,
  type ImageConfig,
} from './schema.js';
