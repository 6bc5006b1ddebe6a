import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import cliProgress from 'cli-progress';
import {
  catalogAvailability,
  findCatalogEntry,
  isModelPath,
  listCatalog,
  modelsCacheDir,
  ModelPullError,
  pullModel,
  readPullManifest,
  type ModelCatalogEntry,
  type PullProgress,
} from '@t2i-reward/core';
import { nonNegativeInteger } from './arguments.js';
import { catalogExpertConfig } from './catalog-model.js';
import { UsageError } from './usage-error.js';

/** Where one catalog model stands here, now. */
export interface CatalogModelStatus {
  name: string;
  kind: string;
  variant?: string;
  backend?: string;
  repo: string;
  revision: string;
  license: string;
  /** 'ready': pulled, runs offline now; 'pullable': `t2ir models pull`; 'export': our Python script makes it; 'serve': run it behind a server. */
  status: 'ready' | 'pullable' | 'export' | 'serve';
  /** The pulled folder (ready only). */
  dir?: string;
  /** Bytes to pull, when the catalog lists every size. */
  bytes?: number;
  /** The size as the hub lists it, when the catalog has no exact sizes. */
  listedSize?: string;
  unconfirmed: boolean;
  /** What to run next (or the folder it is in). */
  how: string;
}

function totalBytes(entry: ModelCatalogEntry): number | undefined {
  const sizes = entry.files.map((file) => file.size);
  return sizes.length > 0 && sizes.every((size) => size !== undefined) ? sizes.reduce((sum: number, size) => sum + size!, 0) : undefined;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Every catalog entry with its state in the cache (`$T2IR_CACHE/models`, or `cacheDir`). */
export function catalogStatuses(cacheDir: string = modelsCacheDir()): CatalogModelStatus[] {
  return listCatalog().map((entry) => {
    const manifest = readPullManifest(entry.name, cacheDir);
    const availability = catalogAvailability(entry);
    const ready = manifest !== undefined;
    const bytes = totalBytes(entry);
    const how = ready
      ? `t2ir score --model ${entry.name}`
      : availability === 'pullable'
        ? `t2ir models pull ${entry.name}${entry.unconfirmed ? ' --allow-unconfirmed' : ''}${entry.gated ? ' (gated: set HF_TOKEN)' : ''}`
        : availability === 'export'
          ? `t2ir models export ${entry.name}`
          : (entry.serve ?? 'serve it (see its catalog entry)');
    return {
      name: entry.name,
      kind: entry.expert.kind,
      ...(entry.expert.variant ? { variant: entry.expert.variant } : {}),
      ...(entry.expert.backend ? { backend: entry.expert.backend } : {}),
      repo: entry.repo,
      revision: entry.revision,
      license: entry.license,
      status: ready ? 'ready' : availability,
      ...(ready ? { dir: path.join(cacheDir, entry.name) } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
      ...(entry.listedSize ? { listedSize: entry.listedSize } : {}),
      unconfirmed: entry.unconfirmed === true,
      how,
    };
  });
}

const STATUS_WORDS: Record<CatalogModelStatus['status'], string> = {
  ready: 'ready offline',
  pullable: 'pullable',
  export: 'needs an export',
  serve: 'served',
};

/** The catalog table of `t2ir models`. */
export function renderCatalogTable(rows: readonly CatalogModelStatus[]): string {
  const table = new Table({
    head: ['model', 'kind / variant', 'hub repository @ revision', 'size', 'status', 'next step', 'licence'],
    colWidths: [21, 20, 34, 10, 17, 40, 16],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const row of rows)
    table.push([
      row.name,
      [row.kind, row.variant].filter(Boolean).join(' / '),
      `${row.repo} @ ${row.revision.slice(0, 7)}`,
      row.bytes !== undefined ? formatBytes(row.bytes) : row.listedSize ? `~${row.listedSize}` : '',
      `${STATUS_WORDS[row.status]}${row.unconfirmed ? ' (unconfirmed)' : ''}`,
      row.how,
      row.license,
    ]);
  return table.toString();
}

/** The folder of an expert package's export scripts, where the installed package has them. */
function scriptPath(script: string): string {
  const match = /^packages\/(reward-[a-z-]+)\/(.+)$/.exec(script);
  if (match) {
    try {
      const require = createRequire(import.meta.url);
      const packageJson = require.resolve(`@t2i-reward/${match[1]!.replace(/^reward-/, '')}/package.json`);
      const file = path.join(path.dirname(packageJson), match[2]!);
      if (existsSync(file)) return file;
    } catch {
      // not installed: the repository path below
    }
  }
  return script;
}

/** What `t2ir models export <name>` prints: the requirements and the exact command (nothing is run or installed). */
export function exportInstructions(entry: ModelCatalogEntry, out: string): string {
  const spec = entry.export;
  if (!spec) {
    const why =
      catalogAvailability(entry) === 'pullable'
        ? `its ONNX files are published: t2ir models pull ${entry.name}`
        : `it is served, not exported: ${entry.serve ?? 'see t2ir models'}`;
    throw new UsageError(`${entry.name} needs no export: ${why}`);
  }
  const command = spec.command.replace('{script}', scriptPath(spec.script)).replace('{out}', out);
  // Explicitly relative, so a config reads it as a folder next to itself, never as a hub id.
  const folder = isModelPath(out) ? out : `./${out}`;
  const config = { experts: [catalogExpertConfig(entry.expert, folder)] };
  return [
    `# ${entry.name}: no ONNX export of ${entry.repo} is published; our script makes one (${entry.license}).`,
    `# Needs Python 3 with these packages (t2ir installs nothing for you):`,
    `pip install ${spec.requirements.join(' ')}`,
    command,
    ...(spec.notes ? [`# ${spec.notes}`] : []),
    `# Then score with a config naming the folder, e.g. ${JSON.stringify(config)}`,
    '',
  ].join('\n');
}

interface PullFlags {
  cacheDir?: string;
  endpoint?: string;
  allowUnconfirmed?: boolean;
  force?: boolean;
  retries?: number;
  json?: boolean;
}

/** Progress on stderr: a bar on a terminal, one line per finished file otherwise (logs, CI, tests). */
function progressReporter(name: string): { onProgress: (event: PullProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `pulling ${name} [{bar}] {percentage}% {done}/{size} {file}`, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      onProgress: (event) => {
        const total = event.totalBytes ?? event.fileSize ?? 0;
        const value = event.totalBytes !== undefined ? event.bytes : event.fileBytes;
        const payload = { file: event.file, done: formatBytes(value), size: total ? formatBytes(total) : '?' };
        if (!started) {
          bar.start(total || 1, value, payload);
          started = true;
        }
        if (total) bar.setTotal(total);
        bar.update(value, payload);
      },
      stop: () => bar.stop(),
    };
  }
  return {
    onProgress: (event) => {
      const line = `  ${event.fileIndex + 1}/${event.fileCount} ${event.file}`;
      if (event.phase === 'start' && event.resumedFrom > 0) process.stderr.write(`${line}  resuming at byte ${event.resumedFrom}\n`);
      else if (event.phase === 'done') process.stderr.write(`${line}  ${formatBytes(event.fileBytes)}\n`);
      else if (event.phase === 'skip') process.stderr.write(`${line}  ${formatBytes(event.fileBytes)} (kept from an earlier try)\n`);
    },
    stop: () => undefined,
  };
}

async function runPull(name: string, flags: PullFlags): Promise<number> {
  if (!findCatalogEntry(name)) {
    const known = listCatalog()
      .map((entry) => entry.name)
      .join(', ');
    throw new UsageError(`'${name}' is not in the model catalog (${known})`);
  }
  const reporter = flags.json ? undefined : progressReporter(name);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const result = await pullModel(name, {
      ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
      ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
      ...(flags.allowUnconfirmed ? { allowUnconfirmed: true } : {}),
      ...(flags.force ? { force: true } : {}),
      ...(flags.retries !== undefined ? { retries: flags.retries } : {}),
      ...(reporter ? { onProgress: reporter.onProgress } : {}),
      signal: controller.signal,
    });
    reporter?.stop();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...result, manifest: undefined }, null, 2)}\n`);
      return 0;
    }
    const where = `${result.repo}@${result.revision.slice(0, 12)}`;
    process.stdout.write(
      result.cached
        ? `${name} is already pulled (${where}) in ${result.dir}: nothing fetched\n`
        : `pulled ${name} (${where}) into ${result.dir}: ${result.files.length} files, ${formatBytes(result.received)} received, checksums verified\n`,
    );
    const kind = result.manifest.expert.kind;
    process.stdout.write(`score with: t2ir score --expert ${kind} --model ${name} --image IMAGE --prompt TEXT\n`);
    return 0;
  } finally {
    reporter?.stop();
    process.removeListener('SIGINT', onSignal);
  }
}

/** `t2ir models pull <name>` and `t2ir models export <name>`, under the `models` command. */
export function registerCatalogCommands(models: Command, setExitCode: (code: number) => void): void {
  models
    .command('pull')
    .summary('download a catalog model into the model cache')
    .description(
      'Download a catalog model from the Hugging Face hub ({endpoint}/{repo}/resolve/{revision}/{file}) into the model cache ' +
        '($T2IR_CACHE/models/<name>, default ~/.cache/t2i-reward/models/<name>): pinned revision, SHA-256 checked, a cut download ' +
        'resumes where it stopped, the folder appears only when complete. HF_ENDPOINT picks a mirror; HF_TOKEN signs in for gated models.',
    )
    .argument('<name>', 'catalog name (t2ir models lists them)')
    .option('--cache-dir <dir>', 'models folder to pull into (default: $T2IR_CACHE/models)')
    .option('--endpoint <url>', 'hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)')
    .option('--allow-unconfirmed', 'pull an entry whose repository / files the catalog could not confirm')
    .option('--force', 'download again even when this revision is already in the cache')
    .addOption(new Option('--retries <n>', 'resumptions after a cut connection, per file (default 3)').argParser(nonNegativeInteger))
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: PullFlags, command: Command) => {
      try {
        setExitCode(await runPull(name, flags));
      } catch (error) {
        if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: 2, code: 't2ir.usage' });
        // One line: ModelPullError messages name the file and the fix.
        const message = ModelPullError.isInstance(error) || error instanceof Error ? error.message : String(error);
        process.stderr.write(`t2ir models pull: ${message}\n`);
        setExitCode(1);
      }
    });

  models
    .command('export')
    .summary('print the Python command that exports a catalog model to ONNX')
    .description(
      'For catalog models without a published ONNX export (PickScore, HPS v2.1, ImageReward, BLIP / GIT VQA): print the pip requirements and the exact command of our export script. Nothing is run or installed.',
    )
    .argument('<name>', 'catalog name (t2ir models lists them)')
    .option('--out <dir>', 'output folder for the export (default: ./models/<name>)')
    .action((name: string, flags: { out?: string }, command: Command) => {
      const entry = findCatalogEntry(name);
      try {
        if (!entry)
          throw new UsageError(
            `'${name}' is not in the model catalog (${listCatalog()
              .map((item) => item.name)
              .join(', ')})`,
          );
        process.stdout.write(exportInstructions(entry, flags.out ?? path.join('models', name)));
      } catch (error) {
        if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: 2, code: 't2ir.usage' });
        throw error;
      }
    });
}
