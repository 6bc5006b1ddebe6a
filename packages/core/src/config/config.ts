import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidConfigError, RuntimeUnavailableError, T2IRewardError } from '../errors.js';
import { assertSupportedModel, createEnsemble, type Ensemble, type EnsembleOptions } from '../ensemble/ensemble.js';
import { explainDetails, type ExplainDetails } from '../details.js';
import { resolveModelLocation } from './model-location.js';
import { didYouMean } from '../suggest.js';
import type { ImageLoadOptions } from '../images/load.js';
import type { RewardModelV1 } from '../spec.js';
import { validateWithSchema, type JSONSchema } from '../validation.js';
import { applyEnsemblePreset } from './presets.js';
import { createPooledReward, RewardPool, type RewardPoolOptions } from '../pool/pool.js';
import { ensembleConfigSchema, type EnsembleConfig, type ExpertConfig } from './schema.js';
import type { NormalizeSpec } from '../ensemble/normalize.js';
import { createSpecSource, type SpecParserConfig, type SpecSource } from '../prompt-spec/llm-parser.js';

/** What a plugin's `create` gets besides its own config entry. */
export interface ExpertPluginContext {
  /** Folder relative paths are resolved against (the config file's folder, else the working directory). */
  configDir: string;
  /** JSON path of this expert's entry, e.g. "experts/1", for error messages. */
  path: string;
  /** Resolves a path relative to `configDir` (absolute paths pass through). */
  resolvePath(relativePath: string): string;
  /** The ensemble's image limits, for experts that fetch or decode more images themselves. */
  image: ImageLoadOptions;
}

/**
 * How a package makes its expert nameable by `kind` in config files. Expert packages export one as
 * `expertPlugin`; others call `registerExpertPlugin`.
 */
export interface ExpertPlugin {
  kind: string;
  /** One line for `t2ir models`. */
  description?: string;
  /** Supported `backend.type` values; the first is the default when the config gives no backend. */
  backends: readonly string[];
  /**
   * JSON Schema of this kind's whole expert entry ({kind, name, weight, backend, options}); declare the keys you
   * read (e.g. `backend.model`, `options.threshold`). Errors are reported with the entry's path ("experts/0/...").
   */
  configSchema?: JSONSchema;
  /**
   * Backends that compute on the calling thread (TF.js wasm, plain JS): config entries using one run in a
   * worker pool by default (`execution: 'pool'`). Runtimes that thread themselves (onnxruntime) and remote
   * backends stay in-process unless an entry asks otherwise.
   */
  poolBackends?: readonly string[];
  /**
   * Items per pool task (default: each batch split evenly over the threads). 1 suits models that run image by
   * image anyway (TF.js CenterNet): a free worker takes the next image, so one slowed thread does not hold a batch.
   */
  poolChunkSize?: number;
  create(config: ExpertConfig, context: ExpertPluginContext): RewardModelV1 | Promise<RewardModelV1>;
  /** Backends whose `backend.model` names a served model rather than a location (never resolved as a path). */
  remoteBackends?: readonly string[];
  /** One line on why this kind scored what it did, from its `details` (default: core's `explainDetails`). */
  explain?: ExplainDetails;
  /**
   * What of a prompt this kind's score checks. `t2ir score` warns about the parts of a prompt that no expert of
   * the ensemble checks ("attributes not checked", "text not checked"), naming what each expert does check.
   * Undeclared: unknown, and no such warning is given for ensembles with this kind.
   */
  judges?: readonly JudgedAspect[];
}

/**
 * A part of a prompt an expert can check: `objects` named, their `counts`, `positions` (spatial relations),
 * `attributes` (colour, material, ...), quoted `text` rendered in the image, or the image as a whole (`overall`:
 * preference / alignment models, which check no part on its own).
 */
export type JudgedAspect = 'objects' | 'counts' | 'positions' | 'attributes' | 'text' | 'overall';

