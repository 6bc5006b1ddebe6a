import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureWrites } from '@t2i-reward/core/test';
import { runCli } from '../program.js';
import { demoTrainArgv } from './__fixtures__/train-demo.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 't2ir-cli-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('t2ir train', () => {
  it('--help documents --demo and --config', async () => {
    const stdout = captureWrites(process.stdout);
    expect(await runCli(['train', '--help'])).toBe(0);
    expect(stdout.text).toMatch(/--demo/);
    expect(stdout.text).toMatch(/--config <file>/);
    expect(stdout.text).toMatch(/--threads <n>/);
    expect(stdout.text).toMatch(/--sample-ahead/);
  });

  it('needs exactly one of --demo and --config', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runCli(['train'])).toBe(2);
    expect(await runCli(['train', '--demo', '--config', 'x.json'])).toBe(2);
    expect(await runCli(['train', '--demo', '--steps', '0'])).toBe(2);
  });

  it('checks --copy-penalty (0..1, demo only) and --early-stopping', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runCli(['train', '--demo', '--copy-penalty', '1.5'])).toBe(2);
    expect(await runCli(['train', '--config', 'x.json', '--copy-penalty', '0.5'])).toBe(2);
    expect(await runCli(['train', '--demo', '--early-stopping', '0'])).toBe(2);
  });

  it('prints the diagnostics and stops early on a stalled held-out reward', async () => {
    const stdout = captureWrites(process.stdout);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = path.join(dir, 'early');
    expect(await runCli(demoTrainArgv(2, out, '--early-stopping', '1', '--no-progress'))).toBe(0);
    expect(stdout.text).toMatch(/extra-copy share of training samples \d\.\d{3} → \d\.\d{3}/);
    expect(stdout.text).toMatch(/early stopping: best held-out \d\.\d{3} at step \d/);
  });

  it('runs the demo with the scene reward and resumes it', async () => {
    const out = path.join(dir, 'demo');
    const stdout = captureWrites(process.stdout);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runCli(demoTrainArgv(2, out, '--json', '--no-progress'))).toBe(0);
    const first = JSON.parse(stdout.text) as { steps: number; htmlPath: string };
    expect(first.steps).toBe(2);
    expect(await readFile(first.htmlPath, 'utf8')).toMatch(/<svg/);
    expect(await runCli(demoTrainArgv(3, out, '--resume', '--no-progress'))).toBe(0);
    const lines = (await readFile(path.join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { split: string; step: number }).step).filter((_, i) => JSON.parse(lines[i]!).split === 'train')).toEqual([
      1, 2, 3,
    ]);
  });

  it('--sample-ahead samples the next batch before each update: same first step, then one step off-policy', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const train = async (name: string, ...extra: string[]) => {
      expect(await runCli(demoTrainArgv(3, path.join(dir, name), '--no-progress', ...extra))).toBe(0);
      return (await readFile(path.join(dir, name, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { split: string; prompts?: string[]; reward: { mean: number }; loss?: number })
        .filter((record) => record.split === 'train');
    };
    const onPolicy = await train('on-policy');
    const ahead = await train('ahead', '--sample-ahead');
    expect(ahead).toHaveLength(3);
    // The same batches are drawn in the same order; the first is trained on identically.
    expect(ahead.map((r) => r.prompts)).toEqual(onPolicy.map((r) => r.prompts));
    expect(ahead[0]!.loss).toBe(onPolicy[0]!.loss);
    // Batch 2 was sampled before update 1 (with other weights), so it and its loss differ.
    expect(ahead[1]!.loss).not.toBe(onPolicy[1]!.loss);
  });

  it('reports a missing config file with exit status 1', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    await writeFile(path.join(dir, 'bad.json'), '{"policy": "./missing.js", "prompts": ["a dog"], "runtime": "cpu"}');
    expect(await runCli(['train', '--config', path.join(dir, 'bad.json'), '--out', path.join(dir, 'bad'), '--no-progress'])).toBe(1);
    expect(stderr.join('')).toMatch(/t2ir train: .*missing\.js/);
  });
});
