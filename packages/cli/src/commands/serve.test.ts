import { spawn } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEnsemble, encodeImage } from '@t2i-reward/core';
import { createMockReward, createTestImage, meanBrightness } from '@t2i-reward/core/test';
import { createRewardServer } from '@t2i-reward/server';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../program.js';
import { runCliCaptured } from './__fixtures__/run-cli.js';

const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));

describe('t2ir serve', () => {
  it('--help lists every flag', async () => {
    const serve = (await createProgram(() => {})).commands.find((command) => command.name() === 'serve')!;
    const help = serve.helpInformation();
    for (const flag of [
      '--config',
      '--host',
      '--port',
      '--max-batch',
      '--max-wait-ms',
      '--max-queue',
      '--token',
      '--token-file',
      '--image-root',
      '--allow-url',
      '--timeout-ms',
      '--max-body-mb',
      '--max-image-pixels',
      '--max-inflight-pixels',
      '--max-inflight-mb',
      '--max-connections',
      '--max-connections-per-client',
      '--headers-timeout-ms',
      '--body-idle-timeout-ms',
      '--max-prompt-chars',
      '--health-port',
      '--image-fetch-timeout-ms',
      '--threads',
    ]) {
      expect(help).toContain(flag);
    }
  });

  it('serves a config (an expert delegated over KServe to another server), answers /v1/score, exits 0 on SIGTERM', async () => {
    // The expert runs on server A (in this process); the CLI's server delegates to it through the kserve backend.
    const upstream = createRewardServer({ ensemble: createEnsemble({ experts: [{ name: 'bright', model: createMockReward() }] }) });
    await upstream.listen();
    const dir = await mkdtemp(path.join(tmpdir(), 't2ir-serve-cli-'));
    const config = path.join(dir, 'ensemble.json');
    await writeFile(config, JSON.stringify({ experts: [{ kind: 'mock', name: 'remote', backend: { type: 'kserve', url: upstream.url, model: 'bright' } }] }));
    // The token comes from a file (not argv, where `ps` shows it); its trailing newline is dropped.
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, 'tok\n');
    const child = spawn(
      process.execPath,
      ['--conditions=t2ir-source', '--import', 'tsx', bin, 'serve', '--config', config, '--port', '0', '--token-file', tokenFile],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const listening = /listening on (http:\/\/\S+)/.exec(stderr);
          if (listening && /ready: remote/.test(stderr)) resolve(listening[1]!);
        });
        void exited.then((code) => reject(new Error(`t2ir serve exited ${code}: ${stderr}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      const image = createTestImage(8, 8, [40, 80, 120]);
      const body = JSON.stringify({ items: [{ image: (await encodeImage(image, 'png')).toString('base64'), prompt: 'x' }] });
      expect((await fetch(`${url}/v1/score`, { method: 'POST', body })).status).toBe(401);
      expect((await fetch(`${url}/v1/score`, { method: 'POST', body, headers: { authorization: 'Bearer tok' } })).status).toBe(415);
      const response = await fetch(`${url}/v1/score`, { method: 'POST', body, headers: { authorization: 'Bearer tok', 'content-type': 'application/json' } });
      expect(response.status).toBe(200);
      const json = (await response.json()) as { results: { reward: number; experts: { remote: { modelId: string } } }[] };
      expect(json.results[0]!.reward).toBeCloseTo(meanBrightness(image), 6);
      expect(json.results[0]!.experts.remote.modelId).toBe('mock/kserve/bright');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await upstream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Signals, ports and the exit that follows them are what the spawned tests here are about; usage errors are not
  // (the token test runs in-process).
  /** Runs `t2ir serve ...args` to its exit; returns the exit code and stderr. */
  function runServe(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--conditions=t2ir-source', '--import', 'tsx', bin, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise((resolve) =>
      child.once('exit', (code) => {
        clearTimeout(killer);
        resolve({ code, stderr });
      }),
    );
  }

  it('--threads: the default detector runs in a pool of that many worker threads (0: in-process), as the ready line says', async () => {
    for (const [threads, where] of [
      ['1', 'pool of 1 thread'],
      ['0', 'in-process'],
    ] as const) {
      const child = spawn(process.execPath, ['--conditions=t2ir-source', '--import', 'tsx', bin, 'serve', '--port', '0', '--threads', threads, '--no-warmup'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        let stderr = '';
        const ready = await new Promise<string>((resolve, reject) => {
          child.stderr!.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            const line = /ready: .*/.exec(stderr);
            if (line) resolve(line[0]);
          });
          void exited.then((code) => reject(new Error(`t2ir serve exited ${code}: ${stderr}`)));
        });
        expect(ready).toMatch(new RegExp(`detector \\(detector/tfjs/centernet[^;]*; ${where}\\)`));
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    }
  });

  it('a busy port: one error line, never "ready", exit 1, before any model loads', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const { code, stderr } = await runServe(['--port', String(port)]);
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toEqual([`t2ir: serve: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE)`]);
      expect(stderr).not.toMatch(/\bready\b|loading|listening/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('--token-file: unreadable, empty, or given with --token is a usage error (exit 2)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 't2ir-serve-token-'));
    try {
      const empty = path.join(dir, 'empty');
      await writeFile(empty, '\n');
      const serveInProcess = (args: string[]) => runCliCaptured('serve', ...args);
      const missing = await serveInProcess(['--port', '0', '--token-file', path.join(dir, 'nope')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('ENOENT');
      const blank = await serveInProcess(['--port', '0', '--token-file', empty]);
      expect(blank.code).toBe(2);
      expect(blank.stderr).toContain('is empty');
      const both = await serveInProcess(['--port', '0', '--token', 'a', '--token-file', empty]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain('not both');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
