import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export interface ModelSource {
  /** What to hand to from_pretrained: an absolute folder, or the hub id as given. */
  location: string;
  local: boolean;
}

/**
 * A local folder when one exists at `model` (relative to `baseDir`), else a hub id. Local folders become
 * absolute: transformers.js would read a relative "dir/name" as a hub id "owner/name".
 */
export function resolveModelSource(model: string, baseDir: string = process.cwd()): ModelSource {
  const candidate = isAbsolute(model) ? model : resolve(baseDir, model);
  if (existsSync(candidate) && statSync(candidate).isDirectory()) return { location: candidate, local: true };
  return { location: model, local: false };
}