/**
 * A backend that can run an expert of any kind (remote serving engines: `kserve`). When an entry's
 * `backend.type` names one, it builds the model and the kind is only a label (its package is not loaded).
 * Packages export theirs as `backendPlugins`; others call `registerBackendPlugin`.
 */
export interface BackendPlugin {
  type: string;
  description?: string;
  /** JSON Schema of the whole expert entry, as for ExpertPlugin. */
  configSchema?: JSONSchema;
  create(config: ExpertConfig, context: ExpertPluginContext): RewardModelV1 | Promise<RewardModelV1>;
}

/** Backend types shipped in t2i-reward packages, imported on first use (their `backendPlugins` export). */
export const BUILTIN_BACKEND_PACKAGES: Readonly<Record<string, string>> = { kserve: '@t2i-reward/kserve' };

const backendRegistry = new Map<string, BackendPlugin>();

/** Makes `plugin.type` usable as `backend.type` for every kind (replacing an earlier registration). */
export function registerBackendPlugin(plugin: BackendPlugin): void {
  if (!plugin || typeof plugin.type !== 'string' || typeof plugin.create !== 'function') {
    throw new InvalidConfigError('not a BackendPlugin ({ type, create })');
  }
  backendRegistry.set(plugin.type, plugin);
}

export function unregisterBackendPlugin(type: string): boolean {
  return backendRegistry.delete(type);
}

/**
 * The backend plugin for `type`: `options.backends`, the registry, then the built-in package for it; undefined
 * when the type is not a shared backend (the kind's own plugin handles it then).
 */
export async function resolveBackendPlugin(type: string, options: PluginResolveOptions = {}): Promise<BackendPlugin | undefined> {
  const given = options.backends?.find((plugin) => plugin.type === type);
  if (given) return given;
  const registered = backendRegistry.get(type);
  if (registered) return registered;
  const packageName = BUILTIN_BACKEND_PACKAGES[type];
  if (!packageName) return undefined;
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  let module: unknown;
  try {
    module = await importModule(packageName);
  } catch (error) {
    throw new RuntimeUnavailableError(`backend '${type}' needs the package ${packageName} (npm install ${packageName}): ${(error as Error).message}`, {
      cause: error,
      data: { backend: type, package: packageName },
    });
  }
  const plugins = (module as { backendPlugins?: unknown } | null)?.backendPlugins;
  const plugin = Array.isArray(plugins) ? (plugins as BackendPlugin[]).find((candidate) => candidate?.type === type) : undefined;
  if (!plugin) throw new RuntimeUnavailableError(`${packageName} exports no backend plugin '${type}'`, { data: { backend: type, package: packageName } });
  registerBackendPlugin(plugin);
  return plugin;
}

/** Kinds shipped as @t2i-reward/<kind> packages, imported on first use. */
export const BUILTIN_EXPERT_KINDS: readonly string[] = ['detector', 'vqa', 'orm', 'hpm', 'ocr', 'compressibility', 'judge', 'safety', 'aesthetic'];

const registry = new Map<string, ExpertPlugin>();

function assertPlugin(plugin: unknown, where: string): asserts plugin is ExpertPlugin {
  const candidate = plugin as Partial<ExpertPlugin> | null;
  if (
    !candidate ||
    typeof candidate !== 'object' ||
    typeof candidate.kind !== 'string' ||
    typeof candidate.create !== 'function' ||
    !Array.isArray(candidate.backends)
  ) {
    throw new InvalidConfigError(`${where} is not an ExpertPlugin ({ kind, backends, create })`);
  }
}

/** Makes `plugin.kind` usable in config files (replacing an earlier registration of that kind). */
export function registerExpertPlugin(plugin: ExpertPlugin): void {
  assertPlugin(plugin, `plugin ${JSON.stringify((plugin as { kind?: unknown })?.kind)}`);
  registry.set(plugin.kind, plugin);
}

export function unregisterExpertPlugin(kind: string): boolean {
  return registry.delete(kind);
}

