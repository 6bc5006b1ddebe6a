export { cacheRoot, CATALOG_NAME_PATTERN, modelsCacheDir, pulledModelDir, PULL_MANIFEST_FILE, readPullManifest, type PullManifest } from './cache.js';
export {
  catalogAvailability,
  findCatalogEntry,
  listCatalog,
  MODEL_CATALOG,
  registerCatalogEntry,
  type CatalogExport,
  type CatalogExpert,
  type CatalogFile,
  type ModelCatalogEntry,
} from './catalog.js';
export { ModelPullError, type ModelPullFailure } from './errors.js';
export {
  DEFAULT_HF_ENDPOINT,
  normalizeEtag,
  PARTIAL_DIR,
  pullModel,
  type PulledFile,
  type PullModelOptions,
  type PullProgress,
  type PullResult,
} from './pull.js';
