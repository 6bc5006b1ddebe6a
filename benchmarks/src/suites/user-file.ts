import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fromT2IR1Row, validatePromptSpec, type PromptSpec } from '@t2i-reward/core';
import { parseJsonLines, splitLines } from '../jsonl.js';
import { errorMessage } from '../errors.js';
import type { BadInput, BenchItem, ProtocolName, Suite } from '../types.js';
import { COMPBENCH_CATEGORIES } from './compbench.js';
import { genEvalItem, isBadInput, isGenEvalMetadata } from './geneval.js';

/** One JSONL row of a user file: a string, a GenEval row, a PromptSpec, a T2I-R1 row, or {prompt, category?, image?}. */
function userItem(value: unknown, index: number, origin: string, baseDir: string): BenchItem | BadInput {
  const id = `user/${String(index).padStart(5, '0')}`;
  if (typeof value === 'string') {
    return value.trim() ? { id, index, prompt: value.trim(), category: 'user', origin } : { kind: 'malformed-line', message: `${origin}: empty prompt` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'malformed-line', message: `${origin}: expected a JSON object or string` };
  }
  const row = value as Record<string, unknown>;
  if (isGenEvalMetadata(row)) {
    const item = genEvalItem(row, index, origin);
    return isBadInput(item) ? item : { ...item, id };
  }
  let spec: PromptSpec | undefined;
  try {
    if ('objects' in row || 'relations' in row) {
      spec = validatePromptSpec(row.spec ?? row);
    } else if (typeof row.spec === 'object' && row.spec !== null) {
      spec = validatePromptSpec(row.spec);
    } else if (Array.isArray(row.nouns) || typeof row.task_type === 'string') {
      spec = fromT2IR1Row(row as Parameters<typeof fromT2IR1Row>[0]);
    }
  } catch (error) {
    return { kind: 'malformed-line', message: `${origin}: invalid PromptSpec (${errorMessage(error)})` };
  }
  const prompt = typeof row.prompt === 'string' ? row.prompt : spec?.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    return { kind: 'malformed-line', message: `${origin}: row has no "prompt" string` };
  }
  const category = typeof row.category === 'string' ? row.category : typeof row.task_type === 'string' ? row.task_type : (spec?.category ?? 'user');
  const item: BenchItem = { id, index, prompt: prompt.trim(), category, origin };
  if (spec) item.spec = spec;
  if (typeof row.image === 'string') item.image = path.resolve(baseDir, row.image);
  return item;
}

/**
 * A user's prompt file: a plain list (one prompt per line, .txt) or JSON Lines whose rows are prompt strings,
 * `{prompt, category?, image?}`, PromptSpecs, T2I-R1 rows or GenEval metadata rows (mixing is allowed).
 */
export function userFileSuite(file: string): Suite {
  const suite: Suite = {
    name: `file:${path.basename(file)}`,
    description: `prompts from ${file}`,
    defaultProtocol: 'ensemble',
    categories: [],
    async load() {
      const text = await fs.readFile(file, 'utf8');
      const items: BenchItem[] = [];
      const problems: BadInput[] = [];
      const baseDir = path.dirname(path.resolve(file));
      const isJsonl = /\.(jsonl|ndjson|json)$/i.test(file);
      if (!isJsonl) {
        splitLines(text).forEach(({ line, text: prompt }, index) => {
          items.push({ id: `user/${String(index).padStart(5, '0')}`, index, prompt, category: 'user', origin: `${path.basename(file)}:${line}` });
        });
      } else {
        parseJsonLines(text).forEach((row, index) => {
          const origin = `${path.basename(file)}:${row.line}`;
          if (row.error !== undefined) {
            problems.push({ kind: 'malformed-line', message: `${origin}: malformed JSON (${row.error}); line skipped` });
            return;
          }
          const item = userItem(row.value, index, origin, baseDir);
          if (isBadInput(item)) problems.push(item);
          else items.push(item);
        });
      }
      // The natural protocol follows the data: GenEval rows → geneval, CompBench categories → compbench.
      suite.defaultProtocol = inferProtocol(items);
      return { items, problems };
    },
  };
  return suite;
}

export function inferProtocol(items: readonly BenchItem[]): ProtocolName {
  if (items.length > 0 && items.every((item) => item.geneval)) return 'geneval';
  const compbench = new Set(COMPBENCH_CATEGORIES.map((c) => c.name));
  if (items.length > 0 && items.every((item) => compbench.has(item.category))) return 'compbench';
  return 'ensemble';
}
