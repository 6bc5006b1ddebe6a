import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { explainDetails, type ExplainContext } from '../details.js';
import { InvalidConfigError, RuntimeUnavailableError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { BackendPlugin, ExpertPlugin } from './plugin.js';

/** Backend types shipped in t2i-reward packages, imported on first use (their `backendPlugins` export). */
export const BUILTIN_BACKEND_PACKAGES: Readonly<Record<string, string>> = { kserve: '@t2i-reward/kserve' };

/** Kinds shipped as @t2i-reward/<kind> packages, imported on first use. */
export const BUILTIN_EXPERT_KINDS: readonly string[] = ['detector', 'vqa', 'orm', 'hpm', 'ocr', 'compressibility', 'judge', 'safety', 'aesthetic'];

/** Imports a module by package name or URL (default: dynamic `import()`); tests and bundlers substitute it. */
export type ImportModule = (specifier: string) => Promise<unknown>;

/** The package a kind lives in: @t2i-reward/<kind> for built-ins, the kind itself when it is a package name. */
export function expertPackageName(kind: string): string | undefined {
  if (BUILTIN_EXPERT_KINDS.includes(kind)) return `@t2i-reward/${kind}`;
  if (/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(kind) && (kind.startsWith('@') || kind.includes('-'))) return kind;
  return undefined;
}

export interface RewardRegistryOptions {
  /** Expert plugins this registry holds (they win over its parent's and over built-in packages). */
  plugins?: readonly ExpertPlugin[];
  /** Shared backend plugins this registry holds (`backend.type` for every kind). */
  backends?: readonly BackendPlugin[];
  /** Imports built-in and package kinds (default: the parent's, else dynamic `import()`). */
  importModule?: ImportModule;
  /** A registry whose plugins and built-ins this one falls back to (what `extend` makes). */
  parent?: RewardRegistry;
}

/**
 * The expert and backend plugins an ensemble is built from: a value, passed where ensembles are built
 * (`createEnsembleFromConfig(config, { registry })`). Built-in kinds (`@t2i-reward/<kind>`) and shared backends
 * (`kserve`) are imported on first use and kept by the registry that imported them; a config's `plugins` go into a
 * child (`loadModules`), so they never reach later ensembles built from the parent.
 */
export interface RewardRegistry {
  /** The plugin for `kind`: held here or by a parent, else imported from its package (and kept). */
  resolveExpert(kind: string): Promise<ExpertPlugin>;
  /** The shared backend plugin for `type`, or undefined when `type` is no shared backend (the kind's plugin handles it). */
  resolveBackend(type: string): Promise<BackendPlugin | undefined>;
  /** The plugin for `kind` when already held (no import). */
  findExpert(kind: string): ExpertPlugin | undefined;
  /** Every kind a config can name here: the built-in kinds, then the plugins held (parents' first). */
  kinds(): string[];
  /**
   * Whether the plugin `kind` resolves to here was imported from the kind's package (so a worker thread, importing
   * the same package, builds the same expert), not given as a value.
   */
  isImported(kind: string): boolean;
  /** The plugins held so far (given, loaded from modules, or imported built-ins), parents' first. */
  experts(): ExpertPlugin[];
  /** The shared backend types usable by every kind, with their package (undefined: a plugin held here). */
  sharedBackends(): { type: string; package: string | undefined }[];
  /** The package `kind` is imported from here (undefined: a plugin given as a value, or not importable by name). */
  packageOf(kind: string): string | undefined;
  /**
   * One line on why an expert scored what it did: its kind's `explain` when held, else core's `explainDetails`; the
   * kind's `explain` also gets the outcome's score and, when given, the item's prompt.
   */
  explain(outcome: { kind: string; details?: Record<string, unknown> | undefined; score?: number | null }, context?: { prompt?: string }): string;
  /** A child registry holding `plugins` / `backends` besides everything this one resolves; this one is unchanged. */
  extend(options: Omit<RewardRegistryOptions, 'parent'>): RewardRegistry;
  /**
   * A child holding what `specifiers` export (`expertPlugin`, `expertPlugins`, `backendPlugins`): paths relative to
   * `baseDir`, or package names (through `importModule`). Errors name `plugins/<index>`.
   */
  loadModules(specifiers: readonly string[], baseDir: string): Promise<RewardRegistry>;
  /** The import function this registry uses for packages. */
  readonly importModule: ImportModule;
  /** @deprecated mutates this registry for every later build; use `extend` (kept for `registerExpertPlugin`). */
  add(plugin: { expert?: ExpertPlugin; backend?: BackendPlugin }): void;
  /** @deprecated the counterpart of `add`. */
  remove(which: { kind?: string; type?: string }): boolean;
}

export function assertExpertPlugin(plugin: unknown, where: string): asserts plugin is ExpertPlugin {
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

function assertBackendPlugin(plugin: unknown, where: string): asserts plugin is BackendPlugin {
  const candidate = plugin as Partial<BackendPlugin> | null;
  if (!candidate || typeof candidate.type !== 'string' || typeof candidate.create !== 'function') {
    throw new InvalidConfigError(`${where} is not a BackendPlugin ({ type, create })`);
  }
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') &&
    String((error as Error).message).includes(specifier)
  );
}

const defaultImport: ImportModule = (specifier) => import(specifier);

class Registry implements RewardRegistry {
  readonly #experts = new Map<string, ExpertPlugin>();
  readonly #backends = new Map<string, BackendPlugin>();
  /** Kinds whose plugin here was imported from their package. */
  readonly #imported = new Set<string>();
  readonly #parent: Registry | undefined;
  readonly #ownImport: ImportModule | undefined;

  constructor(options: RewardRegistryOptions) {
    if (options.parent !== undefined && !(options.parent instanceof Registry)) {
      throw new InvalidConfigError('parent must be a registry made by createRewardRegistry');
    }
    this.#parent = options.parent;
    this.#ownImport = options.importModule;
    for (const [index, plugin] of (options.plugins ?? []).entries()) {
      assertExpertPlugin(plugin, `plugins/${index}`);
      this.#experts.set(plugin.kind, plugin);
    }
    for (const [index, plugin] of (options.backends ?? []).entries()) {
      assertBackendPlugin(plugin, `backends/${index}`);
      this.#backends.set(plugin.type, plugin);
    }
  }

  get importModule(): ImportModule {
    return this.#ownImport ?? this.#parent?.importModule ?? defaultImport;
  }

  findExpert(kind: string): ExpertPlugin | undefined {
    return this.#experts.get(kind) ?? this.#parent?.findExpert(kind);
  }

  isImported(kind: string): boolean {
    if (this.#experts.has(kind)) return this.#imported.has(kind);
    return this.#parent?.isImported(kind) ?? false;
  }

  #findBackend(type: string): BackendPlugin | undefined {
    return this.#backends.get(type) ?? (this.#parent ? this.#parent.#findBackend(type) : undefined);
  }

  kinds(): string[] {
    return [...new Set([...(this.#parent?.kinds() ?? BUILTIN_EXPERT_KINDS), ...this.#experts.keys()])];
  }

  experts(): ExpertPlugin[] {
    const own = [...this.#experts.values()];
    const inherited = (this.#parent?.experts() ?? []).filter((plugin) => !this.#experts.has(plugin.kind));
    return [...inherited, ...own];
  }

  sharedBackends(): { type: string; package: string | undefined }[] {
    const inherited = this.#parent?.sharedBackends() ?? Object.entries(BUILTIN_BACKEND_PACKAGES).map(([type, pkg]) => ({ type, package: pkg }));
    const own = [...this.#backends.keys()].filter((type) => !inherited.some((shared) => shared.type === type));
    return [...inherited, ...own.map((type) => ({ type, package: undefined }))];
  }

  packageOf(kind: string): string | undefined {
    if (this.findExpert(kind) && !this.isImported(kind)) return undefined;
    return expertPackageName(kind);
  }

  explain(outcome: { kind: string; details?: Record<string, unknown> | undefined; score?: number | null }, context: { prompt?: string } = {}): string {
    const explainContext: ExplainContext = {
      ...(context.prompt !== undefined ? { prompt: context.prompt } : {}),
      ...(outcome.score !== undefined ? { score: outcome.score } : {}),
    };
    return (this.findExpert(outcome.kind)?.explain ?? explainDetails)(outcome.details, explainContext);
  }

  extend(options: Omit<RewardRegistryOptions, 'parent'>): RewardRegistry {
    return new Registry({ ...options, parent: this });
  }

  add(plugin: { expert?: ExpertPlugin; backend?: BackendPlugin }): void {
    if (plugin.expert !== undefined) {
      assertExpertPlugin(plugin.expert, `plugin ${JSON.stringify((plugin.expert as { kind?: unknown })?.kind)}`);
      this.#experts.set(plugin.expert.kind, plugin.expert);
      this.#imported.delete(plugin.expert.kind);
    }
    if (plugin.backend !== undefined) {
      assertBackendPlugin(plugin.backend, 'not a BackendPlugin');
      this.#backends.set(plugin.backend.type, plugin.backend);
    }
  }

  remove(which: { kind?: string; type?: string }): boolean {
    let removed = false;
    if (which.kind !== undefined) {
      removed = this.#experts.delete(which.kind) || removed;
      this.#imported.delete(which.kind);
    }
    if (which.type !== undefined) removed = this.#backends.delete(which.type) || removed;
    return removed;
  }

  /** The plugin held for `kind`, leaving out the parents' imported ones when this registry imports for itself. */
  #held(kind: string, ownImport: boolean): ExpertPlugin | undefined {
    const own = this.#experts.get(kind);
    if (own) return own;
    const inherited = this.#parent?.findExpert(kind);
    return inherited && ownImport && this.#parent!.isImported(kind) ? undefined : inherited;
  }

  async resolveExpert(kind: string): Promise<ExpertPlugin> {
    // A registry with an import of its own takes packages from it, not its parents' imports (given plugins still count).
    const held = this.#held(kind, this.#ownImport !== undefined);
    if (held) return held;
    // The registry that owns the import function imports (and keeps) the package: a child with an import of its own
    // never fills its parent.
    if (this.#ownImport === undefined && this.#parent !== undefined) {
      try {
        return await this.#parent.resolveExpert(kind);
      } catch (error) {
        if (InvalidConfigError.isInstance(error) && error.data?.reason === 'unknown-kind') throw this.#unknownKind(kind);
        throw error;
      }
    }
    const packageName = expertPackageName(kind);
    if (!packageName) throw this.#unknownKind(kind);
    let module: unknown;
    try {
      module = await this.importModule(packageName);
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
    assertExpertPlugin(plugin, `${packageName}'s expertPlugin`);
    if (plugin.kind !== kind && packageName !== kind) {
      throw new RuntimeUnavailableError(`${packageName}'s expertPlugin is of kind '${plugin.kind}', expected '${kind}'`, {
        data: { kind, package: packageName },
      });
    }
    this.#experts.set(kind, plugin);
    this.#imported.add(kind);
    return plugin;
  }

  #unknownKind(kind: string): InvalidConfigError {
    const known = this.kinds();
    return new InvalidConfigError(
      `unknown expert kind '${kind}'${didYouMean(kind, known)} (known: ${known.join(', ')}; or an npm package exporting expertPlugin)`,
      { data: { path: 'kind', kind, reason: 'unknown-kind' } },
    );
  }

  async resolveBackend(type: string): Promise<BackendPlugin | undefined> {
    const held = this.#findBackend(type);
    if (held) return held;
    if (this.#ownImport === undefined && this.#parent !== undefined) return this.#parent.resolveBackend(type);
    const packageName = Object.hasOwn(BUILTIN_BACKEND_PACKAGES, type) ? BUILTIN_BACKEND_PACKAGES[type] : undefined;
    if (!packageName) return undefined;
    let module: unknown;
    try {
      module = await this.importModule(packageName);
    } catch (error) {
      throw new RuntimeUnavailableError(`backend '${type}' needs the package ${packageName} (npm install ${packageName}): ${(error as Error).message}`, {
        cause: error,
        data: { backend: type, package: packageName },
      });
    }
    const plugins = (module as { backendPlugins?: unknown } | null)?.backendPlugins;
    const plugin = Array.isArray(plugins) ? (plugins as BackendPlugin[]).find((candidate) => candidate?.type === type) : undefined;
    if (!plugin) throw new RuntimeUnavailableError(`${packageName} exports no backend plugin '${type}'`, { data: { backend: type, package: packageName } });
    this.#backends.set(type, plugin);
    return plugin;
  }

  async loadModules(specifiers: readonly string[], baseDir: string): Promise<RewardRegistry> {
    const plugins: ExpertPlugin[] = [];
    const backends: BackendPlugin[] = [];
    for (const [index, specifier] of specifiers.entries()) {
      const isPath = /^\.{1,2}[\\/]/.test(specifier) || path.isAbsolute(specifier);
      let module: Record<string, unknown> | null;
      try {
        module = (isPath ? await import(pathToFileURL(path.resolve(baseDir, specifier)).href) : await this.importModule(specifier)) as Record<
          string,
          unknown
        > | null;
      } catch (error) {
        throw new RuntimeUnavailableError(`plugins/${index}: cannot load ${specifier}: ${(error as Error).message}`, {
          cause: error,
          data: { path: `plugins/${index}`, package: specifier, reason: 'load-failed' },
        });
      }
      const experts = [module?.expertPlugin, ...(Array.isArray(module?.expertPlugins) ? module.expertPlugins : [])].filter((p) => p !== undefined);
      const shared = Array.isArray(module?.backendPlugins) ? (module.backendPlugins as unknown[]) : [];
      if (experts.length === 0 && shared.length === 0) {
        throw new InvalidConfigError(`plugins/${index}: ${specifier} exports no expertPlugin, expertPlugins or backendPlugins`, {
          data: { path: `plugins/${index}` },
        });
      }
      for (const plugin of experts) {
        assertExpertPlugin(plugin, `plugins/${index}: ${specifier}'s expert plugin`);
        plugins.push(plugin);
      }
      for (const plugin of shared) {
        assertBackendPlugin(plugin, `plugins/${index}: ${specifier}'s backend plugin`);
        backends.push(plugin);
      }
    }
    return this.extend({ plugins, backends });
  }
}

/** A registry of expert and backend plugins (see RewardRegistry); built-in kinds resolve by lazy import. */
export function createRewardRegistry(options: RewardRegistryOptions = {}): RewardRegistry {
  return new Registry(options);
}

/**
 * The registry the CLI builds with, and `createEnsembleFromConfig` when given none: built-in kinds only (imported on
 * first use). Configs extend it per build; nothing a config loads is kept here.
 */
export const defaultRewardRegistry: RewardRegistry = createRewardRegistry();
