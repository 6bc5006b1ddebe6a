import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Same relative location from src/suites (source runs) and dist/ (built package: one level up is the package).
const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.basename(here) === 'suites' ? path.resolve(here, '..', '..') : path.resolve(here, '..');

/** benchmarks/data: the prompt files shipped with the package. */
export const DATA_DIR = path.join(packageRoot, 'data');
