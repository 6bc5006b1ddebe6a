import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { compareRuns, formatComparisonTable } from './compare.js';
import { errorMessage, EXIT_CODES, isUsageError, UsageError } from './errors.js';
import { loadBenchConfig, type BenchConfig } from './config.js';
import {
  commandGeneratorSource,
  compbenchFolderSource,
  genevalFolderSource,
  httpGeneratorSource,
  itemImageSource,
  type ImageSource,
} from './generators/index.js';
import { detectImageLayout } from './generators/folders.js';
import { mergeRuns } from './merge.js';
import { createProtocol } from './protocols/factory.js';
import { formatAgreement, formatBadInputs, formatIncomplete, formatNotes, formatSummaryTable } from './report/format.js';
import { summaryCsv } from './report/csv.js';
import { writeReports, type RunReport } from './report/write.js';
import { parseShard, runBench, type Shard } from './run.js';
import { createSpecSource, type SpecSource } from '@t2i-reward/core';
import { isGenEvalLayout, resolveSuite, SUITE_NAMES } from './suites/index.js';
import type { ProtocolName, Suite } from './types.js';

const PROTOCOLS: ProtocolName[] = ['compbench', 'geneval', 'ensemble', 'ocr'];

/** The exit status of a run whose image folder lacked images (unless --allow-partial): scores over part of the suite. */
export const EXIT_INCOMPLETE = EXIT_CODES.incomplete;

export interface BenchRunFlags {
  suite: string;
  parser?: 'rule' | 'openai';
  parserUrl?: string;
  parserModel?: string;
  out?: string;
  protocol?: ProtocolName;
  images?: string;
  generatorUrl?: string;
  generatorModel?: string;
  generatorSize?: string;
  generatorApiKeyEnv: string;
  generatorCmd?: string;
  generatorTimeout?: number;
  limit?: number;
  category?: string[];
  samplesPerPrompt: number;
  shard?: string;
  config?: string;
  cacheDir?: string;
  cache: boolean;
  batchSize: number;
  concurrency: number;
  threads?: number;
  json?: boolean;
  csv?: boolean;
  progress: boolean;
  allowPartial?: boolean;
}

/** Where scores are cached across runs: $T2IR_CACHE_DIR, else $XDG_CACHE_HOME/t2i-reward/scores, else ~/.cache/… */
export function defaultCacheDir(): string {
  if (process.env.T2IR_CACHE_DIR) return path.join(process.env.T2IR_CACHE_DIR, 'scores');
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 't2i-reward', 'scores');
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
    return n;
  };
}

