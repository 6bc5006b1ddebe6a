import { Command, CommanderError, Option } from 'commander';
import { VERSION } from './version.js';

type RegisterCommand = (program: Command, setExitCode: (code: number) => void) => void;

/**
 * The top-level commands, in the order `t2ir --help` lists them. Each command lives in commands/<name>.ts and is
 * imported only when it runs (with the experts, servers and runtimes it brings): `t2ir --version` and `t2ir --help`
 * load none of them. `listing` is what `t2ir --help` shows for it (its summary, or its description when it has
 * none); program.test.ts checks it against the real command.
 */
export const COMMANDS: readonly { name: string; listing: string; load: () => Promise<RegisterCommand> }[] = [
  {
    name: 'score',
    listing: 'score images against prompts with a reward ensemble',
    load: async () => (await import('./commands/score.js')).registerScoreCommand,
  },
  {
    name: 'bench',
    listing:
      'Benchmark images on T2I-CompBench, GenEval, the T2I-R1 prompts or your own prompt file; resumable, with tables and an HTML report. ' +
      'With no arguments: the bundled example photos, scored offline by the COCO detector.',
    load: async () => (await import('./commands/bench.js')).registerBenchCommand,
  },
  {
    name: 'serve',
    listing: 'Serve the reward ensemble over HTTP: POST /v1/score, OpenRLHF /openrlhf/reward, KServe v2 /v2/..., /metrics',
    load: async () => (await import('./commands/serve.js')).registerServeCommand,
  },
  {
    name: 'train',
    listing: 'GRPO / BiCoT-GRPO training of a TF.js policy against the reward ensemble',
    load: async () => (await import('./commands/train.js')).registerTrainCommand,
  },
  {
    name: 'models',
    listing: 'list the expert kinds and their backends',
    load: async () => (await import('./commands/models.js')).registerModelsCommand,
  },
];

/**
 * The top-level command an argument list runs (`help <name>` included), or undefined (none, or an unknown name).
 * The root has only `-V` / `-h` (no option takes a value) and positional options, so, as commander reads it, the
 * first word that is not an option names the command.
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.some((command) => command.name === name) ? name : undefined;
}

/**
 * Builds the `t2ir` program. Commander actions return nothing, so a command reports its exit status through
 * `setExitCode` (never through the global process.exitCode). `load` names the commands whose modules are imported
 * (default: all); every other command is a stub with its name and listing, enough for `t2ir --help` and
 * did-you-mean (runCli loads only the command its arguments run).
 */
export async function createProgram(setExitCode: (code: number) => void, load: 'all' | readonly string[] = 'all'): Promise<Command> {
  const program = new Command('t2ir')
    .description('Image reward models for text-to-image RL and evaluation (the T2I-R1 reward ensemble).')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // Options after a command belong to it (bench's sub-subcommands need it; set here so every command parses
    // the same whichever ones are loaded).
    .enablePositionalOptions();
  const registrars = await Promise.all(COMMANDS.map((command) => (load === 'all' || load.includes(command.name) ? command.load() : undefined)));
  COMMANDS.forEach(({ name, listing }, index) => {
    const register = registrars[index];
    if (register) {
      register(program, setExitCode);
      return;
    }
    program
      .command(name)
      .summary(listing)
      // Lists as `name [options]` like the real command; a stub never parses anything (see invokedCommand).
      .addOption(new Option('--not-loaded').hideHelp())
      .action(() => {
        throw new Error(`internal error: t2ir ${name} ran without its module loaded`);
      });
  });
  return program;
}

/** Runs the CLI; returns the exit code (bad flags: 2 with a one-line reason on stderr). */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const invoked = invokedCommand(argv);
  const program = await createProgram((code) => (exitCode = code), invoked ? [invoked] : []);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const { exitCodeForError, isUsageError } = await import('@t2i-reward/benchmarks');
    const message = error instanceof Error ? error.message : String(error);
    // A usage error reads as commander's own (`error: …`); a failure names the program.
    process.stderr.write(isUsageError(error) ? `error: ${message}\n` : `t2ir: ${message}\n`);
    // One rule for every command (isUsageError): usage errors found after parsing (an unreadable --token-file, an
    // invalid config) exit 2 like bad flags; anything else 1.
    return exitCodeForError(error);
  }
}
