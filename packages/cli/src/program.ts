import { Command, CommanderError } from 'commander';
import { exitCodeForError, isUsageError } from '@t2i-reward/benchmarks';
import { VERSION } from './version.js';
import { registerScoreCommand } from './commands/score.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTrainCommand } from './commands/train.js';
import { registerModelsCommand } from './commands/models.js';

/**
 * Builds the `t2ir` program; each command lives in commands/<name>.ts. Commander actions return nothing, so a
 * command reports its exit status through `setExitCode` (never through the global process.exitCode).
 */
export function createProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('t2ir')
    .description('Image reward models for text-to-image RL and evaluation (the T2I-R1 reward ensemble).')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerScoreCommand(program, setExitCode);
  registerBenchCommand(program, setExitCode);
  registerServeCommand(program);
  registerTrainCommand(program, setExitCode);
  registerModelsCommand(program, setExitCode);
  return program;
}

/** Runs the CLI; returns the exit code (bad flags: 2 with a one-line reason on stderr). */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = createProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    // A usage error reads as commander's own (`error: …`); a failure names the program.
    process.stderr.write(isUsageError(error) ? `error: ${message}\n` : `t2ir: ${message}\n`);
    // One rule for every command (isUsageError): usage errors found after parsing (an unreadable --token-file, an
    // invalid config) exit 2 like bad flags; anything else 1.
    return exitCodeForError(error);
  }
}
