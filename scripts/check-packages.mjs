// Packs every workspace package and checks it as a consumer would see it: publint + are-the-types-wrong.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { workspaces } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 't2ir-pack-'));
let failed = 0;
for (const ws of workspaces) {
  const dir = path.join(root, ws);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  const tarball = path.join(out, packed[0].filename);
  for (const [cmd, args] of [
    ['publint', [tarball, '--strict']],
    // ESM-only packages: node10 / CJS resolution modes are out of scope by design.
    ['attw', [tarball, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(path.join(root, 'node_modules', '.bin', cmd), args, { stdio: 'pipe', encoding: 'utf8' });
      console.log(`ok   ${cmd.padEnd(8)} ${pkg.name}`);
    } catch (error) {
      failed++;
      console.error(`FAIL ${cmd.padEnd(8)} ${pkg.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}
if (failed) {
  console.error(`${failed} packed-package check(s) failed`);
  process.exit(1);
}
