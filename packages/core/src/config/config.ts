import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidConfigError, T2IRewardError } from '../errors.js';
import {
  assertSupportedModel,
  createEnsemble,
  wrapEnsembleExperts,
  type Ensemble,
  type EnsembleExpertInput,
  type EnsembleOptions,
  type ExpertMiddlewareFor,
} from '../ensemble/ensemble.js';
import type { RewardMiddleware } from '../middleware/wrap.js';
import { resolveModelLocation } from './model-location.js';
import type { ImageLoadOptions } from '../images/load.js';
import type { RewardModelV1 } from '../spec.js';
import { validateWithSchema } from '../validation.js';
import { applyEnsemblePreset } from './presets.js';
import { createPooledReward, RewardPool, type RewardPoolOptions } from '../pool/pool.js';
import { ensembleConfigSchema, type EnsembleConfig, type ExpertConfig } from './schema.js';
import type { ExpertPlacement } from './placement.js';
import { createSpecSource, type SpecParserConfig, type SpecSource } from '../prompt-spec/llm-parser.js';
import { placementOfBackend, type BackendPlacement, type BackendPlugin, type ExpertPlugin, type ExpertPluginContext } from './plugin.js';
import { defaultRewardRegistry, type ImportModule, type RewardRegistry } from './registry.js';

export {
  placementOfBackend,
  type BackendPlacement,
  type BackendPlugin,
  type ExpertPlugin,
  type ExpertPluginContext,
  type JudgedAspect,
  type OfflineDefault,
  type SetupHint,
} from './plugin.js';
export {
  BUILTIN_BACKEND_PACKAGES,
  BUILTIN_EXPERT_KINDS,
  createRewardRegistry,
  defaultRewardRegistry,
  expertPackageName,
  type ImportModule,
  type RewardRegistry,
  type RewardRegistryOptions,
} from './registry.js';

/** @deprecated pass plugins in a registry (`createRewardRegistry({ backends })`, or `registry.extend`). Adds to the default registry. */
export function registerBackendPlugin(plugin: BackendPlugin): void {
  if (!plugin || typeof plugin.type !== 'string' || typeof plugin.create !== 'function') {
    throw new InvalidConfigError('not a BackendPlugin ({ type, create })');
  }
  defaultRewardRegistry.add({ backend: plugin });
}

/** @deprecated the counterpart of `registerBackendPlugin`. */
export function unregisterBackendPlugin(type: string): boolean {
  return defaultRewardRegistry.remove({ type });
}

/**
 * @deprecated `registry.resolveBackend(type)`. The backend plugin for `type`: `options.backends`, the default
 * registry, then the built-in package for it; undefined when the type is not a shared backend.
 */
export async function resolveBackendPlugin(type: string, options: PluginResolveOptions = {}): Promise<BackendPlugin | undefined> {
  return registryOf(options).resolveBackend(type);
}

/** @deprecated pass plugins in a registry (`createRewardRegistry({ plugins })`). Adds `plugin` to the default registry. */
export function registerExpertPlugin(plugin: ExpertPlugin): void {
  defaultRewardRegistry.add({ expert: plugin });
}

/** @deprecated the counterpart of `registerExpertPlugin`. */
export function unregisterExpertPlugin(kind: string): boolean {
  return defaultRewardRegistry.remove({ kind });
}

/**
 * @deprecated `registry.explain(outcome)`. One line on why an expert scored what it did: its kind's `explain` (the
 * plugins given, else the default registry's), else core's `explainDetails`.
 */
export function explainOutcome(outcome: { kind: string; details?: Record<string, unknown> | undefined }, plugins?: readonly ExpertPlugin[]): string {
  return registryOf(plugins ? { plugins } : {}).explain(outcome);
}

/** @deprecated `registry.experts()`: the plugins the default registry holds (built-in kinds appear once resolved). */
export function listExpertPlugins(): ExpertPlugin[] {
  return defaultRewardRegistry.experts();
}

export interface PluginResolveOptions {
  /** The registry plugins are resolved in (default: `defaultRewardRegistry`). */
  registry?: RewardRegistry;
  /** Plugins to use before the registry's (a child registry for this call; the registry is unchanged). */
  plugins?: readonly ExpertPlugin[];
  /** Backend plugins to use before the registry's. */
  backends?: readonly BackendPlugin[];
  /** Imports a package by name (default: the registry's); tests and bundlers substitute it. */
  importModule?: ImportModule;
}

