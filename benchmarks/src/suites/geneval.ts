import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fromGenEvalRow } from '@t2i-reward/core';
import { parseJsonLines } from '../jsonl.js';
import type { BadInput, BenchItem, CategoryInfo, GenEvalMetadata, Suite } from '../types.js';
import { DATA_DIR } from './paths.js';
import { errorMessage } from '../errors.js';

export const GENEVAL_TASKS: readonly CategoryInfo[] = [
  { name: 'single_object' },
  { name: 'two_object' },
  { name: 'counting' },
  { name: 'colors' },
  { name: 'position' },
  { name: 'color_attr' },
];

export function isGenEvalMetadata(value: unknown): value is GenEvalMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return typeof row.prompt === 'string' && typeof row.tag === 'string' && Array.isArray(row.include);
}

/** Turns one metadata row into an item, or a problem naming what is wrong with it. */
export function genEvalItem(row: unknown, index: number, origin: string): BenchItem | BadInput {
  if (!isGenEvalMetadata(row)) {
    return { kind: 'malformed-line', message: `${origin}: not a GenEval metadata row (needs "tag", "prompt", "include")` };
  }
  let spec;
  try {
    spec = fromGenEvalRow(row);
  } catch (error) {
    return { kind: 'malformed-line', message: `${origin}: ${errorMessage(error)}` };
  }
  return {
    id: `geneval/${String(index).padStart(5, '0')}`,
    index,
    prompt: row.prompt,
    category: row.tag,
    spec,
    geneval: row,
    origin,
  };
}

export function isBadInput(value: BenchItem | BadInput): value is BadInput {
  return 'kind' in value && !('id' in value);
}

/** GenEval's 553 prompts, from `evaluation_metadata.jsonl`. */
export function genevalSuite(file = path.join(DATA_DIR, 'geneval', 'evaluation_metadata.jsonl')): Suite {
  return {
    name: 'geneval',
    description: 'GenEval: 553 prompts in 6 tasks',
    defaultProtocol: 'geneval',
    categories: [...GENEVAL_TASKS],
    async load() {
      const items: BenchItem[] = [];
      const problems: BadInput[] = [];
      const rows = parseJsonLines(await fs.readFile(file, 'utf8'));
      rows.forEach((row, index) => {
        const origin = `${path.basename(file)}:${row.line}`;
        if (row.error !== undefined) {
          problems.push({ kind: 'malformed-line', message: `${origin}: malformed JSON (${row.error})` });
          return;
        }
        const item = genEvalItem(row.value, index, origin);
        if (isBadInput(item)) problems.push(item);
        else items.push(item);
      });
      return { items, problems };
    },
  };
}

/** The folders `<index:05d>/` of a GenEval-layout image folder, in index order. */
export async function listGenEvalFolders(dir: string): Promise<{ index: number; dir: string }[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && /^\d{5}$/.test(entry.name))
    .map((entry) => ({ index: Number(entry.name), dir: path.join(dir, entry.name) }))
    .sort((a, b) => a.index - b.index);
}

export async function isGenEvalLayout(dir: string): Promise<boolean> {
  try {
    const folders = await listGenEvalFolders(dir);
    const first = folders[0];
    if (!first) return false;
    await fs.access(path.join(first.dir, 'metadata.jsonl'));
    return true;
  } catch {
    return false;
  }
}

/**
 * A folder in GenEval's output layout (`<index:05d>/metadata.jsonl`, `samples/<i:04d>.png`) is a suite of its
 * own: its prompts come from each folder's metadata, its images from `samples/`.
 */
export function genevalFolderSuite(dir: string): Suite {
  return {
    name: `geneval-folder:${path.basename(path.resolve(dir))}`,
    description: `GenEval-layout folder ${dir}`,
    defaultProtocol: 'geneval',
    categories: [...GENEVAL_TASKS],
    imageDir: dir,
    async load() {
      const items: BenchItem[] = [];
      const problems: BadInput[] = [];
      for (const folder of await listGenEvalFolders(dir)) {
        const metadataFile = path.join(folder.dir, 'metadata.jsonl');
        const origin = path.relative(dir, metadataFile);
        let text: string;
        try {
          text = await fs.readFile(metadataFile, 'utf8');
        } catch {
          problems.push({ kind: 'malformed-line', message: `${origin}: missing metadata.jsonl` });
          continue;
        }
        const [row] = parseJsonLines(text);
        if (!row || row.error !== undefined) {
          problems.push({ kind: 'malformed-line', message: `${origin}: malformed JSON (${row?.error ?? 'empty file'})` });
          continue;
        }
        const item = genEvalItem(row.value, folder.index, origin);
        if (isBadInput(item)) problems.push(item);
        else items.push(item);
      }
      return { items, problems };
    },
  };
}