/**
 * One line on why an expert scored what it did: its kind's `explain` (the plugin given, else registered or
 * resolved by a config), else core's `explainDetails` over the contract records. Used by `t2ir score`'s "why"
 * column and the benchmarks' HTML report.
 */
export function explainOutcome(outcome: { kind: string; details?: Record<string, unknown> | undefined }, plugins?: readonly ExpertPlugin[]): string {
  const plugin = plugins?.find((candidate) => candidate.kind === outcome.kind) ?? registry.get(outcome.kind);
  return (plugin?.explain ?? explainDetails)(outcome.details);
}

/** The plugins registered so far (built-in kinds appear once resolved). */
export function listExpertPlugins(): ExpertPlugin[] {
  return [...registry.values()];
}

export interface PluginResolveOptions {
  /** Plugins to use before the registry (not registered globally). */
  plugins?: readonly ExpertPlugin[];
  /** Backend plugins to use before the backend registry (not registered globally). */
  backends?: readonly BackendPlugin[];
  /** Imports a package by name (default: dynamic `import()`); tests and bundlers substitute it. */
  importModule?: (specifier: string) => Promise<unknown>;
}

/** The package a kind lives in: @t2i-reward/<kind> for built-ins, the kind itself when it is a package name. */
export function expertPackageName(kind: string): string | undefined {
  if (BUILTIN_EXPERT_KINDS.includes(kind)) return `@t2i-reward/${kind}`;
  if (/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(kind) && (kind.startsWith('@') || kind.includes('-'))) return kind;
  return undefined;
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') &&
    String((error as Error).message).includes(specifier)
  );
}

/**
 * Finds the plugin for `kind`: `options.plugins`, then the registry, then the package (@t2i-reward/<kind> for
 * detector / vqa / orm / hpm, or the kind itself when it names a package) and its `expertPlugin` export, which
 * is then registered. Throws InvalidConfigError for an unknown kind and RuntimeUnavailableError when the
 * package is not installed or exports no plugin.
 */
export async function resolveExpertPlugin(kind: string, options: PluginResolveOptions = {}): Promise<ExpertPlugin> {
  const given = options.plugins?.find((plugin) => plugin.kind === kind);
  if (given) return given;
  const registered = registry.get(kind);
  if (registered) return registered;
  const packageName = expertPackageName(kind);
  if (!packageName) {
    const known = [...new Set([...BUILTIN_EXPERT_KINDS, ...registry.keys(), ...(options.plugins ?? []).map((plugin) => plugin.kind)])];
    throw new InvalidConfigError(
      `unknown expert kind '${kind}'${didYouMean(kind, known)} (known: ${known.join(', ')}; or an npm package exporting expertPlugin)`,
      {
        data: { path: 'kind', kind },
      },
    );
  }
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  let module: unknown;
  try {
    module = await importModule(packageName);
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw new RuntimeUnavailableError(`expert kind '${kind}' needs the package ${packageName}, which is not installed (npm install ${packageName})`, {
        cause: error,
        data: { kind, package: packageName, reason: 'not-installed' },
      });
    }
    throw new RuntimeUnavailableError(`${packageName} failed to load: ${(error as Error).message}`, {
      cause: error,
      data: { kind, package: packageName, reason: 'load-failed' },
    });
  }
  const plugin = (module as { expertPlugin?: unknown } | null)?.expertPlugin;
  if (plugin === undefined) {
    throw new RuntimeUnavailableError(`${packageName} does not export expertPlugin (is it a t2i-reward expert package, and recent enough?)`, {
      data: { kind, package: packageName, reason: 'no-plugin' },
    });
  }
  assertPlugin(plugin, `${packageName}'s expertPlugin`);
  if (plugin.kind !== kind && packageName !== kind) {
    throw new RuntimeUnavailableError(`${packageName}'s expertPlugin is of kind '${plugin.kind}', expected '${kind}'`, {
      data: { kind, package: packageName },
    });
  }
  registry.set(kind, plugin);
  return plugin;
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
   * Where pooled experts run (entries with `execution: 'pool'`, or whose backend is in their plugin's
   * `poolBackends`): a shared RewardPool (the caller destroys it), options for a pool of the ensemble's own
   * (created on first use, destroyed with the ensemble; default: one thread per core), or `false` to run
   * every expert in-process.
   */
  pool?: RewardPool | RewardPoolOptions | false;
}

