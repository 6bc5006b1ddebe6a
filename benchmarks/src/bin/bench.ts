#!/usr/bin/env node
// Standalone entry of the bench command (`node bin/bench.js bench ...`), the same code `t2ir bench` runs.
import { CommanderError } from 'commander';
import { createBenchProgram } from '../cli.js';
import { exitCodeForError } from '../errors.js';

let exitCode = 0;
try {
  await createBenchProgram((code) => (exitCode = code)).parseAsync(process.argv.slice(2), { from: 'user' });
} catch (error) {
  if (!(error instanceof CommanderError)) process.stderr.write(`t2ir: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = error instanceof CommanderError ? (error.exitCode === 0 ? 0 : 2) : exitCodeForError(error);
}
process.exitCode = exitCode;
