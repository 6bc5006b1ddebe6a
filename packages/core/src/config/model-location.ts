import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pulledModelDir } from '../models/cache.js';
import { ModelLoadError } from '../errors.js';

export interface ModelLocation {
  /** An absolute path for a model on disk (or an explicitly relative one), else the name as given. */
  location: string;
  /** True when `location` is an existing folder (a local model in the Hugging Face layout). */
  local: boolean;
}

/**
 * The one rule for where a model lives, applied once when a config is read (relative to its folder) and by
 * factories called from code (relative to the working directory): a path that exists, or an explicitly
 * relative one (`./x`, `../x`), is made absolute (transformers.js would read a relative "dir/name" as a hub id);
 * a catalog name pulled with `t2ir models pull <name>` (`pullModel`) is its folder in the model cache
 * (`$T2IR_CACHE/models/<name>`); anything else is a name — a hub id, a served model, a built-in model such as
 * `centernet` — and stays as given.
 */
export function resolveModelLocation(model: string, baseDir: string = process.cwd()): ModelLocation {
  const candidate = path.isAbsolute(model) ? model : path.resolve(baseDir, model);
  const exists = existsSync(candidate);
  if (!exists && !path.isAbsolute(model) && !/^\.{1,2}[\\/]/.test(model)) {
    const pulled = pulledModelDir(model);
    return pulled ? { location: pulled, local: true } : { location: model, local: false };
  }
  return { location: candidate, local: exists && statSync(candidate).isDirectory() };
}

/** True for a model given as a path (absolute, or explicitly relative `./x`, `../x`), not a name. */
export function isModelPath(model: string): boolean {
  return path.isAbsolute(model) || /^\.{1,2}[\\/]/.test(model);
}

/**
 * Checks a local model before any runtime loads it, so a wrong location fails in one line naming what is missing
 * instead of deep inside the runtime ("Cannot read properties of undefined (reading 'tokenizer_class')"): the
 * folder exists, is a folder, and holds every required file (an entry that is a list needs one of its
 * alternatives). `what` names the model for the message ("VQA GIT ONNX export").
 */
export function checkModelFolder(folder: string, what: string, files: readonly (string | readonly string[])[] = []): void {
  if (!existsSync(folder)) throw new ModelLoadError(`${what}: model folder ${folder} does not exist`, { data: { model: folder, missing: [folder] } });
  if (!statSync(folder).isDirectory()) throw new ModelLoadError(`${what}: ${folder} is a file, not a model folder`, { data: { model: folder } });
  const missing = files
    .map((entry) => (typeof entry === 'string' ? [entry] : entry))
    .filter((alternatives) => !alternatives.some((file) => existsSync(path.join(folder, file))))
    .map((alternatives) => alternatives.join(' or '));
  if (missing.length > 0) throw new ModelLoadError(`${what}: ${folder} lacks ${missing.join(', ')}`, { data: { model: folder, missing } });
}

/**
 * {@link checkModelFolder} for a backend whose `model` may be a folder or a name (a hub id, a served model): a
 * name is left to the runtime; a path — or a name that resolves to an existing folder — is checked. Returns the
 * resolved location.
 */
export function checkModelLocation(model: string, what: string, files: readonly (string | readonly string[])[] = [], baseDir?: string): ModelLocation {
  const resolved = resolveModelLocation(model, baseDir);
  // resolveModelLocation makes a path, or a name that is an existing folder, absolute; a name stays as given.
  if (path.isAbsolute(resolved.location)) checkModelFolder(resolved.location, what, files);
  return resolved;
}
