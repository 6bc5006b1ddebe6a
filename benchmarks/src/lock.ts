import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { T2IRewardError } from '@t2i-reward/core';

/** The lock file of a run folder: one writer at a time. */
export const LOCK_FILE = 'bench.lock';

/** What a lock file holds: who wrote it, so a later run can tell a live writer from a crashed one. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

const MARKER = Symbol.for('t2i-reward.error.BenchLockedError');

/** Another `t2ir bench` run writes into the same --out folder. */
export class BenchLockedError extends T2IRewardError {
  constructor(message: string, options: { data?: Record<string, unknown> } = {}) {
    super('BENCH_LOCKED', message, options);
    this.name = 'BenchLockedError';
    (this as unknown as Record<symbol, boolean>)[MARKER] = true;
  }

  static override isInstance(error: unknown): error is BenchLockedError {
    return T2IRewardError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Whether process `pid` on this host is alive (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunLockOptions {
  /** This host's name (tests); default os.hostname(). */
  host?: string;
  /** This process's id (tests); default process.pid. */
  pid?: number;
  /** Told when a stale lock (its writer is gone) is taken over. */
  log?: (line: string) => void;
  /** A lock file that cannot be parsed counts as stale once older than this (default 60 s: a writer writes it at once). */
  unreadableStaleMs?: number;
}

/**
 * Takes the run folder's lock (`bench.lock`, created exclusively), or throws a BenchLockedError naming the writer
 * that holds it. A lock left by a crash is detected and taken over: same host and its pid is gone, or a lock file
 * that cannot be read and is older than a minute. A lock from another host (a shared file system) is never
 * guessed stale: the message says which host and pid hold it and which file to delete once that run is gone.
 * Returns the release function (idempotent; removes the file only while it is still ours).
 */
export async function acquireRunLock(outDir: string, options: RunLockOptions = {}): Promise<() => Promise<void>> {
  const file = path.join(outDir, LOCK_FILE);
  const me: LockOwner = { pid: options.pid ?? process.pid, host: options.host ?? os.hostname(), startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, text, { flag: 'wx' });
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const now = await fs.readFile(file, 'utf8').catch(() => undefined);
        if (now === text) await fs.rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(file);
    if (owner === 'gone') continue;
    if (owner === 'unreadable') {
      const stat = await fs.stat(file).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs < (options.unreadableStaleMs ?? 60_000)) {
        throw new BenchLockedError(`${outDir} is being written by another t2ir bench run (${file} was just created); use another --out, or wait for it`, {
          data: { file },
        });
      }
      options.log?.(`! ${file}: unreadable lock file older than a minute; taken over`);
    } else if (owner.host === me.host && !processAlive(owner.pid)) {
      options.log?.(`! ${outDir}: the run that held it (pid ${owner.pid}, started ${owner.startedAt}) is gone; resuming its records`);
    } else {
      const where = owner.host === me.host ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.host}`;
      throw new BenchLockedError(
        `${outDir} is being written by another t2ir bench run (${where}, since ${owner.startedAt}); wait for it, use another --out, or delete ${file} if that run is gone`,
        { data: { file, owner } },
      );
    }
    // Stale: remove it and try again (another process may win the race; the loop then reads its lock).
    await fs.rm(file, { force: true });
  }
  throw new BenchLockedError(`${outDir}: could not take ${file} (other runs keep taking it); use another --out`, { data: { file } });
}

async function readOwner(file: string): Promise<LockOwner | 'gone' | 'unreadable'> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string') return { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt ?? '?') };
  } catch {
    // Written but not yet complete, or damaged.
  }
  return 'unreadable';
}
