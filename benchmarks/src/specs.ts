import { promises as fs } from 'node:fs';
import path from 'node:path';
import { validatePromptSpec, type PromptSpec, type SpecSource } from '@t2i-reward/core';
import { writeFileAtomic } from './generators/layout.js';
import type { BenchItem } from './types.js';

/** The specs a run was scored with, next to its results: a re-run (or a resume) reads them instead of asking again. */
export const SPECS_FILE = 'specs.json';

export interface SpecsFile {
  /** The spec source that made them (`openai:<model>@<url>`). */
  source: string;
  /** By item id. */
  specs: Record<string, PromptSpec>;
}

/** What the manifest records about the run's specs. */
export interface PrecomputedSpecs {
  source: string;
  file: string;
  items: number;
  /** Answered by the model now, read from the spec cache, from the rule parser (a failure), or from specs.json. */
  llm: number;
  cache: number;
  rule: number;
  reused: number;
}

async function readSpecsFile(file: string): Promise<SpecsFile | undefined> {
  try {
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as SpecsFile;
    const specs: Record<string, PromptSpec> = {};
    for (const [id, spec] of Object.entries(json.specs ?? {})) specs[id] = validatePromptSpec(spec);
    return { source: String(json.source), specs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file} is not a readable specs file: ${(error as Error).message}`);
  }
}

/**
 * Gives every item without a spec the spec `source` answers (an LLM spec parser), once per item, before any image is
 * scored, and writes them all to `<runDir>/specs.json`: the run is then reproducible (a resume or a re-run into the
 * same folder reads that file and asks nothing). Fallbacks to the rule parser are logged in one line.
 */
export async function precomputeSpecs(
  runDir: string,
  items: readonly BenchItem[],
  source: SpecSource,
  options: { log?: (line: string) => void; signal?: AbortSignal; concurrency?: number } = {},
): Promise<PrecomputedSpecs> {
  const file = path.join(runDir, SPECS_FILE);
  const stored = (await readSpecsFile(file)) ?? { source: source.id, specs: {} };
  const counts = { llm: 0, cache: 0, rule: 0, reused: 0 };
  const failures: string[] = [];
  const unique = [...new Map(items.filter((item) => !item.spec).map((item) => [item.id, item])).values()];
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const item = unique[next++]!;
      const kept = stored.specs[item.id];
      if (kept && kept.prompt === item.prompt) {
        counts.reused++;
        continue;
      }
      const answer = await source.resolve(item.prompt, { category: item.category, ...(options.signal ? { signal: options.signal } : {}) });
      counts[answer.from]++;
      if (answer.from === 'rule' && answer.warnings[0]) failures.push(answer.warnings[0]);
      stored.specs[item.id] = answer.spec;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  for (const item of items) if (!item.spec && stored.specs[item.id]) item.spec = stored.specs[item.id];
  await writeFileAtomic(file, `${JSON.stringify(stored, null, 1)}\n`);
  if (failures.length > 0) options.log?.(`! ${failures.length} prompt(s) got the rule parser's spec instead of ${source.id}'s: ${failures[0]}`);
  return { source: stored.source, file: SPECS_FILE, items: unique.length, ...counts };
}