/** The registry a call resolves in: `options.registry` (or the default), extended by the call's own plugins. */
export function registryOf(options: PluginResolveOptions = {}): RewardRegistry {
  const base = options.registry ?? defaultRewardRegistry;
  if (!options.plugins?.length && !options.backends?.length && !options.importModule) return base;
  return base.extend({
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.backends ? { backends: options.backends } : {}),
    ...(options.importModule ? { importModule: options.importModule } : {}),
  });
}

/** @deprecated `registry.resolveExpert(kind)`: `options.plugins`, then the registry, then the kind's package. */
export async function resolveExpertPlugin(kind: string, options: PluginResolveOptions = {}): Promise<ExpertPlugin> {
  return registryOf(options).resolveExpert(kind);
}

/** Validates a parsed JSON value as an ensemble config; InvalidConfigError names each bad key ("experts/0/weight"). */
export function parseEnsembleConfig(value: unknown): EnsembleConfig {
  return validateWithSchema<EnsembleConfig>(ensembleConfigSchema, value, 'ensemble config');
}

/** Reads and validates a JSON config file; relative paths in it will resolve against its folder. */
export async function loadEnsembleConfig(file: string): Promise<EnsembleConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(`cannot read config file ${file}: ${(error as Error).message}`, { cause: error, data: { path: '', file } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`, { cause: error, data: { path: '', file } });
  }
  let config: EnsembleConfig;
  try {
    config = parseEnsembleConfig(json);
  } catch (error) {
    if (InvalidConfigError.isInstance(error)) {
      throw new InvalidConfigError(`${file}: ${error.message}`, { cause: error, data: { ...error.data, file } });
    }
    throw error;
  }
  return { ...config, configDir: path.dirname(path.resolve(file)) };
}

export interface CreateFromConfigOptions extends PluginResolveOptions {
  /** Overrides `config.configDir` (default: the working directory). */
  configDir?: string;
  /** Passed to the ensemble (e.g. core's `resolveSpec`, or a custom one). */
  resolveSpec?: EnsembleOptions['resolveSpec'];
  /** Overrides `config.parser` (the CLI's --parser): where prompt specs come from. */
  parser?: SpecParserConfig;
  /** Merged over `config.image` (e.g. the CLI's --allow-url). */
  image?: ImageLoadOptions;
  /**
   * Where pooled experts run (entries with `execution: 'pool'`, or whose backend is declared `placement: 'pool'`):
   * a shared RewardPool (the caller destroys it), options for a pool of the ensemble's own (created on first use,
   * destroyed with the ensemble; default: one thread per core), or `false` to run every expert in-process.
   */
  pool?: RewardPool | RewardPoolOptions | false;
  /**
   * Middleware around every expert (an array applies the first outermost), or a function giving each expert its own
   * (by name, kind, weight; undefined leaves it as built): metrics, caches, limits. Applied once the experts are built,
   * through core's `wrapEnsembleExperts`; disposing the ensemble disposes the experts.
   */
  middleware?: RewardMiddleware | readonly RewardMiddleware[] | ExpertMiddlewareFor;
}

function resolveRelative(configDir: string, value: string): string {
  return path.isAbsolute(value) ? value : path.resolve(configDir, value);
}

/**
 * `backend.model` located once, here, by core's `resolveModelLocation` against the config's folder — except for
 * remote backends, whose model is a served name (e.g. `openai`). Plugins get it as is.
 */
function withResolvedPaths(expert: ExpertConfig, configDir: string, placement: BackendPlacement): ExpertConfig {
  const model = expert.backend?.model;
  if (!expert.backend || typeof model !== 'string' || placement === 'remote') return expert;
  const { location } = resolveModelLocation(model, configDir);
  return location === model ? expert : { ...expert, backend: { ...expert.backend, model: location } };
}

/**
 * A config entry made ready for its plugin: the default backend filled in, the backend type checked against the
 * plugin, the entry validated by the plugin's schema (without `execution`, which is core's), explicitly relative
 * model paths made absolute. The worker pool runs the same step before building an expert.
 */
export function prepareExpertEntry(entry: ExpertConfig, plugin: ExpertPlugin, where: string, configDir: string): ExpertConfig {
  // `execution` and `normalize` are the ensemble's business: plugins never see them.
  const { execution: _execution, normalize: _normalize, ...rest } = entry;
  let expert: ExpertConfig = rest;
  if (expert.backend === undefined && plugin.backends[0] !== undefined) expert = { ...expert, backend: { type: plugin.backends[0] } };
  if (expert.backend && !plugin.backends.includes(expert.backend.type)) {
    throw new InvalidConfigError(`${where}/backend/type: '${expert.backend.type}' is not a backend of ${entry.kind} (${plugin.backends.join(', ')})`, {
      data: { path: `${where}/backend/type` },
    });
  }
  if (plugin.configSchema) validateWithSchema(plugin.configSchema, expert, `${entry.kind} expert config`, { pathPrefix: where });
  // Normalised once, here: the default backend filled in, its model located, options always an object.
  return withResolvedPaths(
    { ...expert, options: expert.options ?? {} },
    configDir,
    expert.backend ? placementOfBackend(plugin, expert.backend.type) : 'in-process',
  );
}

/** Where an entry's model is built (see PLACEMENTS). */
function placementOf(
  entry: ExpertConfig,
  expert: ExpertConfig,
  plugin: ExpertPlugin,
  options: CreateFromConfigOptions,
  registry: RewardRegistry,
): BackendPlacement {
  const declared = expert.backend ? placementOfBackend(plugin, expert.backend.type) : 'in-process';
  const here: BackendPlacement = declared === 'remote' ? 'remote' : 'in-process';
  if (options.pool === false) return here;
  if (entry.execution) return entry.execution === 'pool' ? 'pool' : here;
  // A worker finds a plugin by importing its kind's package: plugins given as values cannot cross threads.
  if (!registry.isImported(entry.kind)) return here;
  return declared;
}

/** One entry of a config, planned: its plugin (or the shared backend plugin that replaces it), entry and placement. */
interface PlannedExpert {
  entry: ExpertConfig;
  where: string;
  /** What the builder gets: the entry without core's keys, its default backend filled in and its model located. */
  expert: ExpertConfig;
  placement: BackendPlacement;
  /** Builds the model on this thread (the kind's plugin, or the shared backend's). */
  create(config: ExpertConfig, context: ExpertPluginContext): RewardModelV1 | Promise<RewardModelV1>;
  what: string;
  poolChunkSize?: number;
}

interface BuildState {
  configDir: string;
  image: ImageLoadOptions;
  context: ExpertPluginContext;
  /** The pool pooled experts run in (made on first use). */
  pool(): RewardPool;
}

/**
 * The one placement table: how a planned entry becomes a model. `remote` (a shared backend plugin such as kserve,
 * or a kind's served backend such as openai) and `in-process` build on this thread; `pool` builds in the worker pool,
 * where each worker resolves the kind's plugin by its package.
 */
const PLACEMENTS: Readonly<Record<BackendPlacement, (planned: PlannedExpert, state: BuildState) => RewardModelV1 | Promise<RewardModelV1>>> = {
  remote: (planned, state) => planned.create(planned.expert, state.context),
  'in-process': (planned, state) => planned.create(planned.expert, state.context),
  pool: (planned, state) =>
    createPooledReward(planned.expert, {
      pool: state.pool(),
      configDir: state.configDir,
      path: planned.where,
      image: state.image,
      ...(planned.poolChunkSize !== undefined ? { chunkSize: planned.poolChunkSize } : {}),
    }),
};

/** Resolves an entry's plugin in `registry` and decides where it runs; errors carry the entry's path. */
async function planExpert(
  entry: ExpertConfig,
  where: string,
  configDir: string,
  registry: RewardRegistry,
  options: CreateFromConfigOptions,
): Promise<PlannedExpert> {
  // A shared backend (e.g. kserve) builds the model for any kind.
  let backendPlugin: BackendPlugin | undefined;
  try {
    backendPlugin = entry.backend ? await registry.resolveBackend(entry.backend.type) : undefined;
  } catch (error) {
    throw atPath(error, `${where}/backend/type`);
  }
  if (backendPlugin) {
    const { execution: _execution, normalize: _normalize, ...remote } = entry;
    if (backendPlugin.configSchema) validateWithSchema(backendPlugin.configSchema, remote, `${entry.backend!.type} backend config`, { pathPrefix: where });
    return {
      entry,
      where,
      expert: remote,
      placement: 'remote',
      create: (config, context) => backendPlugin.create(config, context),
      what: `the ${entry.backend!.type} model of ${entry.kind}`,
    };
  }
  let plugin: ExpertPlugin;
  try {
    plugin = await registry.resolveExpert(entry.kind);
  } catch (error) {
    throw atPath(error, where);
  }
  const expert = prepareExpertEntry(entry, plugin, where, configDir);
  return {
    entry,
    where,
    expert,
    placement: placementOf(entry, expert, plugin, options, registry),
    create: (config, context) => plugin.create(config, context),
    what: `the model of ${entry.kind}`,
    ...(plugin.poolChunkSize !== undefined ? { poolChunkSize: plugin.poolChunkSize } : {}),
  };
}

function atPath(error: unknown, prefix: string): unknown {
  if (!T2IRewardError.isInstance(error)) return error;
  const inner = typeof error.data?.path === 'string' ? error.data.path : '';
  if (inner.startsWith(prefix)) return error;
  const fullPath = inner ? `${prefix}/${inner}` : prefix;
  const ErrorClass = error.constructor as new (message: string, options: object) => T2IRewardError;
  return new ErrorClass(`${fullPath}: ${error.message}`, { cause: error.cause ?? error, data: { ...error.data, path: fullPath } });
}

/**
 * The registry a config builds in: `options.registry` (default: the default registry) with the call's `plugins` /
 * `backends`, and a child holding the config's `plugins` modules, so they never reach later builds.
 */
export async function registryForConfig(
  config: Pick<EnsembleConfig, 'plugins' | 'configDir'>,
  options: PluginResolveOptions & { configDir?: string } = {},
): Promise<RewardRegistry> {
  const registry = registryOf(options);
  if (!config.plugins?.length) return registry;
  return registry.loadModules(config.plugins, path.resolve(options.configDir ?? config.configDir ?? process.cwd()));
}

/**
 * Builds the ensemble a config describes: resolves each expert's plugin in the registry (a child of it holding the
 * config's `plugins`), checks `backend.type` against the plugin's backends, validates the entry with the plugin's
 * schema, builds each model where the placement table says (disposing those already built if one fails), checks
 * their specification version and wraps them in `options.middleware`.
 */
export async function createEnsembleFromConfig(value: EnsembleConfig, options: CreateFromConfigOptions = {}): Promise<Ensemble> {
  const { configDir: storedDir, ...fileConfig } = value;
  const parsed = parseEnsembleConfig(fileConfig);
  const config = parsed.preset !== undefined ? applyEnsemblePreset(parsed, parsed.preset) : parsed;
  const configDir = path.resolve(options.configDir ?? storedDir ?? process.cwd());
  const image: ImageLoadOptions = {
    ...config.image,
    ...(config.image?.allowedRoot ? { allowedRoot: resolveRelative(configDir, config.image.allowedRoot) } : {}),
    ...options.image,
  };
  const registry = await registryForConfig(config, { ...options, configDir });
  const parserConfig = options.parser ?? config.parser;
  let specSource: SpecSource | undefined;
  try {
    specSource = parserConfig && parserConfig.type !== 'rule' ? createSpecSource(parserConfig) : undefined;
  } catch (error) {
    throw atPath(error, 'parser');
  }
  const created: EnsembleExpertInput[] = [];
  let pool: RewardPool | undefined = options.pool instanceof RewardPool ? options.pool : undefined;
  const sharedPool = () => {
    if (!pool) {
      pool = new RewardPool(options.pool && !(options.pool instanceof RewardPool) ? options.pool : {});
      pool.destroyWhenUnheld();
    }
    return pool;
  };
  try {
    for (const [index, entry] of config.experts.entries()) {
      const where = `experts/${index}`;
      const planned = await planExpert(entry, where, configDir, registry, options);
      const context: ExpertPluginContext = { configDir, path: where, resolvePath: (relative) => resolveRelative(configDir, relative), image };
      let model: RewardModelV1;
      try {
        model = await PLACEMENTS[planned.placement](planned, { configDir, image, context, pool: sharedPool });
        assertSupportedModel(model, planned.what);
      } catch (error) {
        throw atPath(error, where);
      }
      // The ensemble keeps where each expert runs (the server's ready line says it), through any middleware.
      const placement: ExpertPlacement = planned.placement === 'pool' ? { type: 'pool', threads: sharedPool().maxThreads } : { type: planned.placement };
      created.push({
        model,
        placement,
        ...(entry.name !== undefined ? { name: entry.name } : {}),
        ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
        ...(entry.normalize !== undefined ? { normalize: entry.normalize } : {}),
      });
    }
    const ensemble = createEnsemble({
      experts: created,
      ...(config.aggregate ? { aggregate: config.aggregate } : {}),
      ...(config.onMissing ? { onMissing: config.onMissing } : {}),
      ...(config.batchSize ? { batchSize: config.batchSize } : {}),
      ...(options.resolveSpec ? { resolveSpec: options.resolveSpec } : {}),
      ...(specSource ? { specSource } : {}),
      image,
    });
    const middleware = options.middleware;
    if (middleware === undefined) return ensemble;
    return wrapEnsembleExperts(ensemble, typeof middleware === 'function' ? middleware : () => middleware);
  } catch (error) {
    await Promise.allSettled(created.map((expert) => expert.model.dispose()));
    throw error;
  }
}