function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** Picks the image source from the flags; a suite that names its own images needs none. */
export async function imageSourceFor(flags: BenchRunFlags, suite: Suite): Promise<ImageSource> {
  const given = [flags.images, flags.generatorUrl, flags.generatorCmd].filter((v) => v !== undefined);
  if (given.length > 1) throw new UsageError('give only one of --images, --generator-url, --generator-cmd');
  if (flags.generatorCmd !== undefined) {
    return commandGeneratorSource({ template: flags.generatorCmd, ...(flags.generatorTimeout ? { timeoutMs: flags.generatorTimeout * 1000 } : {}) });
  }
  if (flags.generatorUrl !== undefined) {
    const apiKey = process.env[flags.generatorApiKeyEnv];
    return httpGeneratorSource({
      url: flags.generatorUrl,
      ...(flags.generatorModel ? { model: flags.generatorModel } : {}),
      ...(flags.generatorSize ? { size: flags.generatorSize } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(flags.generatorTimeout ? { timeoutMs: flags.generatorTimeout * 1000 } : {}),
    });
  }
  if (flags.images !== undefined) {
    // GenEval's own output layout pairs images with the suite's prompts by folder index (metadata.jsonl optional).
    if (await isGenEvalLayout(flags.images)) return genevalFolderSource(flags.images);
    const layout = await detectImageLayout(flags.images);
    if (layout === 'geneval') return genevalFolderSource(flags.images);
    if (layout === 'compbench') return compbenchFolderSource(flags.images);
    throw new UsageError(
      `--images ${flags.images} matches no known layout: expected GenEval's <index:05d>/samples/<i:04d>.png or T2I-CompBench's {prompt}_{idx:06d}.png`,
    );
  }
  if (suite.imageDir) return genevalFolderSource(suite.imageDir);
  return itemImageSource();
}

function needsImages(suite: Suite, flags: BenchRunFlags): boolean {
  return !suite.imageDir && !flags.images && !flags.generatorUrl && !flags.generatorCmd && ['t2i-compbench', 'geneval', 't2i-r1', 'ocr'].includes(suite.name);
}

function printReport(report: RunReport, flags: Pick<BenchRunFlags, 'json' | 'csv'>, extra: Record<string, unknown> = {}): void {
  const { summary, files } = report;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, runDir: report.runDir, files, ...extra }, null, 2)}\n`);
    return;
  }
  if (flags.csv) {
    process.stdout.write(summaryCsv(summary));
    return;
  }
  const resumed =
    typeof extra.skipped === 'number' && extra.skipped > 0
      ? [`resumed: ${extra.skipped} already scored, ${typeof extra.processed === 'number' ? extra.processed : 0} new in this run`]
      : [];
  const incomplete = formatIncomplete(summary);
  const lines = [
    ...(incomplete ? [incomplete] : []),
    ...resumed,
    `${summary.suite} · protocol ${summary.protocol} (${summary.metric === 'accuracy' ? 'accuracy' : 'mean score'}, 95% bootstrap CI)${summary.shard ? ` · shard ${summary.shard}` : ''}`,
    formatSummaryTable(summary),
    `${summary.counts.scored} scored, ${summary.counts.errors} failed, ${summary.counts.unsupported} unsupported, ${summary.counts.pending} pending · ${formatBadInputs(summary)}`,
    ...formatNotes(summary),
    ...formatAgreement(summary),
    `report:  ${files.html}`,
    `results: ${files.results} (+ results.csv, summary.json)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The spec source of `--parser` (else the bench config's ensemble `parser`): an LLM spec parser whose specs are
 * precomputed for the whole suite into the run folder; undefined for the rule parser.
 */
function specSourceFor(flags: BenchRunFlags, config: BenchConfig): SpecSource | undefined {
  if (flags.parser === undefined && (flags.parserUrl !== undefined || flags.parserModel !== undefined)) {
    throw new UsageError('--parser-url / --parser-model need --parser openai');
  }
  if (flags.parser === 'rule') return undefined;
  if (flags.parser === 'openai') {
    const baseURL = flags.parserUrl ?? process.env['T2IR_PARSER_URL'];
    const model = flags.parserModel ?? process.env['T2IR_PARSER_MODEL'];
    if (!baseURL || !model) throw new UsageError('--parser openai needs --parser-url and --parser-model (or $T2IR_PARSER_URL / $T2IR_PARSER_MODEL)');
    try {
      return createSpecSource({ type: 'openai', baseURL, model });
    } catch (error) {
      throw new UsageError(`--parser openai: ${errorMessage(error)}`, { cause: error });
    }
  }
  const configured = config.ensemble?.parser;
  return configured && configured.type === 'openai' ? createSpecSource(configured) : undefined;
}

/** Runs one bench; returns the exit status (130 after Ctrl-C). */
async function runCommand(flags: BenchRunFlags): Promise<number> {
  const suite = await resolveSuite(flags.suite).catch((error: unknown) => {
    throw new UsageError(errorMessage(error), { cause: error });
  });
  let shard: Shard | undefined;
  if (flags.shard) {
    try {
      shard = parseShard(flags.shard);
    } catch (error) {
      throw new UsageError(errorMessage(error), { cause: error });
    }
  }
  if (needsImages(suite, flags)) {
    throw new UsageError(
      `--suite ${flags.suite} needs images: pass --images DIR (CompBench naming or GenEval layout), --generator-url URL or --generator-cmd '... {prompt} {out}'`,
    );
  }
  let config: BenchConfig = {};
  let configDir: string | undefined;
  if (flags.config) ({ config, configDir } = await loadBenchConfig(flags.config));
  // A user file's natural protocol and whether its rows name images are known once it is read (cheap;
  // runBench reads it again).
  if (suite.name.startsWith('file:')) {
    const { items } = await suite.load();
    if (!flags.images && !flags.generatorUrl && !flags.generatorCmd && items.length > 0 && items.every((item) => !item.image)) {
      throw new UsageError(`${flags.suite} names no images ("image" fields): pass --images DIR, --generator-url URL or --generator-cmd '... {prompt} {out}'`);
    }
  }
  const specSource = specSourceFor(flags, config);
  const protocolName = flags.protocol ?? suite.defaultProtocol;
  const out = flags.out ?? path.join('t2ir-bench-runs', `${suite.name.replace(/[^\w.-]+/g, '_')}-${protocolName}`);
  const source = await imageSourceFor(flags, suite);
  const protocol = await createProtocol(protocolName, {
    config,
    ...(configDir ? { configDir } : {}),
    ...(flags.cache ? { cacheDir: flags.cacheDir ?? defaultCacheDir() } : {}),
    ...(flags.threads !== undefined ? { pool: flags.threads === 0 ? (false as const) : { threads: flags.threads } } : {}),
  });
  // Ctrl-C stops scoring cleanly: what is on disk stays, the reports cover it, and the same command resumes.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const result = await runBench({
      suite,
      outDir: out,
      protocol,
      source,
      ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      ...(flags.category ? { categories: flags.category } : {}),
      samplesPerPrompt: flags.samplesPerPrompt,
      ...(shard ? { shard } : {}),
      batchSize: flags.batchSize,
      concurrency: flags.concurrency,
      progress: flags.progress && !flags.json && Boolean(process.stderr.isTTY),
      signal: interrupt.signal,
      ...(specSource ? { specSource } : {}),
    });
    printReport(result, flags, { processed: result.processed, skipped: result.skipped });
    if (result.summary.incomplete && !flags.allowPartial) {
      const { missing, expected } = result.summary.incomplete;
      process.stderr.write(
        `incomplete run: ${missing} of ${expected} images missing; exit ${EXIT_INCOMPLETE} (--allow-partial accepts a partial run with exit 0)\n`,
      );
      return EXIT_INCOMPLETE;
    }
    return 0;
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    const report = await writeReports(out);
    printReport(report, flags);
    process.stderr.write(`interrupted: ${report.summary.counts.pending} images left; run the same command again to resume\n`);
    return 130;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await protocol.dispose();
  }
}

