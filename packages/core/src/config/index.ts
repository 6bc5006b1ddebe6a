export {
  BUILTIN_BACKEND_PACKAGES,
  BUILTIN_EXPERT_KINDS,
  createEnsembleFromConfig,
  expertPackageName,
  explainOutcome,
  listExpertPlugins,
  loadConfigPlugins,
  loadEnsembleConfig,
  parseEnsembleConfig,
  prepareExpertEntry,
  registerBackendPlugin,
  registerExpertPlugin,
  resolveBackendPlugin,
  resolveExpertPlugin,
  unregisterBackendPlugin,
  unregisterExpertPlugin,
  type BackendPlugin,
  type CreateFromConfigOptions,
  type ExpertPlugin,
  type ExpertPluginContext,
  type JudgedAspect,
  type PluginResolveOptions,
} from './config.js';
export {
  ensembleConfigSchema,
  expertBackendConfigSchema,
  expertConfigSchema,
  imageConfigSchema,
  type EnsembleConfig,
  type ExpertBackendConfig,
  type ExpertConfig,
  type ImageConfig,
} from './schema.js';
export { Const, Dictionary, Pair, StringEnum } from './typebox.js';
export { FIXTURE_MARKER_FILE, findFixtureModels, isFixtureModel, type FixtureModelUse } from './fixture-models.js';
export { ENSEMBLE_PRESETS, ENSEMBLE_PRESET_NAMES, applyEnsemblePreset, type EnsemblePreset, type EnsemblePresetName } from './presets.js';
export { resolveModelLocation, checkModelFolder, checkModelLocation, isModelPath, type ModelLocation } from './model-location.js';
export {
  backendEntry,
  backendSchema,
  backendTypes,
  createFromBackendTable,
  defaultBackendType,
  type BackendEntry,
  type BackendTable,
} from './backend-table.js';
export { DEFAULT_ENSEMBLE_CONFIG, DEFAULT_EXPERT_CONFIG } from './defaults.js';
