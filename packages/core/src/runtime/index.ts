import { createRequire } from 'node:module';
import path from 'node:path';
import { RuntimeUnavailableError, T2IRewardError } from '../errors.js';
import type { RgbImage } from '../spec.js';

/**
 * Lazy loaders for the heavy optional runtimes. Each is imported on first use (so `@t2i-reward/core` itself
 * stays light), memoised, and can be replaced with `injectRuntime` (tests, custom builds, a GPU build of ORT).
 */
export type RuntimeName = 'onnxruntime-node' | '@huggingface/transformers' | '@tensorflow/tfjs' | '@tensorflow/tfjs-backend-wasm' | '@tensorflow/tfjs-node-gpu';

/**
 * The runtimes' own module types, by package name. Empty here, so core's published types import no optional
 * peer (a consumer of core without onnxruntime-node or transformers.js compiles under `strict` without
 * `skipLibCheck`); `@t2i-reward/core/runtime-types` fills it in for packages that have the runtimes installed
 * (add it to `compilerOptions.types`), and then every module type below is the runtime's real one.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface RuntimeModuleTypes {}
/** The runtime's module type where `runtime-types` is loaded, else `any` (what a dynamic import would give). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the fallback without the peer's types
type RuntimeModuleType<Name extends string> = RuntimeModuleTypes extends Record<Name, infer Module> ? Module : any;

export type OnnxRuntimeModule = RuntimeModuleType<'onnxruntime-node'>;
export type TransformersModule = RuntimeModuleType<'@huggingface/transformers'>;
export type TfjsModule = RuntimeModuleType<'@tensorflow/tfjs'>;
type TfjsWasmModule = RuntimeModuleType<'@tensorflow/tfjs-backend-wasm'>;

const injected = new Map<RuntimeName, unknown>();
const memo = new Map<string, Promise<unknown>>();

/**
 * Makes `load*` return `module` for `name` instead of importing it; `null` makes it behave as not installed
 * (to test fallbacks), `undefined` removes the injection. Clears memoised loads.
 */
export function injectRuntime(name: RuntimeName, module: unknown): void {
  if (module === undefined) injected.delete(name);
  else injected.set(name, module);
  memo.clear();
}

/** Forgets injections and memoised loads (tests). */
export function resetRuntimes(): void {
  injected.clear();
  memo.clear();
}

const INSTALL_HINTS: Record<RuntimeName, string> = {
  'onnxruntime-node': 'npm install onnxruntime-node (ONNXRUNTIME_NODE_INSTALL=skip avoids the CUDA download)',
  '@huggingface/transformers': 'npm install @huggingface/transformers',
  '@tensorflow/tfjs': 'npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-wasm': 'npm install @tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node-gpu': 'npm install @tensorflow/tfjs-node-gpu (needs CUDA and network access at install)',
};

/** The module's namespace, preferring a CommonJS `default` when the named exports are missing. */
function unwrap<T>(module: unknown, probe: string): T {
  const namespace = module as Record<string, unknown>;
  if (namespace[probe] === undefined && typeof namespace.default === 'object' && namespace.default !== null) {
    return namespace.default as T;
  }
  return module as T;
}

async function importRuntime<T>(name: RuntimeName, load: () => Promise<unknown>, probe: string): Promise<T> {
  if (injected.has(name)) {
    const module = injected.get(name);
    if (module === null) throw new RuntimeUnavailableError(`${name} is not available (injected as missing)`, { data: { runtime: name } });
    return unwrap<T>(module, probe);
  }
  try {
    return unwrap<T>(await load(), probe);
  } catch (error) {
    throw new RuntimeUnavailableError(`${name} cannot be loaded: ${(error as Error).message}. Install it: ${INSTALL_HINTS[name]}`, {
      cause: error,
      data: { runtime: name },
    });
  }
}

function memoise<T>(key: string, load: () => Promise<T>): Promise<T> {
  let promise = memo.get(key) as Promise<T> | undefined;
  if (!promise) {
    promise = load();
    memo.set(key, promise);
    // A failed load is retried next time (e.g. after the user installs the package).
    promise.catch(() => {
      if (memo.get(key) === promise) memo.delete(key);
    });
  }
  return promise;
}

/** onnxruntime-node (CPU; CUDA when the user installed the GPU binaries). */
export function loadOnnxRuntime(): Promise<OnnxRuntimeModule> {
  return memoise('onnxruntime-node', () => importRuntime<OnnxRuntimeModule>('onnxruntime-node', () => import('onnxruntime-node'), 'InferenceSession'));
}

export interface TransformersLoadOptions {
  /** Let transformers.js download from the Hugging Face hub (default false: local folders only, offline). */
  allowRemoteModels?: boolean;
  /** Root folder for model ids given as names (transformers.js `env.localModelPath`). */
  localModelPath?: string;
  /** Download cache (transformers.js `env.cacheDir`). */
  cacheDir?: string;
}

const configuredEnvs = new WeakSet<object>();

/**
 * @huggingface/transformers, offline by default. Its `env` is process-wide: the first load sets it offline, and only
 * an explicit `allowRemoteModels: true` turns downloads on (it stays on). Resetting it on every call let the expert
 * created last decide for all others; instead each of our experts passes `local_files_only` per call
 * (`pretrainedLoadOptions`), so an offline one stays offline whatever another asked for.
 */
export async function loadTransformers(options: TransformersLoadOptions = {}): Promise<TransformersModule> {
  const transformers = await memoise('@huggingface/transformers', () =>
    importRuntime<TransformersModule>('@huggingface/transformers', () => import('@huggingface/transformers'), 'env'),
  );
  const env = transformers.env as { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string; cacheDir: string | null };
  if (!configuredEnvs.has(env)) {
    configuredEnvs.add(env);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
  }
  if (options.allowRemoteModels === true) env.allowRemoteModels = true;
  if (options.localModelPath !== undefined) env.localModelPath = options.localModelPath;
  if (options.cacheDir !== undefined) env.cacheDir = options.cacheDir;
  return transformers;
}

