/**
 * Agreement of the rule-based prompt parser with T2I-R1's own metadata (benchmarks/data/t2i-r1).
 *
 *   npm run eval:parser                       tables for the held-out half (the result) and the tuning half
 *   npm run eval:parser -- --json             the same as one JSON object
 *   npm run eval:parser -- --markdown         the same as Markdown tables (PARSER-EVAL.md)
 *   npm run eval:parser -- --failures 20 --metric spatial [--category complex]
 *                                             disagreements of the TUNING half only, to study while tuning
 *   npm run eval:parser -- --no-compounds     ablation: without the COCO compound-noun list (and without WordNet)
 *   npm run eval:parser -- --no-wordnet       ablation: without WordNet's nouns (assets/wordnet/nouns.txt)
 *   npm run eval:parser -- --tuning-only      only the tuning half's table (what tuning looks at)
 *   npm run eval:parser -- --set labelled     only the hand-labelled set of prompts with verbs, clauses and quoted
 *                                             text (benchmarks/data/parser-eval); --set t2i-r1 only the metadata
 *   npm run eval:parser -- --set geneval      only GenEval's evaluation_metadata.jsonl (553 prompts): names, counts,
 *                                             relations of the parse against fromGenEvalRow of the row
 *   npm run eval:parser -- --set fresh        only the fresh blind-labelled set (fresh-prompts.jsonl): totals and error
 *                                             classes, never a row (an honest held-out figure)
 *   npm run eval:parser -- --set labelled --dev-only
 *                                             the labelled set's dev half alone (what tuning looks at)
 *   npm run eval:parser -- --set labelled --failures 20
 *                                             the labelled set's DEV-half disagreements (never the held-out half)
 *
 * The rows are split in two by a hash of the prompt (FNV-1a of its UTF-8 bytes: even → tuning, odd → held-out),
 * so the split is fixed, repeated prompts land in the same half, and this script never prints a held-out
 * disagreement.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { attributePhrases, clearParseCache, parsePrompt } from '../src/prompt-spec/parser.js';
import { fromGenEvalRow } from '../src/prompt-spec/convert.js';
import { LABELLED_FIELDS, judgeLabelled, readLabelled, summarize, type LabelledSummary } from './labelled-eval.js';
import { normalizeRelation } from '../src/prompt-spec/relations.js';
import type { PromptSpec } from '../src/prompt-spec/types.js';

interface Row {
  prompt: string;
  task_type: string;
  nouns?: string[];
  attr_nouns?: string[];
  spatial_info?: { obj1: string; obj2: string; locality: string };
  numeracy_info?: { obj_name: string; num: number }[];
}

type Metric = 'nouns' | 'heads' | 'spatial' | 'numbers' | 'attributes';
const METRICS: readonly Metric[] = ['nouns', 'heads', 'spatial', 'numbers', 'attributes'];
type Half = 'held-out' | 'tuning';

interface Cell {
  agree: number;
  n: number;
}
type Report = Record<string, Record<Metric, Cell>>;

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    failures: { type: 'string' },
    metric: { type: 'string', default: 'spatial' },
    category: { type: 'string' },
    'no-compounds': { type: 'boolean', default: false },
    'no-wordnet': { type: 'boolean', default: false },
    'tuning-only': { type: 'boolean', default: false },
    'dev-only': { type: 'boolean', default: false },
    set: { type: 'string', default: 'all' },
    labelled: { type: 'string' },
  },
});
if (!['all', 't2i-r1', 'labelled', 'geneval', 'fresh'].includes(args.set))
  throw new Error(`--set must be all, t2i-r1, geneval, labelled or fresh (got ${args.set})`);
const runT2IR1 = args.set === 'all' || args.set === 't2i-r1';
const runLabelled = args.set === 'all' || args.set === 'labelled';
const runGenEval = args.set === 'all' || args.set === 'geneval';
const runFresh = args.set === 'fresh';

const dataFile = args.data ?? fileURLToPath(new URL('../../../benchmarks/data/t2i-r1/geneval_and_t2i_data_final.json', import.meta.url));
const rows: Row[] = (runT2IR1 ? readFileSync(dataFile, 'utf8') : '')
  .split('\n')
  .filter((line) => line.trim().length > 0)
  .map((line) => JSON.parse(line) as Row);

/** FNV-1a (32 bit) of the UTF-8 bytes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const jsonOut: Record<string, unknown> = {};
const halfOf = (row: Row): Half => (fnv1a(row.prompt) % 2 === 0 ? 'tuning' : 'held-out');

const lower = (s: string): string => s.trim().toLowerCase();
const setOf = (list: Iterable<string>): Set<string> => new Set([...list].map(lower));
const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
const show = (s: Set<string>): string => JSON.stringify([...s].sort());

interface Judgement {
  agree: boolean;
  expected: string;
  got: string;
}

/** Each metric on one row, or undefined where the row has no reference for it. */
function judge(row: Row, spec: PromptSpec): Partial<Record<Metric, Judgement>> {
  const out: Partial<Record<Metric, Judgement>> = {};
  if (row.nouns) {
    const expected = setOf(row.nouns);
    const got = setOf(spec.objects.map((o) => o.name));
    out.nouns = { agree: sameSet(expected, got), expected: show(expected), got: show(got) };
    // The same with every name cut to its last word: T2I-R1 writes head nouns for T2I-CompBench prompts ("lamp"
    // for "desk lamp") and whole COCO names for GenEval ones ("sports ball"); the parser keeps compounds.
    const head = (name: string): string => name.split(' ').pop() ?? name;
    const expectedHeads = new Set([...expected].map(head));
    const gotHeads = new Set([...got].map(head));
    out.heads = { agree: sameSet(expectedHeads, gotHeads), expected: show(expectedHeads), got: show(gotHeads) };
  }
  if (row.spatial_info) {
    const info = row.spatial_info;
    const expected = `${lower(info.obj1)} | ${normalizeRelation(info.locality) ?? `?${info.locality}`} | ${lower(info.obj2)}`;
    const first = spec.relations[0];
    const got = first ? `${first.subject} | ${first.relation} | ${first.object}` : '(none)';
    out.spatial = { agree: expected === got, expected, got };
  }
  if (row.numeracy_info) {
    const expected = setOf(row.numeracy_info.map((e) => `${e.obj_name}=${e.num}`));
    const got = setOf(spec.objects.filter((o) => o.count !== undefined).map((o) => `${o.name}=${o.count}`));
    out.numbers = { agree: sameSet(expected, got), expected: show(expected), got: show(got) };
  }
  if (row.attr_nouns) {
    const expected = setOf(row.attr_nouns);
    const got = setOf(attributePhrases(spec));
    out.attributes = { agree: sameSet(expected, got), expected: show(expected), got: show(got) };
  }
  return out;
}

