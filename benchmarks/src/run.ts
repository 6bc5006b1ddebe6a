import { promises as fs } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadImage, T2IRewardError, type ImageLoadOptions, type RgbImage, type SpecSource } from '@t2i-reward/core';
import { BenchInputError, errorMessage } from './errors.js';
import type { ImageSource } from './generators/types.js';
import { DurableJsonlWriter } from './jsonl.js';
import { acquireRunLock } from './lock.js';
import type { Protocol, ProtocolOutcome, ProtocolSample } from './protocols/types.js';
import { loadRecords, readManifest, RESULTS_FILE, writeManifest, type RunManifest } from './records.js';
import { writeReports, type RunReport } from './report/write.js';
import { precomputeSpecs } from './specs.js';
import { VERSION } from './version.js';
import { sampleKey, type BadInput, type BenchItem, type ResultRecord, type Suite } from './types.js';

export interface Shard {
  index: number;
  count: number;
}

/**
 * `i/n`, or `auto`: the shard from the environment a cluster engine sets, tried in this order —
 * a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, with `JOB_COMPLETIONS` set from the Job's `completions`:
 * Kubernetes does not expose the count to the pod itself), a Slurm array (`SLURM_ARRAY_TASK_ID` relative to
 * `SLURM_ARRAY_TASK_MIN`, `SLURM_ARRAY_TASK_COUNT`), torchrun / MPI-style launchers (`RANK`, `WORLD_SIZE`).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  if (text.trim() === 'auto') return shardFromEnvironment(env);
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 0 || index >= count) throw new Error(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4) or auto, got '${text}'`);
  return { index, count };
}

/** The shard a cluster engine assigned this process (see {@link parseShard}); throws one line naming what is missing. */
export function shardFromEnvironment(env: NodeJS.ProcessEnv = process.env): Shard {
  const int = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    if (!/^\d+$/.test(raw.trim())) throw new Error(`--shard auto: ${name}='${raw}' is not a non-negative integer`);
    return Number(raw.trim());
  };
  const check = (index: number, count: number, source: string): Shard => {
    if (count < 1 || index >= count) throw new Error(`--shard auto: ${source} gives shard ${index} of ${count}, which does not exist`);
    return { index, count };
  };
  const jobIndex = int('JOB_COMPLETION_INDEX');
  if (jobIndex !== undefined) {
    const completions = int('JOB_COMPLETIONS');
    if (completions === undefined)
      throw new Error('--shard auto: JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not (set it in the Job template to spec.completions)');
    return check(jobIndex, completions, 'JOB_COMPLETION_INDEX / JOB_COMPLETIONS');
  }
  const slurmId = int('SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const count = int('SLURM_ARRAY_TASK_COUNT');
    if (count === undefined)
      throw new Error('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm ≥ 20.02 sets it for --array=0-N)');
    const min = int('SLURM_ARRAY_TASK_MIN') ?? 0;
    if (slurmId < min) throw new Error(`--shard auto: SLURM_ARRAY_TASK_ID ${slurmId} is below SLURM_ARRAY_TASK_MIN ${min}`);
    const step = int('SLURM_ARRAY_TASK_STEP') ?? 1;
    if (step < 1 || (slurmId - min) % step !== 0)
      throw new Error(`--shard auto: SLURM_ARRAY_TASK_ID ${slurmId} is not on the array's step ${step} from ${min}`);
    return check((slurmId - min) / step, count, 'SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT');
  }
  const rank = int('RANK');
  if (rank !== undefined) {
    const worldSize = int('WORLD_SIZE');
    if (worldSize === undefined) throw new Error('--shard auto: RANK is set but WORLD_SIZE is not');
    return check(rank, worldSize, 'RANK / WORLD_SIZE');
  }
  throw new Error(
    '--shard auto: no shard in the environment (set JOB_COMPLETION_INDEX + JOB_COMPLETIONS for a Kubernetes Indexed Job, SLURM_ARRAY_TASK_ID + SLURM_ARRAY_TASK_COUNT for a Slurm array, or RANK + WORLD_SIZE)',
  );
}

