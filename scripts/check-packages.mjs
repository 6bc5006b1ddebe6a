// Packs every workspace package and checks it as a consumer would see it: publint + are-the-types-wrong.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { workspaces } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 't2ir-pack-'));
let failed = 0;
/** package name → packed tarball */
const tarballs = new Map();
for (const ws of workspaces) {
  const dir = path.join(root, ws);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  const tarball = path.join(out, packed[0].filename);
  tarballs.set(pkg.name, tarball);
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
failed += consumerTypeCheck(['@t2i-reward/core', '@t2i-reward/detector']);

/**
 * A TypeScript consumer of the packed core + detector, installed as npm would (optional peers such as
 * onnxruntime-node and transformers.js not installed), compiled under `strict` with `skipLibCheck: false`: the
 * published declarations must not need a peer the consumer does not have.
 */
function consumerTypeCheck(names) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't2ir-consumer-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  fs.writeFileSync(
    path.join(dir, 'index.ts'),
    [
      "import { createEnsemble, loadImage, type RewardModelV1, type EnsembleItemResult } from '@t2i-reward/core';",
      "import { createDetectorReward } from '@t2i-reward/detector';",
      'const detector: RewardModelV1 = createDetectorReward();',
      'const ensemble = createEnsemble({ experts: [{ name: "detector", model: detector }] });',
      'export async function score(path: string): Promise<EnsembleItemResult[]> {',
      '  return ensemble.score([{ image: await loadImage(path), prompt: "a dog" }]);',
      '}',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', types: ['node'] },
      files: ['index.ts'],
    }),
  );
  const label = `tsc strict, no skipLibCheck: ${names.join(' + ')} (packed, no optional peers)`;
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--prefer-offline',
        ...names.map((name) => tarballs.get(name)),
        `@types/node@${readVersion('@types/node')}`,
      ],
      { cwd: dir, stdio: 'pipe', encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } },
    );
    for (const peer of ['onnxruntime-node', '@huggingface/transformers']) {
      if (fs.existsSync(path.join(dir, 'node_modules', peer))) throw new Error(`${peer} was installed: the check would not test its absence`);
    }
    execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { stdio: 'pipe', encoding: 'utf8' });
    console.log(`ok   ${label}`);
    return 0;
  } catch (error) {
    console.error(`FAIL ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.stdout || error.stderr ? '' : error.message}`);
    return 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

if (failed) {
  console.error(`${failed} packed-package check(s) failed`);
  process.exit(1);
}
