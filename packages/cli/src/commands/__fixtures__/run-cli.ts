import { captureWrites } from '@t2i-reward/core/test';
import { vi } from 'vitest';
import { runCli } from '../../program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `t2ir <argv>` in this process (no spawn) with stdout and stderr captured; the exit code runCli returns. */
export async function runCliCaptured(...argv: string[]): Promise<CliRun> {
  const stdout = captureWrites(process.stdout);
  const stderr = captureWrites(process.stderr);
  try {
    const code = await runCli(argv);
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    vi.restoreAllMocks();
  }
}
