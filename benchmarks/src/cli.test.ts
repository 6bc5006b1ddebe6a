import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, tempDir, writeLines, writePng } from './__fixtures__/helpers.js';
import { createBenchProgram } from './cli.js';
import { parseBenchConfig } from './config.js';
import { compbenchFileName, compbenchFolderSource } from './generators/index.js';
import { createEnsembleProtocol } from './protocols/ensemble.js';
import { runBench } from './run.js';
import { userFileSuite } from './suites/user-file.js';

let stdout = '';
beforeEach(() => {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
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
    await bench('--out', out, '--no-cache', '--json', '--batch-size', '6');
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ suite: 'examples', protocol: 'ensemble', counts: { expected: 12, scored: 12, errors: 0 } });
    const mean = (name: string) => summary.categories.find((c: { category: string }) => c.category === name).mean;
    // The detector finds what the photos show and not what they lack.
    expect(mean('matching')).toBeGreaterThan(0.6);
    expect(mean('mismatched')).toBeLessThan(0.2);
    await fs.access(summary.files.html);

    stdout = '';
    await bench('report', out);
    expect(stdout).toMatch(/examples · protocol ensemble/);
    expect(stdout).toMatch(/│ matching\s+│\s+0\.\d{3} │/);
    expect(stdout).toMatch(/overall/);
    expect(stdout).toContain(`report:  ${path.join(out, 'report.html')}`);
    stdout = '';
    await bench('report', out, '--csv');
    expect(stdout.split('\n')[0]).toBe('category,mean,ci_low,ci_high,n,errors,unsupported');
  });

  it('compare prints per-category deltas; merge combines shards', async () => {
    const dir = await tempDir();
    const prompts = ['one', 'two', 'three', 'four'];
    await writeLines(path.join(dir, 'p.jsonl'), prompts.map((prompt, i) => ({ prompt, category: i < 2 ? 'a' : 'b' })));
    for (const [i, p] of prompts.entries()) {
      await writePng(path.join(dir, 'dark', compbenchFileName(p, i)), [40, 40, 40]);
      await writePng(path.join(dir, 'light', compbenchFileName(p, i)), [i < 2 ? 200 : 40, 200, 200]);
    }
    const protocol = () => createEnsembleProtocol({ experts: [{ name: 'b', model: createMockReward({ score: (s) => meanBrightness(s.image) }) }] });
    const run = (name: string, images: string, shard?: { index: number; count: number }) =>
      runBench({ suite: userFileSuite(path.join(dir, 'p.jsonl')), outDir: path.join(dir, name), protocol: protocol(), source: compbenchFolderSource(path.join(dir, images)), progress: false, log: collectLog().log, ...(shard ? { shard } : {}) });
    await run('A', 'dark');
    await run('B', 'light');
    await bench('compare', path.join(dir, 'A'), path.join(dir, 'B'), '--json');
    const comparison = JSON.parse(stdout);
    const a = comparison.categories.find((c: { category: string }) => c.category === 'a');
    expect(a.delta.mean).toBeCloseTo((200 + 200 + 200) / 3 / 255 - 40 / 255, 6);
    expect(comparison.categories.find((c: { category: string }) => c.category === 'b').delta.mean).toBeCloseTo((40 + 200 + 200) / 3 / 255 - 40 / 255, 6);
    // Same prompts on both sides: paired; every per-image difference is equal here, so the interval is a point.
    expect(a.paired).toBe(true);
    expect(a.delta.ci[0]).toBeCloseTo(a.delta.mean, 12);
    expect(a.delta.ci[1]).toBeCloseTo(a.delta.mean, 12);
    stdout = '';
    await bench('compare', path.join(dir, 'A'), path.join(dir, 'B'));
    expect(stdout).toMatch(/Δ \(B − A\)/);
    expect(stdout).toMatch(/│ a\s+│ 0\.157 │ 0\.784 │\s+\+0\.627 │ \[0\.627, 0\.627\] paired │/);

    await run('s0', 'dark', { index: 0, count: 2 });
    await run('s1', 'dark', { index: 1, count: 2 });
    stdout = '';
    await bench('merge', path.join(dir, 'M'), path.join(dir, 's0'), path.join(dir, 's1'), '--json');
    const merged = JSON.parse(stdout);
    expect(merged.counts).toMatchObject({ expected: 4, scored: 4, pending: 0 });
  });

  it('fails clearly without images, with a bad shard or a bad config key', async () => {
    await expect(bench('--suite', 'geneval', '--out', path.join(await tempDir(), 'x'))).rejects.toThrow(/needs images: pass --images DIR/);
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'p.txt'), 'a cat\n');
    await expect(bench('--suite', path.join(dir, 'p.txt'), '--out', path.join(dir, 'x'))).rejects.toThrow(/names no images/);
    await expect(bench('--shard', '2/2', '--out', path.join(await tempDir(), 'x'), '--no-cache')).rejects.toThrow(/--shard must be i\/n/);
    expect(() => parseBenchConfig({ detector: { thresholds: { tfjs: { genevalThreshold: 2 } } } })).toThrow(/detector\/thresholds\/tfjs\/genevalThreshold/);
    expect(() => parseBenchConfig({ detektor: {} })).toThrow(/detektor/);
    expect(parseBenchConfig({ experts: [{ kind: 'detector' }] })).toEqual({ ensemble: { experts: [{ kind: 'detector' }] } });
  });
});
