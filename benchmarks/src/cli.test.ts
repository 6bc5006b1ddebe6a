import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { type CapturedWrites, captureWrites, createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, tempDir, writeLines, writePng } from './__fixtures__/helpers.js';
import { createBenchProgram } from './cli.js';
import { parseBenchConfig } from './config.js';
import { compbenchFileName, compbenchFolderSource } from './generators/index.js';
import { createEnsembleProtocol } from './protocols/ensemble.js';
import { runBench } from './run.js';
import { userFileSuite } from './suites/user-file.js';

let stdout: CapturedWrites;
let stderr: CapturedWrites;
beforeEach(() => {
  stdout = captureWrites(process.stdout);
  stderr = captureWrites(process.stderr);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `bench ...` in-process; returns the exit status the command reported. */
async function bench(...args: string[]): Promise<number> {
  let exitCode = 0;
  await createBenchProgram((code) => (exitCode = code)).parseAsync(['bench', ...args], { from: 'user' });
  return exitCode;
}

describe('t2ir bench', () => {
  it('with no suite: the bundled photos, scored offline by the real detector; table + report path', async () => {
    const out = path.join(await tempDir(), 'run');
    // --threads 0: the detector in this process (no pool of worker threads loading TF.js and the model again).
    await bench('--out', out, '--no-cache', '--json', '--batch-size', '6', '--threads', '0');
    const summary = JSON.parse(stdout.text);
    expect(summary).toMatchObject({ suite: 'examples', protocol: 'ensemble', counts: { expected: 12, scored: 12, errors: 0 } });
    const mean = (name: string) => summary.categories.find((c: { category: string }) => c.category === name).mean;
    // The detector finds what the photos show and not what they lack.
    expect(mean('matching')).toBeGreaterThan(0.6);
    expect(mean('mismatched')).toBeLessThan(0.2);
    await fs.access(summary.files.html);

    stdout.clear();
    await bench('report', out);
    expect(stdout.text).toMatch(/examples · protocol ensemble/);
    expect(stdout.text).toMatch(/│ matching\s+│\s+0\.\d{3} │/);
    expect(stdout.text).toMatch(/overall/);
    expect(stdout.text).toContain(`report:  ${path.join(out, 'report.html')}`);
    stdout.clear();
    await bench('report', out, '--csv');
    expect(stdout.text.split('\n')[0]).toBe('category,mean,ci_low,ci_high,n,errors,unsupported');
  });

  it('compare prints per-category deltas; merge combines shards', async () => {
    const dir = await tempDir();
    const prompts = ['one', 'two', 'three', 'four'];
    await writeLines(
      path.join(dir, 'p.jsonl'),
      prompts.map((prompt, i) => ({ prompt, category: i < 2 ? 'a' : 'b' })),
    );
    for (const [i, p] of prompts.entries()) {
      await writePng(path.join(dir, 'dark', compbenchFileName(p, i)), [40, 40, 40]);
      await writePng(path.join(dir, 'light', compbenchFileName(p, i)), [i < 2 ? 200 : 40, 200, 200]);
    }
    const protocol = () => createEnsembleProtocol({ experts: [{ name: 'b', model: createMockReward({ score: (s) => meanBrightness(s.image) }) }] });
    const run = (name: string, images: string, shard?: { index: number; count: number }) =>
      runBench({
        suite: userFileSuite(path.join(dir, 'p.jsonl')),
        outDir: path.join(dir, name),
        protocol: protocol(),
        source: compbenchFolderSource(path.join(dir, images)),
        progress: false,
        log: collectLog().log,
        ...(shard ? { shard } : {}),
      });
    await run('A', 'dark');
    await run('B', 'light');
    await bench('compare', path.join(dir, 'A'), path.join(dir, 'B'), '--json');
    const comparison = JSON.parse(stdout.text);
    const a = comparison.categories.find((c: { category: string }) => c.category === 'a');
    expect(a.delta.mean).toBeCloseTo((200 + 200 + 200) / 3 / 255 - 40 / 255, 6);
    expect(comparison.categories.find((c: { category: string }) => c.category === 'b').delta.mean).toBeCloseTo((40 + 200 + 200) / 3 / 255 - 40 / 255, 6);
    // Same prompts on both sides: paired; every per-image difference is equal here, so the interval is a point.
    expect(a.paired).toBe(true);
    expect(a.delta.ci[0]).toBeCloseTo(a.delta.mean, 12);
    expect(a.delta.ci[1]).toBeCloseTo(a.delta.mean, 12);
    stdout.clear();
    await bench('compare', path.join(dir, 'A'), path.join(dir, 'B'));
    expect(stdout.text).toMatch(/Δ \(B − A\)/);
    expect(stdout.text).toMatch(/│ a\s+│ 0\.157 │ 0\.784 │\s+\+0\.627 │ \[0\.627, 0\.627\] paired │/);

    await run('s0', 'dark', { index: 0, count: 2 });
    await run('s1', 'dark', { index: 1, count: 2 });
    stdout.clear();
    await bench('merge', path.join(dir, 'M'), path.join(dir, 's0'), path.join(dir, 's1'), '--json');
    const merged = JSON.parse(stdout.text);
    expect(merged.counts).toMatchObject({ expected: 4, scored: 4, pending: 0 });
  });

  it("--suite geneval --images DIR reads GenEval's own output layout without metadata.jsonl in the folders", async () => {
    const dir = await tempDir();
    const images = path.join(dir, 'geneval-out');
    // Prompt lines 0 and 1 of GenEval are "a photo of a bench" and "a photo of a cow".
    for (const index of ['00000', '00001']) {
      await fs.mkdir(path.join(images, index, 'samples'), { recursive: true });
      await fs.copyFile(EXAMPLE_IMAGES[0]!.path, path.join(images, index, 'samples', '0000.png'));
    }
    const code = await bench(
      '--suite',
      'geneval',
      '--images',
      images,
      '--category',
      'single_object',
      '--limit',
      '2',
      '--out',
      path.join(dir, 'run'),
      '--no-cache',
      '--json',
      '--threads',
      '0',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.text);
    expect(summary.counts).toMatchObject({ expected: 2, scored: 2, errors: 0 });
  });

  it('fails clearly without images, with a bad shard or a bad config key', async () => {
    // Usage mistakes exit 2 with one `error:` line, as `t2ir score` does.
    const usage = async (pattern: RegExp, ...args: string[]) => {
      stderr.clear();
      expect(await bench(...args), args.join(' ')).toBe(2);
      expect(stderr.text).toMatch(/^error: /);
      expect(stderr.text.trim().split('\n')).toHaveLength(1);
      expect(stderr.text).toMatch(pattern);
    };
    await usage(/needs images: pass --images DIR/, '--suite', 'geneval', '--out', path.join(await tempDir(), 'x'));
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'p.txt'), 'a cat\n');
    await usage(/names no images/, '--suite', path.join(dir, 'p.txt'), '--out', path.join(dir, 'x'));
    await usage(/--shard must be i\/n/, '--shard', '2/2', '--out', path.join(await tempDir(), 'x'), '--no-cache');
    await usage(/unknown suite 'nope'/, '--suite', 'nope', '--out', path.join(dir, 'y'));
    await fs.mkdir(path.join(dir, 'empty-images'));
    await fs.writeFile(path.join(dir, 'empty-images', 'cat.png'), 'not in any layout');
    await usage(/matches no known layout/, '--suite', 'geneval', '--images', path.join(dir, 'empty-images'), '--out', path.join(dir, 'z'), '--no-cache');
    // A bad flag value is commander's own error (exit 2 through runCli / bin), not an exception from the action.
    await expect(bench('--limit', 'zero')).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    expect(() => parseBenchConfig({ detector: { thresholds: { tfjs: { genevalThreshold: 2 } } } })).toThrow(/detector\/thresholds\/tfjs\/genevalThreshold/);
    expect(() => parseBenchConfig({ detektor: {} })).toThrow(/detektor/);
    expect(parseBenchConfig({ experts: [{ kind: 'detector' }] })).toEqual({ ensemble: { experts: [{ kind: 'detector' }] } });
  });
});