/**
 * Registers `bench` (run), `bench merge`, `bench compare` and `bench report` on a commander program. Commander
 * actions return nothing, so the run reports its exit status through `setExitCode`.
 */
export function registerBenchCommand(program: Command, setExitCode: (code: number) => void): Command {
  // Positional options all the way down, so `bench compare A B --json` gives --json to compare (commander
  // otherwise hands options after a sub-subcommand to the first command that declares them). The root only
  // has --help / --version, which keep working before the subcommand.
  program.enablePositionalOptions();
  const bench = program
    .command('bench')
    .description(
      'Benchmark images on T2I-CompBench, GenEval, the T2I-R1 prompts or your own prompt file; resumable, with tables and an HTML report. ' +
        'With no arguments: the bundled example photos, scored offline by the COCO detector.',
    )
    .option('--suite <name|file|dir>', `${SUITE_NAMES.join(' | ')} | a .txt / .jsonl prompt file | a GenEval-layout folder`, 'examples')
    .option('--out <dir>', 'run folder (results.jsonl, images, reports); default t2ir-bench-runs/<suite>-<protocol>')
    .addOption(new Option('--protocol <name>', "scoring protocol (default: the suite's own)").choices(PROTOCOLS))
    .option('--images <dir>', 'existing images: T2I-CompBench naming ({prompt}_{idx:06d}.png) or GenEval layout (<index:05d>/samples/<i:04d>.png)')
    .option('--generator-url <url>', 'OpenAI-Images-compatible server (POST <url>/images/generations, b64_json)')
    .option('--generator-model <name>', 'model field sent to the image server')
    .option('--generator-size <WxH>', 'size field sent to the image server, e.g. 512x512')
    .option('--generator-api-key-env <var>', 'environment variable holding the image server API key', 'OPENAI_API_KEY')
    .option(
      '--generator-cmd <template>',
      "command writing one image, e.g. 'python gen.py --prompt {prompt} --out {out} --seed {seed}' (no shell; placeholders expand inside single arguments)",
    )
    .option('--generator-timeout <seconds>', 'timeout per generated image', positiveInt('--generator-timeout'))
    .option('--limit <n>', 'at most n prompts per category', positiveInt('--limit'))
    .option('--category <names>', 'only these categories (comma-separated or repeated)', collectList)
    .option('--samples-per-prompt <n>', 'images per prompt', positiveInt('--samples-per-prompt'), 1)
    .option('--shard <i/n|auto>', 'score only shard i of n (combine with `t2ir bench merge`); auto: from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or RANK')
    .option('--config <file>', 'bench config JSON: {ensemble, detector: {backend, thresholds}, compbench: {vqa, clip}} or a plain ensemble config')
    .option('--cache-dir <dir>', 'score cache folder (default $T2IR_CACHE_DIR/scores or ~/.cache/t2i-reward/scores)')
    .option('--no-cache', 'do not read or write the score cache')
    .addOption(
      new Option(
        '--parser <type>',
        "where prompt specs come from: rule (default) or openai (an OpenAI-compatible server; the suite's specs are asked once, before scoring, and kept in <out>/specs.json so the run is reproducible)",
      ).choices(['rule', 'openai']),
    )
    .option(
      '--parser-url <url>',
      'API root for --parser openai, e.g. http://localhost:8000/v1 (default $T2IR_PARSER_URL; key from $T2IR_PARSER_API_KEY or $OPENAI_API_KEY)',
    )
    .option('--parser-model <name>', 'the model --parser openai asks (default $T2IR_PARSER_MODEL)')
    .option('--batch-size <n>', 'images per expert call', positiveInt('--batch-size'), 4)
    .option('--concurrency <n>', 'images generated / decoded at once (the next batch is prepared while one is scored)', positiveInt('--concurrency'), 1)
    .option(
      '--threads <n>',
      'worker threads for CPU experts such as the TF.js detector (default: one per core; 0: all in-process)',
      nonNegativeInt('--threads'),
    )
    .option('--json', 'print the summary as JSON')
    .option('--csv', 'print the per-category summary as CSV')
    .option('--no-progress', 'no progress bar on stderr')
    .option(
      '--allow-partial',
      `accept a run whose --images folder lacks some images (exit 0 instead of ${EXIT_INCOMPLETE}; the headline still gives the coverage)`,
    )
    .addHelpText(
      'after',
      `\nExit status: 0 when the run finished, 1 when it failed, 2 for usage errors, ${EXIT_INCOMPLETE} when images were missing (an incomplete run; --allow-partial: 0), 130 after Ctrl-C.`,
    )
    .action(async (flags: BenchRunFlags) => {
      try {
        setExitCode(await runCommand(flags));
      } catch (error) {
        // Usage mistakes exit 2 with one line, as every t2ir command does (isUsageError is the one rule); anything
        // else propagates (exit 1).
        if (!isUsageError(error)) throw error;
        process.stderr.write(`error: ${errorMessage(error)}\n`);
        setExitCode(2);
      }
    })
    // `bench compare A B --json`: options after a subcommand belong to it, not to the run command.
    .enablePositionalOptions();

  bench
    .command('merge')
    .description('combine shard run folders into one run folder (writes its reports)')
    .argument('<out>', 'merged run folder')
    .argument('<runs...>', 'shard run folders')
    .option('--json', 'print the summary as JSON')
    .option('--csv', 'print the per-category summary as CSV')
    .action(async (out: string, runs: string[], flags: { json?: boolean; csv?: boolean }) => printReport(await mergeRuns(out, runs), flags));

  bench
    .command('compare')
    .description('per-category deltas between two runs (B − A) with bootstrap intervals')
    .argument('<runA>')
    .argument('<runB>')
    .option('--json', 'print the comparison as JSON')
    .action(async (runA: string, runB: string, flags: { json?: boolean }) => {
      const comparison = await compareRuns(runA, runB);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ a: comparison.a.runDir, b: comparison.b.runDir, categories: comparison.categories, overall: comparison.overall, warnings: comparison.warnings }, null, 2)}\n`,
        );
        return;
      }
      const lines = [
        `A: ${runA} (${comparison.a.summary.suite}, ${comparison.a.summary.protocol})`,
        `B: ${runB} (${comparison.b.summary.suite}, ${comparison.b.summary.protocol})`,
        formatComparisonTable(comparison),
        ...comparison.warnings.map((w) => `warning: ${w}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  bench
    .command('report')
    .description('(re)write and print the reports of a run folder (summary.json, results.csv, report.html)')
    .argument('<runDir>')
    .option('--json', 'print the summary as JSON')
    .option('--csv', 'print the per-category summary as CSV')
    .action(async (runDir: string, flags: { json?: boolean; csv?: boolean }) => printReport(await writeReports(runDir), flags));
  return bench;
}

/** A standalone `t2ir-bench` program (the bench command at top level), used by bin/bench.ts. */
export function createBenchProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('t2ir').exitOverride();
  registerBenchCommand(program, setExitCode);
  return program;
}
