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
