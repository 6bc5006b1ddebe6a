import { promises as fs } from 'node:fs';
import path from 'node:path';
import { extractTarget } from '@t2i-reward/ocr';
import { splitLines } from '../jsonl.js';
import type { BadInput, BenchItem, CategoryInfo, Suite } from '../types.js';
import { DATA_DIR } from './paths.js';

/** Categories by the number of words in the quoted target: longer text is harder to render. */
export const OCR_CATEGORIES: readonly CategoryInfo[] = [{ name: 'words-1-2' }, { name: 'words-3' }, { name: 'words-4plus' }];

export function ocrCategory(target: string): string {
  const words = target.trim().split(/\s+/).filter(Boolean).length;
  return words <= 2 ? 'words-1-2' : words === 3 ? 'words-3' : 'words-4plus';
}

/**
 * Flow-GRPO's text-rendering test prompts (1,018; the target text in double quotes), scored by the OCR expert
 * (the `ocr` protocol: Flow-GRPO's reward, 1 − capped edit distance / target length).
 */
export function ocrSuite(file = path.join(DATA_DIR, 'flow-grpo-ocr', 'test.txt')): Suite {
  return {
    name: 'ocr',
    description: "Flow-GRPO's OCR test prompts (1,018 text-rendering prompts, target text in double quotes)",
    defaultProtocol: 'ocr',
    categories: [...OCR_CATEGORIES],
    async load() {
      const items: BenchItem[] = [];
      const problems: BadInput[] = [];
      splitLines(await fs.readFile(file, 'utf8')).forEach(({ line, text }, index) => {
        const origin = `${path.basename(file)}:${line}`;
        const { target } = extractTarget(text);
        if (!target) {
          problems.push({ kind: 'malformed-line', message: `${origin}: no text in double quotes; line skipped` });
          return;
        }
        items.push({ id: `ocr/${String(index).padStart(4, '0')}`, index, prompt: text, category: ocrCategory(target.text), origin });
      });
      return { items, problems };
    },
  };
}