const compounds = { ...(args['no-compounds'] ? { compounds: [] as string[] } : {}), ...(args['no-wordnet'] ? { wordnet: false } : {}) };
const emptyCells = (): Record<Metric, Cell> => ({
  nouns: { agree: 0, n: 0 },
  heads: { agree: 0, n: 0 },
  spatial: { agree: 0, n: 0 },
  numbers: { agree: 0, n: 0 },
  attributes: { agree: 0, n: 0 },
});
const reports: Record<Half, Report> = { 'held-out': {}, tuning: {} };
const rowCounts: Record<Half, Record<string, number>> = { 'held-out': {}, tuning: {} };
const failures: { row: Row; judgement: Judgement }[] = [];
const wantFailures = args.failures !== undefined ? Number(args.failures) : 0;

let parseMs = 0;
for (const row of rows) {
  const half = halfOf(row);
  const started = performance.now();
  const spec = parsePrompt(row.prompt, { category: row.task_type, ...compounds });
  parseMs += performance.now() - started;
  const verdicts = judge(row, spec);
  for (const category of [row.task_type, 'overall']) {
    const cells = (reports[half][category] ??= emptyCells());
    rowCounts[half][category] = (rowCounts[half][category] ?? 0) + 1;
    for (const metric of METRICS) {
      const verdict = verdicts[metric];
      if (!verdict) continue;
      cells[metric].n++;
      if (verdict.agree) cells[metric].agree++;
    }
  }
  // Only the tuning half's disagreements are ever shown.
  const verdict = verdicts[args.metric as Metric];
  if (half === 'tuning' && wantFailures > 0 && verdict && !verdict.agree && (!args.category || args.category === row.task_type)) {
    failures.push({ row, judgement: verdict });
  }
}

