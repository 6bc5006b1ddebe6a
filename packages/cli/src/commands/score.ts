import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import cliProgress from 'cli-progress';
import {
  EXAMPLE_IMAGES,
  outcomeToJson,
  T2IRewardError,
  validatePromptSpec,
  type EnsembleItemResult,
  type ImageLoadOptions,
  type PromptSpec,
  type ScoreInput,
} from '@t2i-reward/core';
import { nonNegativeInteger, positiveInteger } from './arguments.js';
import { buildEnsemble, KNOWN_EXPERT_KINDS, poolOption, resolveEnsembleConfig, THREADS_FLAG_HELP, UsageError } from './ensemble-setup.js';

interface ScoreFlags {
  image?: string[];
  prompt?: string[];
  promptsFile?: string;
  config?: string;
  expert?: string[];
  aggregate?: 'mean' | 'weighted-mean' | 'sum';
  onMissing?: 'skip' | 'zero' | 'fail';
  allowUrl?: string[];
  maxPixels?: number;
  batchSize?: number;
  threads?: number;
  json?: boolean;
}

/** One row to score: the input plus how to show it. */
interface ScoreItem extends ScoreInput {
  label: string;
}

function labelOf(image: string): string {
  if (image.startsWith('data:')) return `data URL (${image.length} chars)`;
  if (/^https?:\/\//i.test(image)) return image;
  const relative = path.relative(process.cwd(), image);
  return relative.startsWith('..') || path.isAbsolute(relative) ? image : relative;
}

async function readPromptLines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch((error: unknown) => {
    throw new UsageError(`--prompts-file ${file}: ${(error as Error).message}`);
  });
  // T2I-CompBench lists use CRLF line ends and no final newline.
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
}

/** A .jsonl prompts file: one {"image", "prompt", "spec"?} object per line; images relative to the file. */
async function readJsonlItems(file: string): Promise<ScoreItem[]> {
  const lines = await readPromptLines(file);
  const base = path.dirname(path.resolve(file));
  return lines.map((line, index) => {
    let row: { image?: unknown; prompt?: unknown; spec?: unknown };
    try {
      row = JSON.parse(line) as typeof row;
    } catch (error) {
      throw new UsageError(`${file}:${index + 1}: not JSON (${(error as Error).message})`);
    }
    if (typeof row.image !== 'string' || typeof row.prompt !== 'string') {
      throw new UsageError(`${file}:${index + 1}: needs string "image" and "prompt" fields`);
    }
    const isPath = !/^(data:|https?:\/\/)/i.test(row.image);
    const image = isPath ? path.resolve(base, row.image) : row.image;
    let spec: PromptSpec | undefined;
    if (row.spec !== undefined) {
      try {
        spec = validatePromptSpec(row.spec);
      } catch (error) {
        throw new UsageError(`${file}:${index + 1}: ${(error as Error).message}`);
      }
    }
    return { image, prompt: row.prompt, label: isPath ? labelOf(image) : labelOf(row.image), ...(spec ? { spec } : {}) };
  });
}

/** Pairs images with prompts: one prompt for all, one per image, or the example photos' own prompts. */
export async function collectItems(flags: ScoreFlags): Promise<ScoreItem[]> {
  if (flags.promptsFile?.endsWith('.jsonl')) {
    if (flags.image?.length || flags.prompt?.length) throw new UsageError('a .jsonl --prompts-file names its own images and prompts: drop --image / --prompt');
    const items = await readJsonlItems(flags.promptsFile);
    if (items.length === 0) throw new UsageError(`${flags.promptsFile} holds no items`);
    return items;
  }
  if (flags.prompt?.length && flags.promptsFile) throw new UsageError('give --prompt or --prompts-file, not both');
  const prompts = flags.promptsFile ? await readPromptLines(flags.promptsFile) : (flags.prompt ?? []);
  if (flags.promptsFile && prompts.length === 0) throw new UsageError(`${flags.promptsFile} holds no prompts`);
  const useExamples = !flags.image?.length;
  const images = useExamples ? EXAMPLE_IMAGES.map((example) => example.path) : flags.image!;
  const labels = useExamples ? EXAMPLE_IMAGES.map((example) => path.basename(example.path)) : images.map(labelOf);
  let pairedPrompts: string[];
  if (prompts.length === 0) {
    if (!useExamples) throw new UsageError('--image needs --prompt TEXT (one for all images or one per image) or --prompts-file');
    pairedPrompts = EXAMPLE_IMAGES.map((example) => example.prompt);
  } else if (prompts.length === 1) {
    pairedPrompts = images.map(() => prompts[0]!);
  } else if (prompts.length === images.length) {
    pairedPrompts = prompts;
  } else {
    throw new UsageError(`${prompts.length} prompts for ${images.length} images: give one prompt for all images or one per image`);
  }
  return images.map((image, index) => ({ image, prompt: pairedPrompts[index]!, label: labels[index]! }));
}

