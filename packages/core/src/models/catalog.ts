import { CATALOG_NAME_PATTERN } from './cache.js';

/** One file of a catalog entry, at its path in the hub repository (and in the pulled folder). */
export interface CatalogFile {
  path: string;
  /** Bytes, as the hub lists them. Checked after the download when given. */
  size?: number;
  /** SHA-256 hex: the Git LFS object id the hub publishes for LFS files. Checked after the download when given. */
  sha256?: string;
}

/** What a pulled model yields: the expert entry `t2ir score --model <name>` builds. */
export interface CatalogExpert {
  kind: string;
  variant?: string;
  backend?: string;
  /** More expert options (besides `variant`). */
  options?: Record<string, unknown>;
}

/** How to get an ONNX folder when the hub publishes none: our export script and what it needs. */
export interface CatalogExport {
  /** The script, relative to the repository root (packages/...). */
  script: string;
  /** pip requirements, printed for the user (never installed for them). */
  requirements: string[];
  /** The exact command, with `{out}` for the output folder. */
  command: string;
  /** The hub repository the script downloads from. */
  source?: string;
  notes?: string;
}

/**
 * One model of the catalog. `files` are downloaded from `{endpoint}/{repo}/resolve/{revision}/{path}`.
 * `confirmedFrom` cites where the repository, revision and files were seen (hub pages, code that pins them); an entry
 * that could not be confirmed says `unconfirmed: true` with the reason, and `pullModel` refuses it unless asked.
 */
export interface ModelCatalogEntry {
  /** The catalog name (`t2ir models pull <name>`, `t2ir score --model <name>`, `backend.model` in configs). */
  name: string;
  description: string;
  /** Hub repository, `owner/name`. */
  repo: string;
  /** Pinned revision: a 40-hex commit sha (a branch name only in unconfirmed entries). */
  revision: string;
  /** Files to pull; empty when there is nothing to pull (see `export` / `serve`). */
  files: CatalogFile[];
  expert: CatalogExpert;
  /** Licence of the weights, as the model card states it. */
  license: string;
  /** Citations: the pages / files where the repository, revision and files were confirmed. */
  confirmedFrom: string[];
  unconfirmed?: true;
  /** Why the entry is unconfirmed, or what is known to be missing. */
  unconfirmedReason?: string;
  /** The hub serves the files only to signed-in users who accepted the terms (HF_TOKEN needed). */
  gated?: boolean;
  /** No ONNX export is published: how to make one with our scripts. */
  export?: CatalogExport;
  /** Models run behind a server rather than pulled (e.g. a 7B VLM on vLLM): the command and config to use. */
  serve?: string;
}

/** Hub-published ONNX models first, then entries whose ONNX folder is made by our export scripts. */
const BUILTIN_CATALOG: ModelCatalogEntry[] = [
  // CATALOG ENTRIES (keep one entry per block; helpers add theirs below their kind's comment)
];

const registered = new Map<string, ModelCatalogEntry>();

/** Adds an entry (tests, plugins): it shadows a built-in entry of the same name. Returns a function that removes it. */
export function registerCatalogEntry(entry: ModelCatalogEntry): () => void {
  if (!CATALOG_NAME_PATTERN.test(entry.name)) throw new TypeError(`catalog name '${entry.name}' must match ${CATALOG_NAME_PATTERN}`);
  registered.set(entry.name, entry);
  return () => {
    if (registered.get(entry.name) === entry) registered.delete(entry.name);
  };
}

/** The catalog: built-in entries and registered ones (a registered entry replaces the built-in of its name). */
export function listCatalog(): ModelCatalogEntry[] {
  const byName = new Map(BUILTIN_CATALOG.map((entry) => [entry.name, entry]));
  for (const [name, entry] of registered) byName.set(name, entry);
  return [...byName.values()];
}

export function findCatalogEntry(name: string): ModelCatalogEntry | undefined {
  return registered.get(name) ?? BUILTIN_CATALOG.find((entry) => entry.name === name);
}

/** How one gets an entry's model: pull it, export it with our script, or serve it. */
export function catalogAvailability(entry: ModelCatalogEntry): 'pullable' | 'export' | 'serve' {
  if (entry.files.length > 0) return 'pullable';
  return entry.export ? 'export' : 'serve';
}

/** The built-in entries, for the catalog's own checks. */
export const MODEL_CATALOG: readonly ModelCatalogEntry[] = BUILTIN_CATALOG;
