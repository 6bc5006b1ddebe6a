import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'tsup';

/**
 * The build every workspace package shares: ESM for Node 20, declarations from the sources (resolved through the
 * `t2ir-source` condition), source maps, and `__PACKAGE_VERSION__` injected for `src/version.ts`.
 *
 * Declarations: a package built on its own (`npm run build -w <pkg>`) has tsup type-check and emit them from its
 * sources, which compiles every workspace package it imports again. `npm run build` (scripts/build.mjs) runs
 * `tsc --build` once for all projects and sets `T2IR_DTS_FROM_TSBUILD=1`: tsup then only bundles the `.d.ts` files
 * that tsc already wrote to the project's `outDir` (`.tsbuild/<pkg>`), the same declarations without the repeated checks.
 * @param {{ version: string }} pkg the package.json
 * @param {string[] | Record<string, string>} entry entry files (an object names the output of each)
 */
export function packageBuild(pkg, entry) {
  const compilerOptions = { composite: false, customConditions: ['t2ir-source'] };
  return defineConfig({
    entry,
    format: ['esm'],
    dts: process.env.T2IR_DTS_FROM_TSBUILD === '1' ? { entry: tsbuildDeclarations(entry), compilerOptions } : { compilerOptions },
    clean: true,
    target: 'node20',
    sourcemap: true,
    define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
  });
}

/**
 * The `.d.ts` that `tsc --build` wrote for each entry, under the names tsup gives the entries (an array is named by
 * each file's path below the entries' common folder, as tsup's own `toObjectEntry` does).
 * @param {string[] | Record<string, string>} entry
 * @returns {Record<string, string>}
 */
export function tsbuildDeclarations(entry, dir = process.cwd()) {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
  const outDir = path.resolve(dir, tsconfig.compilerOptions.outDir);
  const rootDir = path.resolve(dir, tsconfig.compilerOptions.rootDir ?? '.');
  const named = Array.isArray(entry) ? nameEntries(entry) : entry;
  return Object.fromEntries(
    Object.entries(named).map(([name, file]) => {
      const declaration = path.join(outDir, path.relative(rootDir, path.resolve(dir, file))).replace(/\.ts$/, '.d.ts');
      if (!fs.existsSync(declaration)) throw new Error(`${declaration} is missing: run tsc --build tsconfig.json first (npm run build does)`);
      return [name, declaration];
    }),
  );
}

/** @param {string[]} files */
function nameEntries(files) {
  const posix = files.map((file) => file.replace(/\\/g, '/'));
  // The lowest common folder of all entries (none for a single entry: it is named by its file name).
  let common = posix.length > 1 ? path.posix.dirname(posix[0]).split('/') : [];
  for (const file of posix.slice(1)) {
    const dirs = path.posix.dirname(file).split('/');
    const same = common.findIndex((dir, i) => dirs[i] !== dir);
    if (same !== -1) common = common.slice(0, same);
  }
  return Object.fromEntries(
    posix.map((file, i) => {
      const key = posix.length > 1 ? file.split('/').slice(common.length).join('/') : path.posix.basename(file);
      return [key.replace(/\.[a-z]+$/, ''), files[i]];
    }),
  );
}
