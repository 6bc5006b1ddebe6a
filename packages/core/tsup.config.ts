import { defineConfig } from 'tsup';
import pkg from './package.json' with { type: 'json' };

export default defineConfig({
  entry: { index: 'src/index.ts', 'test/index': 'src/test/index.ts', 'pool-worker': 'src/pool/worker.ts' },
  format: ['esm'],
  dts: { compilerOptions: { composite: false, customConditions: ['t2ir-source'] } },
  clean: true,
  target: 'node20',
  sourcemap: true,
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
});