export interface RunOptions {
  suite: Suite;
  outDir: string;
  protocol: Protocol;
  source: ImageSource;
  /** At most this many prompts per category (first ones in suite order). */
  limit?: number;
  categories?: string[];
  samplesPerPrompt?: number;
  shard?: Shard;
  /** Images scored per protocol call (default 4). */
  batchSize?: number;
  /**
   * Images obtained (generated / read) and decoded at once (default 1). The next batch is always prepared
   * while the current one is scored, so generation and scoring overlap.
   */
  concurrency?: number;
  /** A progress bar with ETA on stderr (default: when stderr is a TTY). */
  progress?: boolean;
  /** Where messages about bad inputs go (default: stderr). */
  log?: (line: string) => void;
  image?: ImageLoadOptions;
  signal?: AbortSignal;
  /** Called after each record is on disk (tests, custom progress). */
  onRecord?: (record: ResultRecord) => void;
  /** Skip writing summary / CSV / HTML at the end (a shard that will be merged may still want them: default false). */
  skipReports?: boolean;
  /**
   * Where the specs of items without one come from (`t2ir bench --parser openai`): asked once per item before
   * scoring, written to `<outDir>/specs.json` and recorded in the manifest; a resume reads the file.
   */
  specSource?: SpecSource;
}

interface WorkUnit {
  item: BenchItem;
  sample: number;
  key: string;
}

export interface Selection {
  units: WorkUnit[];
  problems: BadInput[];
}

/** Applies category filter, protocol categories, per-category limit, samples and shard: same on every shard. */
export function selectWork(
  items: readonly BenchItem[],
  suite: Suite,
  protocol: Protocol,
  options: Pick<RunOptions, 'categories' | 'limit' | 'samplesPerPrompt' | 'shard'>,
): Selection {
  const problems: BadInput[] = [];
  const known = protocol.categories ?? (suite.categories.length > 0 ? suite.categories : undefined);
  const knownNames = known ? new Set(known.map((c) => c.name)) : undefined;
  let wanted: Set<string> | undefined;
  if (options.categories && options.categories.length > 0) {
    const present = new Set(items.map((item) => item.category));
    const unknown = options.categories.filter((c) => !(knownNames?.has(c) ?? present.has(c)));
    for (const name of unknown) {
      problems.push({ kind: 'unknown-category', message: `unknown category '${name}' (known: ${[...(knownNames ?? present)].join(', ')}); ignored` });
    }
    wanted = new Set(options.categories.filter((c) => !unknown.includes(c)));
    if (wanted.size === 0)
      throw new Error(`no known category among --category ${options.categories.join(',')} (known: ${[...(knownNames ?? present)].join(', ')})`);
  }
  const perCategory = new Map<string, number>();
  const units: WorkUnit[] = [];
  const samples = options.samplesPerPrompt ?? 1;
  for (const item of items) {
    if (knownNames && !knownNames.has(item.category)) {
      problems.push({
        kind: 'unknown-category',
        itemId: item.id,
        message: `${item.origin ?? item.id}: unknown category '${item.category}' for protocol ${protocol.name} (known: ${[...knownNames].join(', ')}); item skipped`,
      });
      continue;
    }
    if (wanted && !wanted.has(item.category)) continue;
    const seen = perCategory.get(item.category) ?? 0;
    if (options.limit !== undefined && seen >= options.limit) continue;
    perCategory.set(item.category, seen + 1);
    for (let sample = 0; sample < samples; sample++) units.push({ item, sample, key: sampleKey(item.id, sample) });
  }
  const shard = options.shard;
  return { units: shard ? units.filter((_, i) => i % shard.count === shard.index) : units, problems };
}

export interface RunResult extends RunReport {
  /** Units scored (or failed) by this invocation; the rest were done before. */
  processed: number;
  skipped: number;
}

function relativeImage(runDir: string, file: string): string {
  const relative = path.relative(runDir, file);
  return path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

/** Per image: decode failures and missing files become typed bad inputs, never exceptions. */
function toBadInput(error: unknown, unit: WorkUnit): BadInput {
  if (BenchInputError.isInstance(error)) return { kind: error.kind, itemId: unit.item.id, message: error.message };
  if (T2IRewardError.isInstance(error)) {
    const kind = error.code === 'IMAGE_DECODE' || error.code === 'IMAGE_TOO_LARGE' ? 'decode-error' : 'missing-image';
    return {
      kind,
      itemId: unit.item.id,
      message: `${kind === 'decode-error' ? 'cannot decode image' : 'cannot read image'} for "${unit.item.prompt}": ${error.message}`,
    };
  }
  return { kind: 'generator-error', itemId: unit.item.id, message: `"${unit.item.prompt}": ${errorMessage(error)}` };
}

/**
 * Runs (or resumes) a benchmark into `outDir`: every record is appended to results.jsonl and fsync'd as soon as
 * its image is scored; a re-run skips keys already scored (errors are retried), so a crash loses at most the
 * batch in flight. Ends by writing summary.json, results.csv and report.html. One run writes a folder at a time
 * (`bench.lock`, see acquireRunLock): a second is refused with a BenchLockedError.
 */
export async function runBench(options: RunOptions): Promise<RunResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await fs.mkdir(options.outDir, { recursive: true });
  // One writer per run folder: a second run into the same --out is refused (a crashed run's lock is taken over).
  const release = await acquireRunLock(options.outDir, { log });
  try {
    return await runBenchLocked(options, log);
  } finally {
    await release();
  }
}

