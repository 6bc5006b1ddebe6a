import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['t2ir-source'] },
  ssr: { resolve: { conditions: ['t2ir-source'], externalConditions: ['t2ir-source'] } },
  test: {
    // onnxruntime-node and TF.js wasm do not mix with worker threads.
    pool: 'forks',
    include: [
      'scripts/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      'benchmarks/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'benchmarks/test/**/*.test.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
