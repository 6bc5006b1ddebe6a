import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pulledModelDir } from '../models/cache.js';

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