async function runBenchLocked(options: RunOptions, log: (line: string) => void): Promise<RunResult> {
  const { suite, protocol, source, outDir } = options;
  const samplesPerPrompt = options.samplesPerPrompt ?? 1;

  const loaded = await suite.load();
  const selection = selectWork(loaded.items, suite, protocol, { ...options, samplesPerPrompt });
  const problems = [...loaded.problems, ...selection.problems];
  for (const problem of problems) log(`! ${problem.message}`);

  const shardText = options.shard ? `${options.shard.index}/${options.shard.count}` : undefined;
  const previous = await readManifest(outDir);
  const protocolInfo = { name: protocol.name, metric: protocol.metric, overall: protocol.overall, ...protocol.describe() };
  if (previous) {
    const mismatch =
      previous.suite !== suite.name
        ? `suite ${previous.suite}`
        : JSON.stringify(previous.protocol) !== JSON.stringify(protocolInfo)
          ? `protocol ${JSON.stringify(previous.protocol)}`
          : previous.samplesPerPrompt !== samplesPerPrompt
            ? `--samples-per-prompt ${previous.samplesPerPrompt}`
            : previous.shard !== shardText
              ? `shard ${previous.shard ?? 'none'}`
              : undefined;
    if (mismatch) throw new Error(`${outDir} holds a run made with ${mismatch}; use another --out folder (or delete it) to run with these settings`);
  }
  const specs = options.specSource
    ? await precomputeSpecs(
        outDir,
        selection.units.map((unit) => unit.item),
        options.specSource,
        { log, ...(options.signal ? { signal: options.signal } : {}) },
      )
    : undefined;
  const now = new Date().toISOString();
  const manifest: RunManifest = {
    tool: 't2i-reward-bench',
    formatVersion: 1,
    version: VERSION,
    suite: suite.name,
    protocol: protocolInfo,
    samplesPerPrompt,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.categories?.length ? { categories: options.categories } : {}),
    ...(shardText ? { shard: shardText } : {}),
    source: source.description,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    expected: selection.units.length,
    problems,
    ...(specs ? { specs } : {}),
  };
  await writeManifest(outDir, manifest);

  const { records: existing } = await loadRecords(outDir);
  const done = new Set(existing.filter((r) => r.status !== 'error').map((r) => r.key));
  const pending = selection.units.filter((unit) => !done.has(unit.key));
  const skipped = selection.units.length - pending.length;

  const writer = new DurableJsonlWriter(path.join(outDir, RESULTS_FILE));
  const showProgress = options.progress ?? Boolean(process.stderr.isTTY);
  const bars = showProgress
    ? new cliProgress.MultiBar(
        {
          stream: process.stderr,
          format: ' {bar} {percentage}% | {value}/{total} images | ETA {eta_formatted} | {rate} img/s | bad {bad}',
          hideCursor: true,
          etaBuffer: 20,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bar = bars?.create(pending.length, 0, { rate: '-', bad: 0 });
  const say = (line: string) => (bars ? bars.log(`${line}\n`) : log(line));
  const started = Date.now();
  let processed = 0;
  let bad = 0;
  const missing: string[] = [];

  const write = (unit: WorkUnit, outcome: Omit<ProtocolOutcome, 'experts'> & { experts?: ProtocolOutcome['experts'] }, extra: Partial<ResultRecord>) => {
    const record: ResultRecord = {
      key: unit.key,
      itemId: unit.item.id,
      sample: unit.sample,
      prompt: unit.item.prompt,
      category: unit.item.category,
      status: outcome.status,
      score: outcome.score,
      ...(outcome.correct !== undefined ? { correct: outcome.correct } : {}),
      experts: outcome.experts ?? {},
      warnings: outcome.warnings,
      ...(outcome.problem ? { problem: outcome.problem } : {}),
      ...extra,
      time: new Date().toISOString(),
      ...(shardText ? { shard: shardText } : {}),
    };
    writer.append(record);
    processed++;
    if (record.status === 'error' && record.problem?.kind === 'missing-image') {
      // Missing images are counted and summed up in one line at the end, not one line each.
      bad++;
      missing.push(record.problem.message);
    } else if (record.status === 'error') {
      bad++;
      // Each warning names its item, prompt and image, so a long run's log can be acted on line by line.
      const prompt = unit.item.prompt.length > 60 ? `${unit.item.prompt.slice(0, 59)}…` : unit.item.prompt;
      say(`! ${unit.item.id} "${prompt}"${record.image ? ` (${record.image})` : ''}: ${record.problem?.message ?? 'failed'}`);
    }
    const elapsed = (Date.now() - started) / 1000;
    bar?.update(processed, { rate: elapsed > 0 ? (processed / elapsed).toFixed(2) : '-', bad });
    options.onRecord?.(record);
  };

  try {
    const batchSize = Math.max(1, options.batchSize ?? 4);
    const concurrency = Math.max(1, options.concurrency ?? 1);
    type Ready = { unit: WorkUnit; sample: ProtocolSample; file: string; t0: number };
    // Obtains (generates) and decodes one batch, up to `concurrency` images at a time; bad inputs are
    // recorded here, so only usable images reach the protocol.
    const prepare = async (batch: readonly WorkUnit[]): Promise<Ready[]> => {
      const ready: (Ready | undefined)[] = new Array(batch.length);
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const index = next++;
          const unit = batch[index]!;
          const t0 = Date.now();
          const reason = protocol.unsupportedReason(unit.item.category);
          if (reason) {
            // A missing image is missing in every task alike: not an unsupported (= incorrect) one.
            const absent = source.missingImage ? await source.missingImage(unit.item, unit.sample) : undefined;
            if (absent) write(unit, { status: 'error', score: null, warnings: [], problem: toBadInput(absent, unit) }, {});
            else write(unit, { status: 'unsupported', score: null, warnings: [reason] }, {});
            continue;
          }
          let file: string | undefined;
          let image: RgbImage;
          try {
            file = await source.obtain(unit.item, unit.sample, { runDir: outDir, samplesPerPrompt, ...(options.signal ? { signal: options.signal } : {}) });
            image = await loadImage(file, options.image);
          } catch (error) {
            if (options.signal?.aborted) throw error;
            write(unit, { status: 'error', score: null, warnings: [], problem: toBadInput(error, unit) }, file ? { image: relativeImage(outDir, file) } : {});
            continue;
          }
          ready[index] = { unit, sample: { item: unit.item, image }, file, t0 };
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
      return ready.filter((r): r is Ready => r !== undefined);
    };
    const batches: WorkUnit[][] = [];
    for (let start = 0; start < pending.length; start += batchSize) batches.push(pending.slice(start, start + batchSize));
    // Pipelined: the next batch is generated / decoded while this one is scored.
    let upcoming: Promise<Ready[]> | undefined = batches[0] ? prepare(batches[0]) : undefined;
    for (let b = 0; b < batches.length; b++) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      const ready = await upcoming!;
      upcoming = batches[b + 1] ? prepare(batches[b + 1]!) : undefined;
      // If scoring throws, the prefetch must not surface as an unhandled rejection.
      upcoming?.catch(() => undefined);
      if (ready.length === 0) continue;
      let outcomes: ProtocolOutcome[];
      try {
        outcomes = await protocol.score(
          ready.map((r) => r.sample),
          options.signal,
        );
      } catch (error) {
        if (options.signal?.aborted) throw error;
        // A whole-batch failure (model load, runtime): fatal, since every later batch would fail the same way.
        throw new Error(`scoring failed: ${errorMessage(error)}`, { cause: error });
      }
      ready.forEach((r, i) => {
        const outcome = outcomes[i]!;
        write(r.unit, outcome, {
          image: relativeImage(outDir, r.file),
          imageHash: r.sample.image.hash,
          imageSize: [r.sample.image.width, r.sample.image.height],
          ms: Date.now() - r.t0,
        });
      });
    }
    // A prefetch still running when the loop ended early has nothing left to do.
    await upcoming?.catch(() => undefined);
  } finally {
    writer.close();
    bars?.stop();
    if (missing.length > 0) {
      log(
        `! ${missing.length} of ${pending.length} images missing from ${source.description.replace(/^folder:\w+:/, '')} (first: ${missing[0]!.replace(/^missing image: /, '')}); the run is incomplete`,
      );
    }
  }

  const report = await writeReports(outDir, { skipFiles: options.skipReports === true });
  return { ...report, processed, skipped };
}
