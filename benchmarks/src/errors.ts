import { InvalidConfigError, T2IRewardError } from '@t2i-reward/core';
import type { BadInputKind } from './types.js';

const MARKER = Symbol.for('t2i-reward.error.BenchInputError');

/** An input the harness cannot use (missing or undecodable image, failed generator...); the run goes on. */
export class BenchInputError extends T2IRewardError {
  readonly kind: BadInputKind;

  constructor(kind: BadInputKind, message: string, options: { cause?: unknown } = {}) {
    super('BENCH_INPUT', message, { ...options, data: { kind } });
    this.name = 'BenchInputError';
    this.kind = kind;
    (this as unknown as Record<symbol, boolean>)[MARKER] = true;
  }

  static override isInstance(error: unknown): error is BenchInputError {
    return T2IRewardError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A mistake in the command line or its inputs (bad flag value, unknown suite, an image folder of no known layout): exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/**
 * The one exit-code rule of every t2ir command: 2 for a usage error (a bad flag or flag value, or a file the command
 * line names that is wrong before any work starts: an unknown expert kind or suite, an invalid config), 1 for work
 * that failed, 130 after Ctrl-C. A usage error is any error carrying `exitCode: 2` (the commands' UsageError
 * classes) or core's InvalidConfigError.
 */
export function isUsageError(error: unknown): boolean {
  return (error as { exitCode?: unknown } | null)?.exitCode === 2 || InvalidConfigError.isInstance(error);
}

export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, incomplete: 3, interrupted: 130 } as const;

/** The exit status for an error that ended a command (see isUsageError). */
export function exitCodeForError(error: unknown): number {
  return isUsageError(error) ? EXIT_CODES.usage : EXIT_CODES.failed;
}
