/** A mistake in the command line or the files it names: exit 2 (the `exitCode` isUsageError reads). */
export class UsageError extends Error {
  readonly exitCode = 2;
}