const categoriesOf = (report: Report): string[] =>
  Object.keys(report)
    .filter((c) => c !== 'overall')
    .sort()
    .concat('overall');
const pct = (cell: Cell): string => (cell.n === 0 ? '—' : `${((100 * cell.agree) / cell.n).toFixed(1)}% (${cell.agree}/${cell.n})`);
const HEADERS = ['category', 'rows', 'noun set', 'noun heads', 'spatial triple', 'number pairs', 'attribute phrases'];

if (!runT2IR1) {
  // the labelled set only (below)
} else if (wantFailures > 0 && !runLabelled) {
  for (const { row, judgement } of failures.slice(0, wantFailures)) {
    console.log(`[${row.task_type}] ${row.prompt}\n   metadata: ${judgement.expected}\n   parser:   ${judgement.got}`);
  }
  console.log(`${failures.length} tuning-half disagreements on ${args.metric}${args.category ? ` (${args.category})` : ''}`);
} else if (wantFailures > 0) {
  // failures of the labelled set only (below)
} else if (args.json) {
  const asJson = (half: Half) =>
    Object.fromEntries(
      categoriesOf(reports[half]).map((category) => [
        category,
        {
          rows: rowCounts[half][category],
          ...Object.fromEntries(
            METRICS.map((metric) => {
              const cell = reports[half][category]![metric];
              return [metric, cell.n === 0 ? null : { agreement: cell.agree / cell.n, agree: cell.agree, n: cell.n }];
            }),
          ),
        },
      ]),
    );
  jsonOut.t2iR1 = { data: dataFile, compounds: !args['no-compounds'], heldOut: asJson('held-out'), tuning: asJson('tuning') };
} else {
  const halves: Half[] = args['tuning-only'] ? ['tuning'] : ['held-out', 'tuning'];
  for (const half of halves) {
    const title =
      half === 'held-out'
        ? `HELD-OUT half (never inspected while tuning): ${rowCounts[half].overall} rows`
        : `tuning half (rules were tuned on it): ${rowCounts[half].overall} rows`;
    const lines = categoriesOf(reports[half]).map((category) => [
      category,
      String(rowCounts[half][category]),
      ...METRICS.map((metric) => pct(reports[half][category]![metric])),
    ]);
    if (args.markdown) {
      console.log(`\n**${title}**${args['no-compounds'] ? ' (without the COCO compound list)' : ''}\n`);
      console.log(`| ${HEADERS.join(' | ')} |\n|${HEADERS.map(() => '---').join('|')}|`);
      for (const line of lines) console.log(`| ${line.join(' | ')} |`);
    } else {
      const plain = !process.stdout.isTTY;
      const table = new Table({ head: HEADERS, ...(plain ? { style: { head: [], border: [] } } : {}) });
      table.push(...lines);
      console.log(`\n${title}${args['no-compounds'] ? ' (without the COCO compound list)' : ''}`);
      console.log(table.toString());
    }
  }
  // Side by side on the same 500 prompts: parsing them, then the cache hits every later call gets (a GRPO group
  // scores G = 8 images of one prompt: one parse, seven hits).
  const timed = rows.slice(0, 500);
  clearParseCache();
  let started = performance.now();
  for (const row of timed) parsePrompt(row.prompt, { category: row.task_type });
  const parsedUs = ((performance.now() - started) * 1000) / timed.length;
  started = performance.now();
  for (const row of timed) parsePrompt(row.prompt, { category: row.task_type });
  const cachedUs = ((performance.now() - started) * 1000) / timed.length;
  console.log(
    `\nParse time: ${(parseMs / rows.length).toFixed(2)} ms per prompt over the whole file; on 500 prompts ${(parsedUs / 1000).toFixed(2)} ms ` +
      `parsed vs ${cachedUs.toFixed(1)} µs cached (${(parsedUs / cachedUs).toFixed(0)}× faster).`,
  );
  console.log('\nExact agreement, per row: noun set = set of object names; noun heads = the same, each name cut to its last');
  console.log('word; spatial triple = the first parsed relation (subject, canonical relation, object); number pairs =');
  console.log('set of (name, count); attribute phrases = set of attributePhrases(spec).');
}

