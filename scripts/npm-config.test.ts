import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('npm project configuration', () => {
  it('npm commands in the repo print no "Unknown project config" warning', async () => {
    const { stderr } = await run('npm', ['pkg', 'get', 'name'], { cwd: root });
    expect(stderr).not.toMatch(/Unknown project config/);
  });

  it("onnxruntime-node's CUDA download is kept off (allowScripts denial for npm 11)", async () => {
    const pkg = JSON.parse(await readFile(`${root}/package.json`, 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });
});

describe('dependency install scripts (npm 11 allowScripts)', () => {
  const lock = async () =>
    JSON.parse(await readFile(`${root}/package-lock.json`, 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean; dependencies?: Record<string, string> }>;
    };

  it('every package with an install script in the lockfile has an allowScripts decision, so npm 11 never warns here', async () => {
    const pkg = JSON.parse(await readFile(`${root}/package.json`, 'utf8')) as { allowScripts?: Record<string, boolean> };
    const withScripts = Object.entries((await lock()).packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([location]) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('core-js');
    for (const name of withScripts) expect(Object.keys(pkg.allowScripts ?? {}), name).toContain(name);
  });

  it('core-js comes only with @tensorflow/tfjs, whose Node entries never load it: denying its script loses nothing', async () => {
    const dependents = Object.entries((await lock()).packages)
      .filter(([, entry]) => entry.dependencies?.['core-js'] !== undefined)
      .map(([location]) => location.replace(/^.*node_modules\//, ''));
    expect(dependents).toEqual(['@tensorflow/tfjs']);
    const tfjs = `${root}/node_modules/@tensorflow/tfjs`;
    const manifest = JSON.parse(await readFile(`${tfjs}/package.json`, 'utf8')) as { main: string; module: string };
    for (const entry of [manifest.main, manifest.module]) expect(await readFile(`${tfjs}/${entry}`, 'utf8'), entry).not.toMatch(/core-js/);
    // The consumer-facing answer is written down where a consumer installs the detector.
    const readme = await readFile(`${root}/packages/reward-detector/README.md`, 'utf8');
    expect(readme).toContain('{ "allowScripts": { "core-js": false } }');
  });
});
