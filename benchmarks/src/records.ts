import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonLines } from './jsonl.js';
import type { BadInput, ResultRecord } from './types.js';
import type { PrecomputedSpecs } from './specs.js';
import { errorMessage } from './errors.js';

export const RESULTS_FILE = 'results.jsonl';
export const MANIFEST_FILE = 'run.json';

/** What a run folder holds besides its results: the suite, protocol and selection it was made with. */
export interface RunManifest {
  tool: 't2i-reward-bench';
  formatVersion: 1;
  /** @t2i-reward/benchmarks version that wrote the run. */
  version?: string;
  suite: string;
  protocol: { name: string; metric: 'score' | 'accuracy'; overall: 'mean-of-categories' | 'mean-of-items'; [key: string]: unknown };
  samplesPerPrompt: number;
  limit?: number;
  categories?: string[];
  /** "i/n" when this run is one shard of a suite. */
  shard?: string;
  /** Shard folders a merged run came from. */
  mergedFrom?: string[];
  source: string;
  createdAt: string;
  updatedAt: string;
  /** Units (prompt × sample) selected for this run. */
  expected: number;
  /** Suite-level bad inputs (malformed lines, unknown categories), recomputed at each run. */
  problems: BadInput[];
  /** `t2ir bench --parser openai`: where the items' specs came from, kept in specs.json beside the results. */
  specs?: PrecomputedSpecs;
}

export async function readManifest(runDir: string): Promise<RunManifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, MANIFEST_FILE), 'utf8')) as RunManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path.join(runDir, MANIFEST_FILE)} is not readable JSON: ${errorMessage(error)}`);
  }
}

export async function writeManifest(runDir: string, manifest: RunManifest): Promise<void> {
  const file = path.join(runDir, MANIFEST_FILE);
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

export interface LoadedRecords {
  /** The latest record of each key, sorted by key (so statistics never depend on completion order). */
  records: ResultRecord[];
  /** All lines, including superseded records (retried errors). */
  lines: number;
  /** Lines that were not valid JSON (a line torn by a crash). */
  tornLines: number;
}

export async function loadRecords(runDir: string): Promise<LoadedRecords> {
  const parsed = await readJsonLines<ResultRecord>(path.join(runDir, RESULTS_FILE));
  const latest = new Map<string, ResultRecord>();
  let tornLines = 0;
  for (const line of parsed) {
    if (line.value && typeof line.value.key === 'string') latest.set(line.value.key, line.value);
    else tornLines++;
  }
  const records = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { records, lines: parsed.length, tornLines };
}
