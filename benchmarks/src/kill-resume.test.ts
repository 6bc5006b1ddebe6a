import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compbenchFileName } from './generators/index.js';
import { tempDir, writeLines, writePng } from './__fixtures__/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, 'bin', 'bench.ts');
const repoRoot = path.resolve(here, '..', '..');

function startRun(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
} {
  const child = spawn(process.execPath, ['--conditions=t2ir-source', '--import', 'tsx', entry, 'bench', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout })),
  );
  return { child, done };
}

async function countLines(file: string): Promise<number> {
  try {
    return (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).length;
  } catch {
    return 0;
  }
}

describe('a run killed with SIGKILL and restarted', () => {
  it('finishes with every image scored exactly once', async () => {
    const dir = await tempDir();
    const total = 16;
    const prompts = Array.from({ length: total }, (_, i) => `object ${i}`);
    await writeLines(
      path.join(dir, 'prompts.jsonl'),
      prompts.map((prompt, i) => ({ prompt, category: i % 2 ? 'odd' : 'even' })),
    );
    for (const [i, prompt] of prompts.entries()) await writePng(path.join(dir, 'images', compbenchFileName(prompt, i)), [i * 15, 100, 200]);
    await fs.writeFile(
      path.join(dir, 'bench.json'),
      JSON.stringify({
        plugins: [path.join(here, '__fixtures__', 'slow-plugin.mjs')],
        ensemble: { experts: [{ kind: 'slow-brightness', backend: { type: 'none' }, options: { delayMs: 150 } }] },
      }),
    );
    const out = path.join(dir, 'run');
    const results = path.join(out, 'results.jsonl');
    const args = [
      '--suite',
      path.join(dir, 'prompts.jsonl'),
      '--images',
      path.join(dir, 'images'),
      '--out',
      out,
      '--config',
      path.join(dir, 'bench.json'),
      '--no-cache',
      '--batch-size',
      '1',
      '--no-progress',
      '--json',
    ];

    const first = startRun(args);
    // Kill once a few results are on disk, i.e. halfway through.
    const killAfter = 5;
    for (;;) {
      const lines = await countLines(results);
      if (lines >= killAfter) break;
      const exited = await Promise.race([first.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);
      if (exited) throw new Error(`the run ended before it could be killed:\n${(await first.done).stderr}`);
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await countLines(results);
    expect(afterKill).toBeGreaterThanOrEqual(killAfter);
    expect(afterKill).toBeLessThan(total);
    // A kill in the middle of a write leaves a torn record: the resumed run must cut it, not append after it.
    await fs.appendFile(results, '{"key":"torn-record","status":"o');

    const second = await startRun(args).done;
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary.processed).toBe(total - afterKill);
    expect(summary.skipped).toBe(afterKill);
    expect(summary.counts).toMatchObject({ expected: total, scored: total, errors: 0, pending: 0 });

    const records = (await fs.readFile(results, 'utf8'))
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { key: string; status: string });
    const perKey = new Map<string, number>();
    for (const r of records) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
    expect(perKey.size).toBe(total);
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
  });
});
