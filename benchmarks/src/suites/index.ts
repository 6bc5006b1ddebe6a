import { promises as fs } from 'node:fs';
import type { Suite } from '../types.js';
import { compbenchSuite } from './compbench.js';
import { examplesSuite } from './examples.js';
import { genevalFolderSuite, genevalSuite, isGenEvalLayout } from './geneval.js';
import { ocrSuite } from './ocr.js';
import { t2iR1Suite } from './t2i-r1.js';
import { userFileSuite } from './user-file.js';

export { compbenchSuite, COMPBENCH_CATEGORIES } from './compbench.js';
export { genevalSuite, genevalFolderSuite, GENEVAL_TASKS, isGenEvalLayout, listGenEvalFolders } from './geneval.js';
export { t2iR1Suite } from './t2i-r1.js';
export { ocrSuite, OCR_CATEGORIES, ocrCategory } from './ocr.js';
export { userFileSuite, inferProtocol } from './user-file.js';
export { examplesSuite } from './examples.js';
export { DATA_DIR } from './paths.js';

const NAMED_SUITES: Record<string, () => Suite> = {
  't2i-compbench': compbenchSuite,
  compbench: compbenchSuite,
  geneval: genevalSuite,
  't2i-r1': t2iR1Suite,
  examples: examplesSuite,
  ocr: ocrSuite,
};

export const SUITE_NAMES = ['t2i-compbench', 'geneval', 't2i-r1', 'examples', 'ocr'] as const;

/** A built-in suite by name, a GenEval-layout folder, or a user prompt file (.txt / .jsonl). */
export async function resolveSuite(nameOrPath: string): Promise<Suite> {
  const named = NAMED_SUITES[nameOrPath];
  if (named) return named();
  let stat;
  try {
    stat = await fs.stat(nameOrPath);
  } catch {
    throw new Error(`unknown suite '${nameOrPath}': not one of ${SUITE_NAMES.join(', ')} and not a file or folder`);
  }
  if (stat.isDirectory()) {
    if (await isGenEvalLayout(nameOrPath)) return genevalFolderSuite(nameOrPath);
    throw new Error(`suite folder '${nameOrPath}' is not in GenEval layout (<index:05d>/metadata.jsonl)`);
  }
  return userFileSuite(nameOrPath);
}
