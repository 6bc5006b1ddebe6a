import { T2IRewardError } from '@t2i-reward/core';
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
