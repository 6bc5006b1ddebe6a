import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureWrites } from '@t2i-reward/core/test';
import { runCli } from '../program.js';
import { demoTrainArgv } from './__fixtures__/train-demo.js';
import { interruptedMessage, savedCheckpoint } from './train.js';

// Ctrl-C in `t2ir train` says what was saved (and --resume is offered only when a checkpoint exists); --resume
// with nothing to resume says so. In-process, with the fast scene reward.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 't2ir-train-interrupt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `argv` and calls the SIGINT listener the command adds as soon as it is there (as Ctrl-C would). */
async function runAndInterrupt(argv: string[]): Promise<number> {
  const before = new Set(process.listeners('SIGINT'));
  const running = runCli(argv);
  for (;;) {
    const added = process.listeners('SIGINT').filter((listener) => !before.has(listener));
    if (added.length > 0) {
      (added[0] as () => void)();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return running;
}

describe('t2ir train: Ctrl-C and --resume say what was saved', () => {
  it('Ctrl-C at step 0: nothing trained, no checkpoint, and no "add --resume"', async () => {
    const stderr = captureWrites(process.stderr);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const out = path.join(dir, 'step0');
      expect(await runAndInterrupt(demoTrainArgv(30, out, '--no-progress'))).toBe(130);
      expect(await savedCheckpoint(out)).toBeUndefined();
      expect(stderr.text).toContain(
        'interrupted at step 0: nothing was trained and no checkpoint saved; run the same command again (without --resume) to start over',
      );
      expect(stderr.text).not.toContain('add --resume');
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('--resume with nothing to resume says so and starts from step 0', async () => {
    const stderr = captureWrites(process.stderr);
    const stdout = captureWrites(process.stdout);
    try {
      const out = path.join(dir, 'fresh');
      expect(await runCli(demoTrainArgv(2, out, '--resume', '--no-progress', '--json'))).toBe(0);
      expect(stderr.text).toContain(`--resume: nothing to resume in ${out} (no checkpoint in ${path.join(out, 'checkpoints')}); starting from step 0`);
      expect(JSON.parse(stdout.text)).toMatchObject({ steps: 2, stepsThisRun: 2 });
      // Now there is a checkpoint (the last step's): --resume continues without the notice.
      stderr.clear();
      expect(await savedCheckpoint(out)).toMatchObject({ step: 2 });
      expect(await runCli(demoTrainArgv(3, out, '--resume', '--no-progress', '--json'))).toBe(0);
      expect(stderr.text).not.toContain('nothing to resume');
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('the interruption message names the checkpoint --resume would continue from, or says there is none', () => {
    expect(interruptedMessage(7, undefined)).toMatch(/^interrupted after step 7: .*no checkpoint was saved yet .*nothing to resume/);
    expect(interruptedMessage(14, { step: 10, dir: '/runs/a/checkpoints/step-000010' })).toBe(
      'interrupted after step 14: the curve and summary cover it; the checkpoint of step 10 is saved (/runs/a/checkpoints/step-000010): add --resume to continue from step 10',
    );
  });
});
