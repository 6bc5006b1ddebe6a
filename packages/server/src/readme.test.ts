import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createEnsemble } from '@t2i-reward/core';
import { createMockReward } from '@t2i-reward/core/test';
import { describe, expect, it } from 'vitest';
import { createRewardServer } from './server.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const dog = fileURLToPath(new URL('../../core/assets/images/dog.jpg', import.meta.url));

describe('server README', () => {
  it('the "Score an image" curl snippet runs as written (a 160 KB image: no "Argument list too long")', async () => {
    const text = await readFile(readme, 'utf8');
    const snippet = /Score an image[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1];
    expect(snippet).toContain('--data-binary @request.json');
    const server = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }) });
    const { port } = await server.listen();
    const dir = await mkdtemp(path.join(tmpdir(), 't2ir-readme-'));
    try {
      await server.ready;
      await copyFile(dog, path.join(dir, 'dog.jpg'));
      // As written, only pointed at this test server's port.
      const script = snippet!.replaceAll('localhost:8000', `127.0.0.1:${port}`);
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, maxBuffer: 1 << 20 });
      const body = JSON.parse(stdout) as { results: { reward: number }[] };
      expect(body.results).toHaveLength(1);
      expect(body.results[0]!.reward).toBeGreaterThan(0);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
