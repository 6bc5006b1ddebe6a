import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fromT2IR1Row } from '@t2i-reward/core';
import { parseJsonLines } from '../jsonl.js';
import type { BadInput, BenchItem, Suite } from '../types.js';
import { DATA_DIR } from './paths.js';
import { errorMessage } from '../errors.js';

const T2I_R1_TASKS = ['spatial', 'numeracy', 'color', 'complex', 'non', 'texture', 'shape', 'object'];

/** The T2I-R1 training prompts (7,223 JSON Lines rows with nouns / spatial / numeracy metadata). */
export function t2iR1Suite(file = path.join(DATA_DIR, 't2i-r1', 'geneval_and_t2i_data_final.json')): Suite {
  return {
    name: 't2i-r1',
    description: 'T2I-R1 training prompts (7,223) with their metadata',
    defaultProtocol: 'ensemble',
    categories: T2I_R1_TASKS.map((name) => ({ name })),
    async load() {
      const items: BenchItem[] = [];
      const problems: BadInput[] = [];
      parseJsonLines<Record<string, unknown>>(await fs.readFile(file, 'utf8')).forEach((row, index) => {
        const origin = `${path.basename(file)}:${row.line}`;
        const value = row.value;
        if (row.error !== undefined || typeof value?.prompt !== 'string') {
          problems.push({ kind: 'malformed-line', message: `${origin}: ${row.error ?? 'row has no "prompt" string'}` });
          return;
        }
        try {
          items.push({
            id: `t2i-r1/${String(index).padStart(4, '0')}`,
            index,
            prompt: value.prompt,
            category: typeof value.task_type === 'string' ? value.task_type : 'unknown',
            spec: fromT2IR1Row(value as Parameters<typeof fromT2IR1Row>[0]),
            origin,
          });
        } catch (error) {
          problems.push({ kind: 'malformed-line', message: `${origin}: ${errorMessage(error)}` });
        }
      });
      return { items, problems };
    },
  };
}
