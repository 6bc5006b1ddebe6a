import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import cliProgress from 'cli-progress';
import {
  ENSEMBLE_PRESET_NAMES,
  EXAMPLE_IMAGES,
  errorCauseChain,
  findFixtureModels,
  explainDetails as coreExplainDetails,
  outcomeToJson,
  registryForConfig,
  resolveSpec,
  validatePromptSpec,
  type JudgedAspect,
  type EnsembleItemResult,
  type ImageLoadOptions,
  type PromptSpec,
  type RewardRegistry,
  type ScoreInput,
} from '@t2i-reward/core';
import { cliRegistry } from './registry.js';
import { nonNegativeInteger, positiveInteger } from './arguments.js';
import { buildEnsemble, failCommand, KNOWN_EXPERT_KINDS, poolOption, resolveEnsembleConfig, THREADS_FLAG_HELP } from './ensemble-setup.js';
import { UsageError } from './usage-error.js';
import { addParserOptions, parserFromFlags, type ParserFlags } from './parser-flags.js';

interface ScoreFlags extends ParserFlags {
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
  preset?: string;
  model?: string;
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
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
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

/**
 * What `t2ir score` (`npm start`) scores with no arguments: the bundled photos with prompts that exercise each rule
 * of the reward, passing and failing: existence, the count rule (three horses: 3/3; two birds: 1/2 → 0), the
 * spatial rule (the person is left of the horse: 1; the dog is not right of the bicycle: 0.6·0 + 0.4·1), and a
 * painting the COCO photo detector finds no one in (its "why" says so).
 */
export const SHOWCASE: readonly { image: string; prompt: string }[] = [
  { image: 'giraffe', prompt: 'a giraffe and a zebra' },
  { image: 'horses', prompt: 'three horses' },
  { image: 'eagle', prompt: 'two birds' },
  { image: 'person', prompt: 'a person on the left of a horse' },
  { image: 'dog', prompt: 'a dog on the right of a bicycle' },
  { image: 'scream', prompt: 'a painting of a man screaming' },
];

/** Pairs images with prompts: one prompt for all, one per image, or the showcase (the bundled photos, see SHOWCASE). */
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
  if (useExamples && prompts.length === 0) {
    return SHOWCASE.map(({ image, prompt }) => {
      const file = EXAMPLE_IMAGES.find((example) => example.name === image)!.path;
      return { image: file, prompt, label: path.basename(file) };
    });
  }
  const images = useExamples ? EXAMPLE_IMAGES.map((example) => example.path) : flags.image!;
  const labels = useExamples ? EXAMPLE_IMAGES.map((example) => path.basename(example.path)) : images.map(labelOf);
  let pairedPrompts: string[];
  if (prompts.length === 0) {
    throw new UsageError('--image needs --prompt TEXT (one for all images or one per image) or --prompts-file');
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

/** An expert of the ensemble and what of a prompt it checks (its plugin's `judges`; undefined: not declared). */
export interface JudgingExpert {
  name: string;
  kind: string;
  judges?: readonly JudgedAspect[];
}

const ASPECT_WORDS: Record<JudgedAspect, string> = {
  objects: 'objects',
  counts: 'counts',
  positions: 'positions',
  attributes: 'attributes',
  text: 'rendered text',
  overall: 'the image as a whole',
};

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** "detector judges objects, counts and positions; ocr judges rendered text": what each expert checks, in words. */
function whatTheyJudge(experts: readonly JudgingExpert[]): string {
  const byKind = new Map<string, readonly JudgedAspect[]>();
  for (const expert of experts) byKind.set(expert.kind, expert.judges ?? []);
  return [...byKind].map(([kind, judges]) => `${kind} judges ${listWords(judges.map((aspect) => ASPECT_WORDS[aspect]))}`).join('; ');
}

/**
 * Warnings for the parts of a prompt that no expert of this ensemble checks, from what each expert declares it
 * judges (ExpertPlugin.judges): attribute words ("a blue car" with the detector alone scores 1 for any car), quoted
 * text without an OCR expert, and a prompt that is not English (only English prompts are parsed). No warning when
 * an expert does not declare what it judges (nothing can be claimed about it).
 */
export function uncheckedPartsWarnings(item: ScoreInput, experts: readonly JudgingExpert[]): string[] {
  let spec: PromptSpec;
  try {
    spec = resolveSpec(item);
  } catch {
    return [];
  }
  const readsPrompt = experts.filter((expert) => expert.judges?.some((aspect) => aspect !== 'overall' && aspect !== 'text'));
  if (spec.unsupported === 'not-english') {
    // Only English prompts are parsed: experts that read objects, counts, positions or attributes get nothing.
    return readsPrompt.length > 0 || experts.length === 0
      ? [
          `the prompt is not English: only English prompts are parsed, so ${listWords([...new Set(readsPrompt.map((expert) => expert.kind))]) || 'the experts'} cannot read objects, counts, positions or attributes from it; write the prompt in English (or give a spec)`,
        ]
      : [];
  }
  if (experts.length === 0 || experts.some((expert) => expert.judges === undefined)) return [];
  const judged = new Set(experts.flatMap((expert) => expert.judges ?? []));
  const warnings: string[] = [];
  const phrases = spec.objects.filter((object) => object.attributes?.length).map((object) => `"${object.attributes!.join(' ')}" (${object.name})`);
  if (phrases.length > 0 && !judged.has('attributes')) {
    warnings.push(`attributes not checked: ${phrases.join(', ')}; ${whatTheyJudge(experts)}; add a vqa (or orm) expert to check colours and attributes`);
  }
  const text = spec.text ?? quotedSpans(item.prompt);
  if (text.length > 0 && !judged.has('text')) {
    warnings.push(`text not checked: ${text.map((span) => `"${span}"`).join(', ')}; ${whatTheyJudge(experts)}; add an ocr expert to read it`);
  }
  return warnings;
}

/** The prompt's double-quoted spans ("…" or “…”), for specs that carry no `text` (user specs, converters). */
function quotedSpans(prompt: string): string[] {
  return [...prompt.matchAll(/"([^"]+)"|\u201c([^\u201d]+)\u201d/g)].map((match) => (match[1] ?? match[2]!).trim()).filter(Boolean);
}

/**
 * Experts that failed on every image they were given (model load, unreachable server): reported once on stderr with
 * the underlying cause instead of once per row.
 */
export function expertWideFailures(results: readonly EnsembleItemResult[], expertNames: readonly string[]): Map<string, string> {
  const failures = new Map<string, string>();
  for (const name of expertNames) {
    const outcomes = results.map((result) => result.experts[name]).filter((outcome) => outcome !== undefined);
    if (outcomes.length > 0 && outcomes.every((outcome) => outcome.error)) failures.set(name, errorCauseChain(outcomes[0]!.error).join(': '));
  }
  return failures;
}

interface TableOptions {
  /** Terminal width to fit (undefined: no limit, e.g. output to a file). */
  width?: number;
  /** Experts whose failure on every image is reported once elsewhere. */
  failedExperts: ReadonlyMap<string, string>;
  /** Experts scored by random-weight test fixtures (marked in their header). */
  fixtureExperts: ReadonlySet<string>;
  /** The registry the ensemble was built in: each kind's own `explain` for the "why" column. */
  registry: RewardRegistry;
}

function rowNotes(result: EnsembleItemResult, failedExperts: ReadonlyMap<string, string>): string[] {
  const repeated = (text: string) =>
    [...failedExperts.keys()].some((name) => text.startsWith(`${name} failed`) || text.includes(`(${name}: `) || text.startsWith(`no score from ${name}`));
  const notes = result.warnings.filter((warning) => !repeated(warning));
  if (result.error)
    notes.unshift(repeated(result.error.message) ? `error: ${[...failedExperts.keys()].join(', ')} failed (see above)` : `error: ${result.error.message}`);
  return notes;
}

function renderTable(items: readonly ScoreItem[], results: readonly EnsembleItemResult[], expertNames: readonly string[], options: TableOptions): string {
  const rows = results.map((result, index) => {
    const item = items[index]!;
    return [
      truncate(item.label, 40),
      truncate(item.prompt, 50),
      result.error ? 'error' : formatScore(result.reward),
      ...expertNames.map((name) => {
        const outcome = result.experts[name];
        if (!outcome) return '–';
        return outcome.error ? 'error' : formatScore(outcome.score);
      }),
      explainResult(result, expertNames, item.prompt, options.registry),
      truncate(rowNotes(result, options.failedExperts).join('; '), 240),
    ];
  });
  const head = ['image', 'prompt', 'reward', ...expertNames.map((name) => (options.fixtureExperts.has(name) ? `${name} (fixture)` : name)), 'why', 'warnings'];
  // Columns that are empty on every row (often "why" or "warnings") are dropped.
  const keep = head.map((_, column) => column < 3 + expertNames.length || rows.some((row) => row[column]!.length > 0));
  const widths = fitWidths(head, rows, keep, options.width);
  const table = new Table({
    head: head.filter((_, column) => keep[column]),
    colWidths: widths,
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push(row.filter((_, column) => keep[column]));
  return table.toString();
}

/**
 * Column widths that fit `width` columns: each column asks for its longest cell (+2 padding, +1 border); when the
 * sum is too wide, the widest columns give up space first, down to a floor of 8 characters.
 */
export function fitWidths(head: readonly string[], rows: readonly string[][], keep: readonly boolean[], width: number | undefined): number[] {
  const columns = head.map((_, column) => column).filter((column) => keep[column]);
  const wants = columns.map((column) => Math.max(head[column]!.length, ...rows.map((row) => row[column]!.length)) + 2);
  if (width === undefined) return wants.map((want) => Math.min(want, 42));
  const budget = width - (columns.length + 1);
  const widths = [...wants];
  let total = widths.reduce((sum, w) => sum + w, 0);
  while (total > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= 8) break;
    widths[widest]!--;
    total--;
  }
  return widths;
}

/** The "why" column: each expert's own `explain` (through its plugin in `registry`) over its details, joined by "; ". */
export function explainResult(
  result: EnsembleItemResult,
  expertNames: readonly string[] = Object.keys(result.experts),
  prompt?: string,
  registry: RewardRegistry = cliRegistry,
): string {
  return expertNames
    .map((name) => {
      const outcome = result.experts[name];
      if (!outcome) return '';
      return registry.explain(outcome, prompt !== undefined ? { prompt } : {});
    })
    .filter(Boolean)
    .join('; ');
}

/** Each expert with what its plugin says it judges (a kind whose plugin cannot be found: undeclared). */
async function judgingExperts(experts: readonly { name: string; kind: string }[], registry: RewardRegistry): Promise<JudgingExpert[]> {
  return Promise.all(
    experts.map(async (expert) => {
      const plugin = await registry.resolveExpert(expert.kind).catch(() => undefined);
      return { ...expert, ...(plugin?.judges ? { judges: plugin.judges } : {}) };
    }),
  );
}

/** The contract records of `details` in one line (core's `explainDetails`; kept here for existing callers). */
export const explainDetails = coreExplainDetails;

async function runScore(flags: ScoreFlags): Promise<number> {
  const items = await collectItems(flags);
  const { config, isDefault } = await resolveEnsembleConfig({
    ...(flags.config ? { config: flags.config } : {}),
    ...(flags.expert ? { experts: flags.expert } : {}),
    ...(flags.aggregate ? { aggregate: flags.aggregate } : {}),
    ...(flags.onMissing ? { onMissing: flags.onMissing } : {}),
    ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
    ...(flags.preset ? { preset: flags.preset } : {}),
    ...(flags.model ? { model: flags.model } : {}),
  });
  const image: ImageLoadOptions = {
    ...(flags.allowUrl?.length ? { allowUrls: [...(config.image?.allowUrls ?? []), ...flags.allowUrl] } : {}),
    ...(flags.maxPixels ? { maxPixels: flags.maxPixels } : {}),
  };
  const parser = parserFromFlags(flags);
  // The config's plugins in a registry of this run's own: the ensemble is built in it, and its kinds explain themselves.
  const registry = await registryForConfig(config, { registry: cliRegistry });
  const { plugins: _loaded, ...built } = config;
  const ensemble = await buildEnsemble(built, isDefault, { registry, image, ...poolOption(flags.threads), ...(parser ? { parser } : {}) });
  const showProgress = !flags.json && process.stderr.isTTY === true && items.length > 1;
  const bar = showProgress
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 'scoring [{bar}] {value}/{total} images', clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
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
  const judging = await judgingExperts(
    ensemble.experts.map((expert) => ({ name: expert.name, kind: expert.model.kind })),
    registry,
  );
  results.forEach((result, index) => {
    if (result.error) return;
    result.warnings.push(...uncheckedPartsWarnings(items[index]!, judging));
  });
  const fixtures = await findFixtureModels(config, flags.config ? path.dirname(path.resolve(flags.config)) : process.cwd());
  const fixtureExperts = new Set(fixtures.map((use) => use.expert));
  const notices =
    fixtures.length > 0
      ? [
          `${[...fixtureExperts].join(', ')}: scored by random-weight test fixture models (${fixtures.map((use) => labelOf(use.model)).join(', ')}); their scores carry no meaning`,
        ]
      : [];
  const failedExperts = expertWideFailures(results, expertNames);
  for (const [name, message] of failedExperts) process.stderr.write(`t2ir score: expert '${name}' failed on every image: ${message}\n`);
  // "Scored" means a reward came out; an item no expert could judge (e.g. no nameable object) counts as failed,
  // as in `t2ir bench`.
  const scored = results.filter((result) => !result.error && typeof result.reward === 'number').length;
  const unjudged = results.filter((result) => !result.error && typeof result.reward !== 'number').length;
  if (flags.json) {
    const output = {
      results: results.map((result, index) => resultToJson(items[index]!, result)),
      ensemble: {
        aggregate: ensemble.aggregate,
        onMissing: ensemble.onMissing,
        experts: ensemble.experts.map((expert) => ({
          name: expert.name,
          kind: expert.model.kind,
          modelId: expert.model.modelId,
          version: expert.model.version,
          weight: expert.weight,
          ...(fixtureExperts.has(expert.name) ? { fixture: true } : {}),
        })),
      },
      summary: { images: results.length, scored, failed: results.length - scored, notJudged: unjudged },
      warnings: notices,
    };
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  } else {
    // A terminal's width, else $COLUMNS (set by shells and CI logs), else no limit (output to a file or pipe).
    const width = (process.stdout.isTTY ? process.stdout.columns : undefined) ?? (Number(process.env.COLUMNS) > 0 ? Number(process.env.COLUMNS) : undefined);
    process.stdout.write(`${renderTable(items, results, expertNames, { ...(width ? { width } : {}), failedExperts, fixtureExperts, registry })}\n`);
    for (const notice of notices) process.stdout.write(`! ${notice}\n`);
    const failed = results.length - scored;
    process.stdout.write(
      `${results.length} image(s), ${failed} failed${unjudged ? ` (${unjudged} that no expert could judge)` : ''}; reward = ${ensemble.aggregate} of ${expertNames.join(', ')}\n`,
    );
  }
  // Partial failures are reported per item; the command fails only when nothing could be scored.
  return results.length > 0 && scored === 0 ? 1 : 0;
}

export function registerScoreCommand(program: Command, setExitCode: (code: number) => void): void {
  addParserOptions(program.command('score'))
    .summary('score images against prompts with a reward ensemble')
    .description(
      'Score images against prompts with a reward ensemble and print one row per image (or --json). ' +
        'With no --image it scores the bundled example photos with their own prompts. With no --config it uses the ' +
        `offline default ensemble: the COCO detector (CenterNet on TF.js). Expert kinds: ${KNOWN_EXPERT_KINDS.join(', ')} (see t2ir models).`,
    )
    .option('-i, --image <path...>', 'images to score: file paths, data: URLs, or http(s) URLs admitted by --allow-url')
    .option('-p, --prompt <text...>', 'the prompt: one for every image, or one per image in order')
    .option(
      '--prompts-file <file>',
      'prompts, one per line, paired with the images in order; a .jsonl file instead holds {"image","prompt","spec"?} per line (images relative to the file)',
    )
    .option(
      '-c, --config <file>',
      'ensemble config JSON: {"aggregate","onMissing","image","experts":[{"kind","name","weight","backend":{"type","model"},"options"}]}',
    )
    .option('-e, --expert <kind...>', 'only these experts (kinds or names from the config; without --config, each kind with its defaults)')
    .option('-m, --model <name>', 'a catalog model pulled with `t2ir models pull <name>`: one expert of its kind, no config needed (see t2ir models)')
    .addOption(new Option('--aggregate <mode>', 'how expert scores combine (overrides the config)').choices(['mean', 'weighted-mean', 'sum']))
    .addOption(
      new Option(
        '--preset <name>',
        'one switch for a reference setup: t2i-r1-reference = the released T2I-R1 reward (each expert in its reference mode, summed with weight 1; overrides --aggregate / --on-missing)',
      ).choices(ENSEMBLE_PRESET_NAMES),
    )
    .addOption(new Option('--on-missing <policy>', 'a missing expert score is skipped, counted as 0, or fails the item').choices(['skip', 'zero', 'fail']))
    .option('--allow-url <origin...>', 'http(s) origins or URL prefixes images may be fetched from (refused otherwise)')
    .option('--max-pixels <n>', 'refuse images larger than this many pixels (default 67108864)', positiveInteger)
    .option('--batch-size <n>', 'images per expert call (default 16)', positiveInteger)
    .option('--threads <n>', THREADS_FLAG_HELP, nonNegativeInteger)
    .option('--json', 'print one JSON object {results:[{image, prompt, reward, experts:{NAME:{score, raw, details, warnings, error}}, warnings, error}]}')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  t2ir score                                      # the bundled photos, offline default ensemble',
        '  t2ir score --image dog.jpg --prompt "a dog next to a bicycle" --json',
        '  t2ir score --image a.png b.png --prompt "a red car" "two cats" --config ensemble.json',
        '  t2ir score --prompts-file items.jsonl --expert detector',
        '  t2ir models pull clip-vit-b32 && t2ir score --model clip-vit-b32 --image a.png --prompt "a cat"   # a pulled catalog model, no config',
        '  t2ir score --parser openai --parser-url http://localhost:8000/v1 --parser-model Qwen/Qwen2.5-7B-Instruct --image a.png --prompt "a man riding a horse"   # specs from an LLM',
        '',
        'Exit status: 0 when at least one image got a reward, 1 when none did (failed, or no expert could judge it), 2 for usage errors (a bad flag, an unknown expert, an unreadable or invalid config or prompts file).',
      ].join('\n'),
    )
    .action(async (flags: ScoreFlags, command: Command) => {
      try {
        setExitCode(await runScore(flags));
      } catch (error) {
        failCommand(command, error, setExitCode);
      }
    });
}