function formatScore(value: number | null | undefined): string {
  return typeof value === 'number' ? value.toFixed(4) : '–';
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** The JSON shape of one result: `{image, prompt, reward, experts: {NAME: {score, raw, details, warnings, error}}, warnings, error}`. */
export function resultToJson(item: ScoreItem, result: EnsembleItemResult): Record<string, unknown> {
  return {
    image: item.label,
    prompt: item.prompt,
    reward: result.reward,
    experts: Object.fromEntries(Object.entries(result.experts).map(([name, outcome]) => [name, outcomeToJson(outcome)])),
    warnings: result.warnings,
    ...(result.error ? { error: result.error.toJSON() } : {}),
    ...(result.image ? { hash: result.image.hash, width: result.image.width, height: result.image.height } : {}),
  };
}

function renderTable(items: readonly ScoreItem[], results: readonly EnsembleItemResult[], expertNames: readonly string[]): string {
  const table = new Table({
    head: ['image', 'prompt', 'reward', ...expertNames, 'why', 'warnings'],
    // Long explanations and warnings wrap in bounded columns instead of widening the table.
    colWidths: [null, null, null, ...expertNames.map(() => null), 40, 40],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  results.forEach((result, index) => {
    const item = items[index]!;
    const notes = result.error ? [`error: ${result.error.message}`, ...result.warnings] : result.warnings;
    table.push([
      truncate(item.label, 40),
      truncate(item.prompt, 50),
      result.error ? 'error' : formatScore(result.reward),
      ...expertNames.map((name) => {
        const outcome = result.experts[name];
        if (!outcome) return '–';
        return outcome.error ? 'error' : formatScore(outcome.score);
      }),
      expertNames.map((name) => explainDetails(result.experts[name]?.details)).filter(Boolean).join('; '),
      truncate(notes.join('; '), 240),
    ]);
  });
  return table.toString();
}

/**
 * One line on why an expert scored what it did, read from the conventional `details` fields of the built-in
 * experts: `objects` (detector: boxes found / count asked), `relations` (detector: relation score) and
 * `questions` (vqa: P(yes) ratio per question). Other details give ''.
 */
export function explainDetails(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  const parts: string[] = [];
  const records = (key: string): Record<string, unknown>[] =>
    Array.isArray(details[key]) ? (details[key] as unknown[]).filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
  for (const object of records('objects')) {
    const found = typeof object.found === 'number' ? object.found : undefined;
    const asked = typeof object.count === 'number' ? `/${object.count}` : '';
    if (typeof object.name !== 'string') continue;
    parts.push(object.label === null ? `${object.name} not detectable` : `${object.name} ${found === undefined ? '?' : `${found}${asked}`}`);
  }
  for (const relation of records('relations')) {
    const score = typeof relation.score === 'number' ? relation.score.toFixed(2) : 'n/a';
    parts.push(`${String(relation.subject)} ${String(relation.relation)} ${String(relation.object)}: ${score}`);
  }
  for (const question of records('questions')) {
    const ratio = typeof question.ratio === 'number' ? question.ratio.toFixed(2) : 'n/a';
    parts.push(`${String(question.question)} ${ratio}`);
  }
  return parts.join(', ');
}

async function runScore(flags: ScoreFlags): Promise<number> {
  const items = await collectItems(flags);
  const { config, isDefault } = await resolveEnsembleConfig({
    ...(flags.config ? { config: flags.config } : {}),
    ...(flags.expert ? { experts: flags.expert } : {}),
    ...(flags.aggregate ? { aggregate: flags.aggregate } : {}),
    ...(flags.onMissing ? { onMissing: flags.onMissing } : {}),
    ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
  });
  const image: ImageLoadOptions = {
    ...(flags.allowUrl?.length ? { allowUrls: [...(config.image?.allowUrls ?? []), ...flags.allowUrl] } : {}),
    ...(flags.maxPixels ? { maxPixels: flags.maxPixels } : {}),
  };
  const ensemble = await buildEnsemble(config, isDefault, { image, ...poolOption(flags.threads) });
  const showProgress = !flags.json && process.stderr.isTTY === true && items.length > 1;
  const bar = showProgress
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'scoring [{bar}] {value}/{total} images', clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  let results: EnsembleItemResult[];
  try {
    bar?.start(items.length, 0);
    results = await ensemble.score(items, { signal: controller.signal, onProgress: (done) => bar?.update(done) });
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSignal);
    await ensemble.dispose().catch(() => undefined);
  }
  const expertNames = ensemble.experts.map((expert) => expert.name);
  if (flags.json) {
    const output = {
      results: results.map((result, index) => resultToJson(items[index]!, result)),
      ensemble: {
        aggregate: ensemble.aggregate,
        onMissing: ensemble.onMissing,
        experts: ensemble.experts.map((expert) => ({ name: expert.name, kind: expert.model.kind, modelId: expert.model.modelId, version: expert.model.version, weight: expert.weight })),
      },
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderTable(items, results, expertNames)}\n`);
    const failed = results.filter((result) => result.error).length;
    process.stdout.write(`${results.length} image(s), ${failed} failed; reward = ${ensemble.aggregate} of ${expertNames.join(', ')}\n`);
  }
  // Partial failures are reported per item; the command fails only when nothing could be scored.
  return results.length > 0 && results.every((result) => result.error) ? 1 : 0;
}

export function registerScoreCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('score')
    .summary('score images against prompts with a reward ensemble')
    .description(
      'Score images against prompts with a reward ensemble and print one row per image (or --json). ' +
      'With no --image it scores the bundled example photos with their own prompts. With no --config it uses the ' +
      `offline default ensemble: the COCO detector (CenterNet on TF.js). Expert kinds: ${KNOWN_EXPERT_KINDS.join(', ')} (see t2ir models).`,
    )
    .option('-i, --image <path...>', 'images to score: file paths, data: URLs, or http(s) URLs admitted by --allow-url')
    .option('-p, --prompt <text...>', 'the prompt: one for every image, or one per image in order')
    .option('--prompts-file <file>', 'prompts, one per line, paired with the images in order; a .jsonl file instead holds {"image","prompt","spec"?} per line (images relative to the file)')
    .option('-c, --config <file>', 'ensemble config JSON: {"aggregate","onMissing","image","experts":[{"kind","name","weight","backend":{"type","model"},"options"}]}')
    .option('-e, --expert <kind...>', 'only these experts (kinds or names from the config; without --config, each kind with its defaults)')
    .addOption(new Option('--aggregate <mode>', 'how expert scores combine (overrides the config)').choices(['mean', 'weighted-mean', 'sum']))
    .addOption(new Option('--on-missing <policy>', 'a missing expert score is skipped, counted as 0, or fails the item').choices(['skip', 'zero', 'fail']))
    .option('--allow-url <origin...>', 'http(s) origins or URL prefixes images may be fetched from (refused otherwise)')
    .option('--max-pixels <n>', 'refuse images larger than this many pixels (default 67108864)', positiveInteger)
    .option('--batch-size <n>', 'images per expert call (default 16)', positiveInteger)
    .option('--threads <n>', THREADS_FLAG_HELP, nonNegativeInteger)
    .option('--json', 'print one JSON object {results:[{image, prompt, reward, experts:{NAME:{score, raw, details, warnings, error}}, warnings, error}]}')
    .addHelpText('after', [
      '',
      'Examples:',
      '  t2ir score                                      # the bundled photos, offline default ensemble',
      '  t2ir score --image dog.jpg --prompt "a dog next to a bicycle" --json',
      '  t2ir score --image a.png b.png --prompt "a red car" "two cats" --config ensemble.json',
      '  t2ir score --prompts-file items.jsonl --expert detector',
      '',
      'Exit status: 0 when at least one image was scored, 1 when none could be, 2 for bad flags.',
    ].join('\n'))
    .action(async (flags: ScoreFlags, command: Command) => {
      try {
        setExitCode(await runScore(flags));
      } catch (error) {
        if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: 2, code: 't2ir.usage' });
        const message = T2IRewardError.isInstance(error) || error instanceof Error ? error.message : String(error);
        process.stderr.write(`t2ir score: ${message}\n`);
        setExitCode(1);
      }
    });
}
