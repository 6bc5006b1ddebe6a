import { promises as fs } from 'node:fs';
import path from 'node:path';
import { splitLines } from '../jsonl.js';
import type { BenchItem, CategoryInfo, Suite } from '../types.js';
import { DATA_DIR } from './paths.js';

/** T2I-CompBench(++) validation categories; 3d_spatial needs a depth expert we do not ship. */
export const COMPBENCH_CATEGORIES: readonly CategoryInfo[] = [
  { name: 'color' },
  { name: 'shape' },
  { name: 'texture' },
  { name: 'spatial' },
  { name: 'non_spatial' },
  { name: 'complex' },
  { name: 'numeracy' },
  { name: '3d_spatial', needs: 'a depth expert (T2I-CompBench uses Depth Anything); not shipped' },
];

export function compbenchSuite(dataDir = path.join(DATA_DIR, 't2i-compbench')): Suite {
  return {
    name: 't2i-compbench',
    description: 'T2I-CompBench(++) val prompts, 300 per category',
    defaultProtocol: 'compbench',
    categories: [...COMPBENCH_CATEGORIES],
    async load() {
      const items: BenchItem[] = [];
      for (const { name } of COMPBENCH_CATEGORIES) {
        const file = path.join(dataDir, `${name}_val.txt`);
        // The files use CRLF and lack a final newline: splitLines handles both.
        const lines = splitLines(await fs.readFile(file, 'utf8'));
        lines.forEach(({ line, text }, index) => {
          items.push({
            id: `${name}/${String(index).padStart(4, '0')}`,
            index,
            prompt: text,
            category: name,
            origin: `${path.basename(file)}:${line}`,
          });
        });
      }
      return { items, problems: [] };
    },
  };
}