/**
 * An expert's own `from_pretrained` options: local files only unless it opted in to downloads (or the model is a
 * local folder), and its cache folder. Per call, so experts with different settings do not overrule each other.
 */
export function pretrainedLoadOptions(
  options: { allowRemoteModels?: boolean; cacheDir?: string },
  local = false,
): { local_files_only: boolean; cache_dir?: string } {
  return { local_files_only: local || options.allowRemoteModels !== true, ...(options.cacheDir !== undefined ? { cache_dir: options.cacheDir } : {}) };
}

/** A transformers.js `RawImage` (RGB) over an RgbImage's pixels, sharing them rather than copying. */
export function toRawImage<R>(RawImage: new (data: Uint8ClampedArray, width: number, height: number, channels: 3) => R, image: RgbImage): R {
  return new RawImage(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength), image.width, image.height, 3);
}

/** TF.js backends a config can name ('auto': tfjs-node-gpu when installed, else wasm, else cpu). */
export const TFJS_BACKEND_CHOICES = ['auto', 'tfjs-node-gpu', 'wasm', 'cpu'] as const;
export type TfjsBackendChoice = (typeof TFJS_BACKEND_CHOICES)[number];

export interface TfjsLoadOptions {
  /** 'auto' (default): tfjs-node-gpu when installed, else wasm, else cpu. */
  backend?: TfjsBackendChoice;
  /** Folder holding the tfjs-backend-wasm `.wasm` files (default: the installed package's dist folder). */
  wasmPaths?: string;
}

export interface LoadedTfjs {
  tf: TfjsModule;
  /** The backend actually in use: 'tensorflow' (tfjs-node-gpu), 'wasm' or 'cpu'. */
  backend: string;
}

const requireFromHere = createRequire(import.meta.url);

function defaultWasmPaths(): string {
  // The package's main entry lives in dist/, next to the .wasm files; loading them from disk keeps it offline.
  return path.dirname(requireFromHere.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

// A variable specifier keeps TypeScript and bundlers from resolving this optional peer at build time.
const TFJS_NODE_GPU: string = '@tensorflow/tfjs-node-gpu';

async function loadTfjsNodeGpu(): Promise<LoadedTfjs> {
  const tf = await importRuntime<TfjsModule>('@tensorflow/tfjs-node-gpu', () => import(TFJS_NODE_GPU), 'tensor');
  await tf.ready();
  return { tf, backend: tf.getBackend() };
}

async function loadTfjsWasm(wasmPaths: string | undefined): Promise<LoadedTfjs> {
  const tf = await importRuntime<TfjsModule>('@tensorflow/tfjs', () => import('@tensorflow/tfjs'), 'tensor');
  const wasm = await importRuntime<TfjsWasmModule>('@tensorflow/tfjs-backend-wasm', () => import('@tensorflow/tfjs-backend-wasm'), 'setWasmPaths');
  if (tf.findBackend('wasm') === null || tf.getBackend() !== 'wasm') {
    try {
      wasm.setWasmPaths(wasmPaths ?? defaultWasmPaths());
    } catch {
      // setWasmPaths throws once the backend was initialised; the paths set then still hold.
    }
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } catch (error) {
    throw new RuntimeUnavailableError(`the TF.js wasm backend failed to start: ${(error as Error).message}`, { cause: error, data: { runtime: 'wasm' } });
  }
  if (!ok) throw new RuntimeUnavailableError('the TF.js wasm backend failed to start', { data: { runtime: 'wasm' } });
  return { tf, backend: tf.getBackend() };
}

async function loadTfjsCpu(): Promise<LoadedTfjs> {
  const tf = await importRuntime<TfjsModule>('@tensorflow/tfjs', () => import('@tensorflow/tfjs'), 'tensor');
  await tf.setBackend('cpu');
  return { tf, backend: tf.getBackend() };
}

/**
 * TF.js with a backend: tfjs-node-gpu when installed (optional peer), else @tensorflow/tfjs with the wasm
 * backend (works offline: the .wasm files are read from the package on disk), else the pure-JS cpu backend.
 * TF.js keeps one global backend: the last loadTfjs call decides it for the process.
 */
export function loadTfjs(options: TfjsLoadOptions = {}): Promise<LoadedTfjs> {
  const choice = options.backend ?? 'auto';
  return memoise(`tfjs:${choice}:${options.wasmPaths ?? ''}`, async () => {
    switch (choice) {
      case 'tfjs-node-gpu':
        return loadTfjsNodeGpu();
      case 'wasm':
        return loadTfjsWasm(options.wasmPaths);
      case 'cpu':
        return loadTfjsCpu();
      case 'auto': {
        try {
          return await loadTfjsNodeGpu();
        } catch (error) {
          if (!RuntimeUnavailableError.isInstance(error)) throw error;
        }
        try {
          return await loadTfjsWasm(options.wasmPaths);
        } catch (error) {
          // Only '@tensorflow/tfjs' itself missing is fatal; a missing or broken wasm backend falls back to cpu.
          if (T2IRewardError.isInstance(error) && error.data?.runtime === '@tensorflow/tfjs') throw error;
        }
        return loadTfjsCpu();
      }
      default:
        throw new RuntimeUnavailableError(`unknown TF.js backend '${String(choice)}' (auto, tfjs-node-gpu, wasm, cpu)`);
    }
  });
}