if (runGenEval && wantFailures === 0) {
  const genevalFile = fileURLToPath(new URL('../../../benchmarks/data/geneval/evaluation_metadata.jsonl', import.meta.url));
  const genevalRows = readFileSync(genevalFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as { tag: string; prompt: string });
  const key = (list: string[]): string => JSON.stringify([...new Set(list)].sort());
  const tally: Record<string, { rows: number; names: number; counts: number; relations: number }> = {};
  for (const row of genevalRows) {
    const expected = fromGenEvalRow(row);
    const got = parsePrompt(row.prompt, { category: row.tag, ...compounds });
    for (const tag of [row.tag, 'overall']) {
      const cell = (tally[tag] ??= { rows: 0, names: 0, counts: 0, relations: 0 });
      cell.rows++;
      const names = (spec: PromptSpec) => key(spec.objects.map((o) => o.name));
      // GenEval writes count 1 for every object of a prompt; the parser leaves "a" uncounted outside counting prompts.
      const counted = (spec: PromptSpec) => key(spec.objects.map((o) => `${o.name}=${o.count ?? 1}`));
      const triples = (spec: PromptSpec) => key(spec.relations.map((r) => `${r.subject}|${r.relation}|${r.object}`));
      if (names(expected) === names(got)) cell.names++;
      if (counted(expected) === counted(got)) cell.counts++;
      if (triples(expected) === triples(got)) cell.relations++;
    }
  }
  if (args.json) jsonOut.geneval = { data: genevalFile, ...tally };
  else {
    const title = `GenEval evaluation_metadata.jsonl (${genevalRows.length} prompts): the parse against the row (fromGenEvalRow), exact per row`;
    const head = ['tag', 'rows', 'names', 'names + counts', 'relations'];
    const lines = Object.entries(tally)
      .sort(([a], [b]) => Number(a === 'overall') - Number(b === 'overall'))
      .map(([tag, cell]) => {
        const p = (n: number) => `${((100 * n) / cell.rows).toFixed(1)}% (${n}/${cell.rows})`;
        return [tag, String(cell.rows), p(cell.names), p(cell.counts), p(cell.relations)];
      });
    if (args.markdown) {
      console.log(`\n**${title}**\n\n| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
      for (const line of lines) console.log(`| ${line.join(' | ')} |`);
    } else {
      const table = new Table({ head, ...(!process.stdout.isTTY ? { style: { head: [], border: [] } } : {}) });
      table.push(...lines);
      console.log(`\n${title}\n${table.toString()}`);
    }
  }
}

if (runLabelled) {
  const labelledFile = args.labelled ?? fileURLToPath(new URL('../../../benchmarks/data/parser-eval/labelled-prompts.jsonl', import.meta.url));
  const labelledRows = readLabelled(labelledFile);
  const verdicts = labelledRows.map((row) => judgeLabelled(row, parsePrompt(row.prompt, compounds)));
  // --dev-only: the dev half's totals alone (what tuning looks at; the held-out totals only at checkpoints).
  const halves: Partial<Record<'held-out' | 'dev', LabelledSummary>> = {
    ...(args['dev-only'] ? {} : { 'held-out': summarize(verdicts.filter((v) => v.row.split === 'held-out')) }),
    dev: summarize(verdicts.filter((v) => v.row.split === 'dev')),
  };
  const pctOf = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
  if (wantFailures > 0) {
    const failing = verdicts.filter((v) => v.row.split === 'dev' && !v.agree.objects);
    for (const v of failing.slice(0, wantFailures)) {
      console.log(
        `[${v.row.id}] ${v.row.prompt}\n   labels: ${JSON.stringify(v.expected.objects)}\n   parser: ${JSON.stringify(v.got.objects)}  ${v.classes.join('; ')}`,
      );
    }
    console.log(`${failing.length} dev-half rows with a wrong object list`);
  } else if (args.json) {
    jsonOut.labelled = { data: labelledFile, ...halves };
  } else {
    const HEAD = ['half', 'rows', 'exact objects', ...LABELLED_FIELDS.slice(1), 'noun P / R', 'verb-form names', 'quoted spans in text'];
    const line = (half: string, s: LabelledSummary): string[] => [
      half,
      String(s.rows),
      ...LABELLED_FIELDS.map((field) => pctOf(s.agree[field], s.rows)),
      `${(100 * s.nounPrecision).toFixed(1)}% / ${(100 * s.nounRecall).toFixed(1)}%`,
      String(s.verbNames),
      pctOf(s.quotedLanded, s.quotedSpans),
    ];
    const title = `Hand-labelled prompts with verbs, clauses and quoted text (${labelledRows.length}; ${labelledFile.replace(/.*benchmarks/, 'benchmarks')})`;
    if (args.markdown) {
      console.log(`\n**${title}**\n\n| ${HEAD.join(' | ')} |\n|${HEAD.map(() => '---').join('|')}|`);
      for (const [half, s] of Object.entries(halves)) if (s) console.log(`| ${line(half, s).join(' | ')} |`);
    } else {
      const table = new Table({ head: HEAD, ...(!process.stdout.isTTY ? { style: { head: [], border: [] } } : {}) });
      for (const [half, s] of Object.entries(halves)) if (s) table.push(line(half, s));
      console.log(`\n${title}\n${table.toString()}`);
    }
    for (const [half, s] of Object.entries(halves)) {
      if (!s) continue;
      const classes = Object.entries(s.classes).sort((a, b) => b[1] - a[1]);
      console.log(`\nError classes left, ${half} half (rows with a wrong object list; a row can have several):`);
      for (const [name, n] of classes) console.log(`  ${String(n).padStart(3)}  ${name}`);
      if (classes.length === 0) console.log('  (none)');
    }
    console.log('\nPer row: exact objects = the set of (name, count) equals the labels; nouns = the set of names; counts = the');
    console.log('set of (name, count) where a count is given; attributes = the set of (attribute, name); relations = the set of');
    console.log('spatial triples; text = spec.text equals the quoted spans in order. Noun P / R = noun-level precision / recall.');
  }
}
if (runFresh) {
  // The fresh blind-labelled set (benchmarks/data/parser-eval/fresh-prompts.jsonl, 160 prompts labelled by someone who
  // never ran the parser): totals only, never a row, so that it stays a held-out measurement.
  const freshFile = fileURLToPath(new URL('../../../benchmarks/data/parser-eval/fresh-prompts.jsonl', import.meta.url));
  const freshRows = readLabelled(freshFile);
  const summary = summarize(freshRows.map((row) => judgeLabelled(row, parsePrompt(row.prompt, compounds))));
  if (args.json) jsonOut.fresh = { data: freshFile, ...summary };
  else {
    const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
    const HEAD = ['set', 'rows', 'exact objects', ...LABELLED_FIELDS.slice(1), 'noun P / R', 'verb-form names', 'quoted spans in text'];
    const line = [
      'fresh',
      String(summary.rows),
      ...LABELLED_FIELDS.map((field) => pct(summary.agree[field], summary.rows)),
      `${(100 * summary.nounPrecision).toFixed(1)}% / ${(100 * summary.nounRecall).toFixed(1)}%`,
      String(summary.verbNames),
      pct(summary.quotedLanded, summary.quotedSpans),
    ];
    const title = `Fresh blind-labelled held-out prompts (${freshRows.length}; ${freshFile.replace(/.*benchmarks/, 'benchmarks')}; totals only)`;
    if (args.markdown) console.log(`\n**${title}**\n\n| ${HEAD.join(' | ')} |\n|${HEAD.map(() => '---').join('|')}|\n| ${line.join(' | ')} |`);
    else {
      const table = new Table({ head: HEAD, ...(!process.stdout.isTTY ? { style: { head: [], border: [] } } : {}) });
      table.push(line);
      console.log(`\n${title}\n${table.toString()}`);
    }
    console.log('\nError classes, fresh set (rows with a wrong object list; a row can have several):');
    for (const [name, n] of Object.entries(summary.classes).sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(3)}  ${name}`);
  }
}
if (args.json) console.log(JSON.stringify(jsonOut, null, 2));