function resolveRelative(configDir: string, value: string): string {
  return path.isAbsolute(value) ? value : path.resolve(configDir, value);
}

/**
 * `backend.model` located once, here, by core's `resolveModelLocation` against the config's folder — except for
 * backends whose model is a served name (`plugin.remoteBackends`, e.g. `openai`). Plugins get it as is.
 */
function withResolvedPaths(expert: ExpertConfig, configDir: string, remoteBackends: readonly string[] = []): ExpertConfig {
  const model = expert.backend?.model;
  if (!expert.backend || typeof model !== 'string' || remoteBackends.includes(expert.backend.type)) return expert;
  const { location } = resolveModelLocation(model, configDir);
  return location === model ? expert : { ...expert, backend: { ...expert.backend, model: location } };
}

/**
 * Loads the config's `plugins` modules (a path relative to `configDir`, or a package name through
 * `importModule`) and registers what each exports: `expertPlugin`, `expertPlugins`, `backendPlugins`.
 */
export async function loadConfigPlugins(specifiers: readonly string[], configDir: string, options: PluginResolveOptions = {}): Promise<void> {
  for (const [index, specifier] of specifiers.entries()) {
    const isPath = /^\.{1,2}[\\/]/.test(specifier) || path.isAbsolute(specifier);
    let module: Record<string, unknown> | null;
    try {
      module = (
        isPath
          ? await import(pathToFileURL(resolveRelative(configDir, specifier)).href)
          : await (options.importModule ?? ((name: string) => import(name)))(specifier)
      ) as Record<string, unknown> | null;
    } catch (error) {
      throw new RuntimeUnavailableError(`plugins/${index}: cannot load ${specifier}: ${(error as Error).message}`, {
        cause: error,
        data: { path: `plugins/${index}`, package: specifier, reason: 'load-failed' },
      });
    }
    const experts = [module?.expertPlugin, ...(Array.isArray(module?.expertPlugins) ? module.expertPlugins : [])].filter((p) => p !== undefined);
    const backends = Array.isArray(module?.backendPlugins) ? (module.backendPlugins as BackendPlugin[]) : [];
    if (experts.length === 0 && backends.length === 0) {
      throw new InvalidConfigError(`plugins/${index}: ${specifier} exports no expertPlugin, expertPlugins or backendPlugins`, {
        data: { path: `plugins/${index}` },
      });
    }
    for (const plugin of experts) registerExpertPlugin(plugin as ExpertPlugin);
    for (const plugin of backends) registerBackendPlugin(plugin);
  }
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
  return withResolvedPaths({ ...expert, options: expert.options ?? {} }, configDir, plugin.remoteBackends);
}

/**
 * Where an entry runs: its own `execution`, else the pool when its backend is in the plugin's `poolBackends`
 * and a worker can find the plugin by kind (plugin objects passed in `options.plugins` cannot cross threads).
 */
