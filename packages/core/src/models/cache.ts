import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The file a finished pull writes last into the model's folder: what was pulled, from where, with which digests. */
export const PULL_MANIFEST_FILE = 't2ir-pull.json';

export interface PullManifest {
  name: string;
  repo: string;
  revision: string;
  endpoint: string;
  pulledAt: string;
  files: { path: string; size: number; sha256: string }[];
  /** What the model yields (copied from the catalog entry). */
  expert: { kind: string; variant?: string; backend?: string; options?: Record<string, unknown> };
}

/**
 * The cache root: `$T2IR_CACHE`, else `$XDG_CACHE_HOME/t2i-reward`, else `~/.cache/t2i-reward`. Read at each call, so
 * a change of the variable takes effect without a restart.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['T2IR_CACHE']) return path.resolve(env['T2IR_CACHE']);
  if (env['XDG_CACHE_HOME']) return path.join(path.resolve(env['XDG_CACHE_HOME']), 't2i-reward');
  return path.join(os.homedir(), '.cache', 't2i-reward');
}

/** Where pulled models live: `<cache root>/models/<name>/`, files at their repository paths (the Hugging Face layout). */
export function modelsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), 'models');
}

/** A catalog name: one path segment of letters, digits, `.`, `_`, `-` (hub ids have a `/`, paths a separator). */
export const CATALOG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The manifest of a finished pull of `name` in `cacheDir`, or undefined (never pulled, or pulled only in part). */
export function readPullManifest(name: string, cacheDir: string = modelsCacheDir()): PullManifest | undefined {
  if (!CATALOG_NAME_PATTERN.test(name) || name.includes('..')) return undefined;
  const file = path.join(cacheDir, name, PULL_MANIFEST_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PullManifest;
  } catch {
    return undefined;
  }
}

/** The folder of a finished pull of `name`, or undefined. Synchronous: `resolveModelLocation` calls it. */
export function pulledModelDir(name: string, cacheDir: string = modelsCacheDir()): string | undefined {
  return readPullManifest(name, cacheDir) ? path.join(cacheDir, name) : undefined;
}
