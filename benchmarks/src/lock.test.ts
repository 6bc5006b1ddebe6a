import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';
import { collectLog, tempDir, writeLines, writePng } from './__fixtures__/helpers.js';
import { compbenchFileName, compbenchFolderSource } from './generators/index.js';
import { acquireRunLock, BenchLockedError, LOCK_FILE, processAlive } from './lock.js';
import { createEnsembleProtocol } from './protocols/ensemble.js';
import { loadRecords } from './records.js';
import { runBench } from './run.js';
import { userFileSuite } from './suites/user-file.js';

async function setup(n: number) {
  const dir = await tempDir();
  const prompts = Array.from({ length: n }, (_, i) => `prompt ${i}`);
  const suiteFile = path.join(dir, 'prompts.jsonl');
  await writeLines(
    suiteFile,
    prompts.map((prompt) => ({ prompt, category: 'a' })),
  );
  const imageDir = path.join(dir, 'images');
  for (const [i, prompt] of prompts.entries()) await writePng(path.join(imageDir, compbenchFileName(prompt, i)), [i * 20, 0, 0]);
  const run = (out: string, log = collectLog().log) =>
    runBench({
      suite: userFileSuite(suiteFile),
      outDir: out,
      protocol: createEnsembleProtocol({ experts: [{ name: 'mock', model: createMockReward({ kind: 'mock', score: (s) => meanBrightness(s.image) }) }] }),
      source: compbenchFolderSource(imageDir),
      progress: false,
      batchSize: 2,
      log,
    });
  return { dir, run };
}

/** The pid of a process that has exited (so it is certainly not alive now). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  expect(processAlive(child.pid!)).toBe(false);
  return child.pid!;
}

describe('one writer per bench --out folder', () => {
  it('two runs started into the same --out at once: the second is refused, each image is scored once', async () => {
    const { dir, run } = await setup(6);
    const out = path.join(dir, 'run');
    const outcomes = await Promise.allSettled([run(out), run(out)]);
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toHaveLength(1);
    const error = (refused[0] as PromiseRejectedResult).reason;
    expect(BenchLockedError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(new RegExp(`is being written by another t2ir bench run \\(pid ${process.pid}, since .*\\); wait for it, use another --out`));
    const { records } = await loadRecords(out);
    expect(records).toHaveLength(6);
    expect(new Set(records.map((record) => record.key)).size).toBe(6);
    // Released when the run ends: the same command runs (resumes) again.
    await expect(fs.access(path.join(out, LOCK_FILE))).rejects.toThrow();
    const again = await run(out);
    expect(again.skipped).toBe(6);
  });

  it('a lock left by a crashed run on this host (its pid is gone) is taken over, and says so', async () => {
    const { dir, run } = await setup(2);
    const out = path.join(dir, 'run');
    await fs.mkdir(out, { recursive: true });
    const pid = deadPid();
    await fs.writeFile(path.join(out, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    const { lines, log } = collectLog();
    const result = await run(out, log);
    expect(result.summary.counts.scored).toBe(2);
    expect(lines.join('\n')).toContain(`the run that held it (pid ${pid}, started 2026-01-01T00:00:00.000Z) is gone`);
  });

  it('a lock held by a live process, or by another host, is refused with the host, pid and lock file named', async () => {
    const dir = await tempDir();
    const file = path.join(dir, LOCK_FILE);
    // A live process on this host (this one, as another run would be).
    await fs.writeFile(file, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: 'then' }));
    await expect(acquireRunLock(dir, { pid: process.pid + 1 })).rejects.toThrow(`(pid ${process.pid}, since then); wait for it`);
    // Another host: its pid cannot be checked from here, so the lock is never guessed stale, even for a pid dead here.
    const pid = deadPid();
    await fs.writeFile(file, JSON.stringify({ pid, host: 'gpu-node-7', startedAt: 'then' }));
    await expect(acquireRunLock(dir)).rejects.toThrow(
      `${dir} is being written by another t2ir bench run (pid ${pid} on host gpu-node-7, since then); wait for it, use another --out, or delete ${file} if that run is gone`,
    );
  });

  it('an unreadable lock file: refused while fresh (a writer is creating it), taken over once old', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, LOCK_FILE), '{"pi');
    await expect(acquireRunLock(dir)).rejects.toThrow(/was just created/);
    const { lines, log } = collectLog();
    const release = await acquireRunLock(dir, { unreadableStaleMs: 0, log });
    expect(lines.join('\n')).toMatch(/unreadable lock file .* taken over/);
    expect(JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    await release();
    await release();
    await expect(fs.access(path.join(dir, LOCK_FILE))).rejects.toThrow();
  });

  it('release never removes a lock that another run has since taken', async () => {
    const dir = await tempDir();
    const release = await acquireRunLock(dir);
    await fs.writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'other', startedAt: 'now' }));
    await release();
    await expect(fs.readFile(path.join(dir, LOCK_FILE), 'utf8')).resolves.toContain('"other"');
  });
});
