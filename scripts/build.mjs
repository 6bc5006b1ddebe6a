// `npm run build`: every workspace package's dist/, with the TypeScript work done once.
//
// Each package's own `build` script (`tsup`) type-checks and emits its declarations from the sources, and through the
// `t2ir-source` condition that program compiles every workspace package the package imports as well: core was
// compiled sixteen times, the CLI's build compiled the whole repository. Here `tsc --build tsconfig.json` checks each
// project once (incrementally: nothing when nothing changed) and writes its declarations to `.tsbuild/<pkg>`; then
// each package's tsup runs with `T2IR_DTS_FROM_TSBUILD=1` (see tsup.package.mjs), which bundles those `.d.ts` files
// instead of compiling again. The JavaScript, the source maps and the bundled declarations are the same files (the
// declarations the same text, but for the order TypeScript happens to print the members of some union types in, and
// so the hashes in the names of shared declaration chunks).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { workspaces } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

const started = performance.now();
let checked = true;
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--build', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  console.log(`build: tsc --build in ${seconds(started)}`);
} catch {
  // tsc --build also checks tests and scripts, which no package publishes: fall back to each package's own
  // declaration build, which fails exactly where it failed before (an error in what the package ships).
  checked = false;
  console.error('build: tsc --build tsconfig.json reported type errors (above); each package checks its own declarations instead (slower)');
}

const tsup = path.join(path.dirname(require.resolve('tsup/package.json')), 'dist', 'cli-default.js');
const env = checked ? { ...process.env, T2IR_DTS_FROM_TSBUILD: '1' } : process.env;
for (const workspace of workspaces) {
  const dir = path.join(root, workspace);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const script = pkg.scripts?.build;
  if (!script) continue;
  const since = performance.now();
  if (script === 'tsup') {
    execFileSync(process.execPath, [tsup], { cwd: dir, env, stdio: 'inherit' });
    if (checked) renameDeclarationChunks(path.join(dir, 'dist'));
  } else {
    // A package with a build of its own: run it as npm would.
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'inherit' });
  }
  console.log(`build: ${pkg.name} in ${seconds(since)}`);
}
console.log(`build: all in ${seconds(started)}`);

/**
 * rollup names a shared declaration chunk after the module it starts from: `spec.d.ts` gives `spec.d-<hash>.d.ts`
 * where tsup's own declaration build (from `spec.ts`) gives `spec-<hash>.d.ts`. Same names as before, and the
 * imports between the bundled files follow.
 */
function renameDeclarationChunks(dist) {
  const declarations = fs.readdirSync(dist, { recursive: true }).filter((file) => file.endsWith('.d.ts'));
  const renamed = [];
  for (const file of declarations) {
    const match = /^(.+)\.d-([\w-]+)\.d\.ts$/.exec(path.basename(file));
    if (!match) continue;
    fs.renameSync(path.join(dist, file), path.join(dist, path.dirname(file), `${match[1]}-${match[2]}.d.ts`));
    renamed.push([`/${match[1]}.d-${match[2]}.js`, `/${match[1]}-${match[2]}.js`]);
  }
  if (!renamed.length) return;
  for (const file of fs.readdirSync(dist, { recursive: true }).filter((name) => name.endsWith('.d.ts'))) {
    const full = path.join(dist, file);
    const text = fs.readFileSync(full, 'utf8');
    const updated = renamed.reduce((code, [from, to]) => code.split(from).join(to), text);
    if (updated !== text) fs.writeFileSync(full, updated);
  }
}
