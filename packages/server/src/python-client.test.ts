import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEnsemble } from '@t2i-reward/core';
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { describe, expect, it } from 'vitest';
import { createRewardServer } from './server.js';

const clientDir = fileURLToPath(new URL('../../../clients/python/', import.meta.url));

/** Runs `python3 -m unittest -v test_t2i_reward_client` in the client folder with `env`; its exit code and combined output. */
function runClientTests(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-m', 'unittest', '-v', 'test_t2i_reward_client'], { cwd: clientDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, output }));
  });
}

describe('Python client shims (stdlib unittest with the machine python3, against the running server)', () => {
  it('passes clients/python/test_t2i_reward_client.py', async () => {
    const imageRoot = await mkdtemp(path.join(tmpdir(), 't2ir-python-'));
    const server = createRewardServer({
      ensemble: createEnsemble({
        experts: [
          { name: 'bright', model: createMockReward({ failWhen: (sample) => sample.prompt === 'fail me' }) },
          { name: 'half', model: createMockReward({ score: (sample) => meanBrightness(sample.image) / 2 }), weight: 3 },
        ],
        aggregate: 'weighted-mean',
      }),
      imageRoot,
      token: 'py-token',
    });
    await server.listen();
    try {
      // Asynchronous spawn: the server in this process must keep answering while Python runs.
      const { code, output } = await runClientTests({
        ...process.env,
        T2IR_URL: server.url,
        T2IR_TOKEN: 'py-token',
        T2IR_IMAGE_ROOT: imageRoot,
        PYTHONDONTWRITEBYTECODE: '1',
      });
      expect(code, output).toBe(0);
      expect(output).toMatch(/Ran 1[0-9] tests/);
    } finally {
      await server.close();
      await rm(imageRoot, { recursive: true, force: true });
    }
  });

  it('without a server URL, `python3 -m unittest` skips the server tests with the reason and passes', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env.T2IR_URL;
    delete env.T2IR_IMAGE_ROOT;
    const { code, output } = await runClientTests(env);
    expect(code, output).toBe(0);
    expect(output).toMatch(/OK \(skipped=\d+\)/);
    expect(output).toContain('no server given: set T2IR_URL');
    expect(output).toMatch(/test_png_structure .* ok/);
  });

  it('with T2IR_URL but no T2IR_IMAGE_ROOT, the skip reason names the missing variable (not "no server given")', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', T2IR_URL: 'http://127.0.0.1:9' };
    delete env.T2IR_IMAGE_ROOT;
    const { code, output } = await runClientTests(env);
    expect(code, output).toBe(0);
    expect(output).toContain('T2IR_URL is set but T2IR_IMAGE_ROOT is not');
    expect(output).not.toContain('no server given');
  });
});
