import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:quick`: the suite without the test files whose subject is a spawned process (the built CLI run as a
 * user runs it, a bench killed and resumed, servers and replicas in processes of their own, signals, the Python client, npm
 * itself, walkthroughs installed outside the repository) or a browser. Everything they check in-process is still in
 * the other files; `npm test` (CI) runs all of them.
 */
export const SPAWNING_TEST_FILES = [
  'benchmarks/src/kill-resume.test.ts',
  'benchmarks/src/lock.test.ts',
  'benchmarks/src/report/html.test.ts',
  'packages/cli/src/commands/new-user.test.ts',
  'packages/cli/src/commands/score-ocr.test.ts',
  'packages/cli/src/commands/serve.test.ts',
  'packages/cli/src/commands/walkthrough.test.ts',
  'packages/server/src/python-client.test.ts',
  'packages/server/src/readme.test.ts',
  'packages/server/src/replicas.test.ts',
  'packages/server/src/shutdown.test.ts',
  'scripts/npm-config.test.ts',
  'scripts/readme-commands.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, ...SPAWNING_TEST_FILES] } }));
