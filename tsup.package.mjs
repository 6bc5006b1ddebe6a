import { defineConfig } from 'tsup';

/**
 * The build every workspace package shares: ESM for Node 20, declarations from the sources (resolved through the
 * `t2ir-source` condition), source maps, and `__PACKAGE_VERSION__` injected for `src/version.ts`.
 * @param {{ version: string }} pkg the package.json
 * @param {string[] | Record<string, string>} entry entry files (an object names the output of each)
 */
export function packageBuild(pkg, entry) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: { compilerOptions: { composite: false, customConditions: ['t2ir-source'] } },
    clean: true,
    target: 'node20',
    sourcemap: true,
    define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
  });
}