function placementOf(entry: ExpertConfig, expert: ExpertConfig, plugin: ExpertPlugin, options: CreateFromConfigOptions): 'pool' | 'in-process' {
  if (options.pool === false) return 'in-process';
  if (entry.execution) return entry.execution;
  if (options.plugins?.includes(plugin) || expertPackageName(entry.kind) === undefined) return 'in-process';
  return expert.backend && plugin.poolBackends?.includes(expert.backend.type) ? 'pool' : 'in-process';
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
 * Builds the ensemble a config describes: resolves each expert's plugin, checks `backend.type` against the
 * plugin's backends, validates the entry with the plugin's schema, creates the models (disposing those already
 * created if one fails) and checks their specification version.
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
  if (config.plugins?.length) await loadConfigPlugins(config.plugins, configDir, options);
  const parserConfig = options.parser ?? config.parser;
  let specSource: SpecSource | undefined;
  try {
    specSource = parserConfig && parserConfig.type !== 'rule' ? createSpecSource(parserConfig) : undefined;
  } catch (error) {
    throw atPath(error, 'parser');
  }
  const created: { name?: string; model: RewardModelV1; weight?: number; normalize?: NormalizeSpec }[] = [];
  let pool: RewardPool | undefined = options.pool instanceof RewardPool ? options.pool : undefined;
  try {
    for (const [index, entry] of config.experts.entries()) {
      const where = `experts/${index}`;
      const context: ExpertPluginContext = { configDir, path: where, resolvePath: (relative) => resolveRelative(configDir, relative), image };
      // A shared backend (e.g. kserve) builds the model for any kind.
      let backendPlugin: BackendPlugin | undefined;
      try {
        backendPlugin = entry.backend ? await resolveBackendPlugin(entry.backend.type, options) : undefined;
      } catch (error) {
        throw atPath(error, `${where}/backend/type`);
      }
      if (backendPlugin) {
        const { execution: _execution, normalize: _normalize, ...remote } = entry;
        if (backendPlugin.configSchema) validateWithSchema(backendPlugin.configSchema, remote, `${entry.backend!.type} backend config`, { pathPrefix: where });
        let model: RewardModelV1;
        try {
          model = await backendPlugin.create(remote, context);
          assertSupportedModel(model, `the ${entry.backend!.type} model of ${entry.kind}`);
        } catch (error) {
          throw atPath(error, where);
        }
        created.push({
          model,
          ...(entry.name !== undefined ? { name: entry.name } : {}),
          ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
          ...(entry.normalize !== undefined ? { normalize: entry.normalize } : {}),
        });
        continue;
      }
      let plugin: ExpertPlugin;
      try {
        plugin = await resolveExpertPlugin(entry.kind, options);
      } catch (error) {
        throw atPath(error, where);
      }
      const expert = prepareExpertEntry(entry, plugin, where, configDir);
      if (placementOf(entry, expert, plugin, options) === 'pool') {
        if (!pool) {
          pool = new RewardPool(options.pool && !(options.pool instanceof RewardPool) ? options.pool : {});
          pool.destroyWhenUnheld();
        }
        let model: RewardModelV1;
        try {
          model = await createPooledReward(expert, {
            pool,
            configDir,
            path: where,
            image,
            ...(plugin.poolChunkSize !== undefined ? { chunkSize: plugin.poolChunkSize } : {}),
          });
        } catch (error) {
          throw atPath(error, where);
        }
        created.push({
          model,
          ...(entry.name !== undefined ? { name: entry.name } : {}),
          ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
          ...(entry.normalize !== undefined ? { normalize: entry.normalize } : {}),
        });
        continue;
      }
      let model: RewardModelV1;
      try {
        model = await plugin.create(expert, context);
        assertSupportedModel(model, `the model of ${entry.kind}`);
      } catch (error) {
        throw atPath(error, where);
      }
      created.push({
        model,
        ...(entry.name !== undefined ? { name: entry.name } : {}),
        ...(entry.weight !== undefined ? { weight: entry.weight } : {}),
        ...(entry.normalize !== undefined ? { normalize: entry.normalize } : {}),
      });
    }
    return createEnsemble({
      experts: created,
      ...(config.aggregate ? { aggregate: config.aggregate } : {}),
      ...(config.onMissing ? { onMissing: config.onMissing } : {}),
      ...(config.batchSize ? { batchSize: config.batchSize } : {}),
      ...(options.resolveSpec ? { resolveSpec: options.resolveSpec } : {}),
      ...(specSource ? { specSource } : {}),
      image,
    });
  } catch (error) {
    await Promise.allSettled(created.map((expert) => expert.model.dispose()));
    throw error;
  }
}
