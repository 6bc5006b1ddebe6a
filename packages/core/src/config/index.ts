export {
  BUILTIN_BACKEND_PACKAGES,
  BUILTIN_EXPERT_KINDS,
  createEnsembleFromConfig,
  createRewardRegistry,
  defaultRewardRegistry,
  expertPackageName,
  explainOutcome,
  listExpertPlugins,
  loadEnsembleConfig,
  parseEnsembleConfig,
  placementOfBackend,
  prepareExpertEntry,
  registerBackendPlugin,
  registryForConfig,
  registryOf,
  registerExpertPlugin,
  resolveBackendPlugin,
  resolveExpertPlugin,
  unregisterBackendPlugin,
  unregisterExpertPlugin,
  type BackendPlacement,
  type BackendPlugin,
  type CreateFromConfigOptions,
  type ExpertPlugin,
  type ExpertPluginContext,
  type ImportModule,
  type JudgedAspect,
  type OfflineDefault,
  type PluginResolveOptions,
  type RewardRegistry,
  type RewardRegistryOptions,
  type SetupHint,
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
  type BackendSchemaTable,
  type BackendTable,
} from './backend-table.js';
export { DEFAULT_ENSEMBLE_CONFIG, DEFAULT_EXPERT_CONFIG } from './defaults.js';
export {
  defineExpert,
  type DeclaredBackendConfig,
  type DefinedExpert,
  type DefinedExpertConfig,
  type EntryWithoutKind,
  type ExpertBackendDeclaration,
  type ExpertDefinition,
  type StaticOf,
} from './define-expert.js';
