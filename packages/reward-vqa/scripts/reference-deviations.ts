/**
 * Counts, on T2I-R1's training metadata, the rows each deviation of our default VQA reward from the released one
 * (CaraJ7/T2I-R1 `src/t2i-r1/src/utils/reward_git.py`) touches, and prints the README table's numbers.
 *
 *   node --conditions=t2ir-source --import tsx packages/reward-vqa/scripts/reference-deviations.ts [metadata.jsonl]
 *
 * The reference's choice of questions is re-read here from the raw JSON row (not from our PromptSpec), as
 * reward_git.py reads its dataset columns; ours comes from `VqaReward.questionsFor` on `fromT2IR1Row(row)`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRgbImage, fromT2IR1Row, type RewardSample } from '@t2i-reward/core';
import { newStats } from '@t2i-reward/yes-no';
import { createVqaReward } from '../src/vqa-reward.js';

/** The training metadata the repo ships (benchmarks/data/t2i-r1, with its licence). */
export const DEFAULT_METADATA = fileURLToPath(new URL('../../../benchmarks/data/t2i-r1/geneval_and_t2i_data_final.json', import.meta.url));

interface Row {
  prompt: string;
  task_type?: string;
  nouns?: string[] | null;
  attr_nouns?: string[] | null;
}

/** reward_git.py's decision for one row: a fixed score, or the phrases it asks. */
export function referenceQuestions(row: Row): { fixed: number } | { phrases: string[] } {
  if (row.task_type === 'spatial' || row.task_type === 'numeracy') return { fixed: 0 };
  if (row.attr_nouns !== undefined && row.attr_nouns !== null) return { phrases: row.attr_nouns };
  if (!row.nouns || row.nouns.length === 0) return { fixed: 1 };
  return { phrases: row.nouns };
}

export interface DeviationCounts {
  rows: number;
  /** Reference scores 0 without asking (task_type spatial / numeracy); ours asks. */
  gatedZero: number;
  /** Reference scores 1 (no attr_nouns, no nouns); ours scores null ("nothing to ask"). */
  gatedOne: number;
  /** Rows both ask about, where our question list is not the reference's (before the 8-question cap). */
  otherPhrases: number;
  /** Rows both ask about with more than 8 phrases: ours asks the first 8. */
  overCap: number;
  /** Rows both ask about whose phrases change with our lower-casing (matters for cased tokenizers only). */
  caseChanged: number;
  /** Rows both ask about: P(yes)/P(no) from every spelling (ours) vs the single "yes"/"no" ids (reference). */
  asked: number;
  /** Rows whose attr_nouns is an empty list (reference: mean of nothing = NaN). */
  emptyAttrNouns: number;
}

export function countDeviations(lines: readonly string[]): DeviationCounts {
  const backend = { id: 'none', stats: newStats(), load: async () => {}, ask: async () => [], dispose: async () => {} };
  const ours = createVqaReward({ backend, maxQuestions: 1_000_000 });
  const image = createRgbImage(new Uint8Array(3), 1, 1);
  const counts: DeviationCounts = { rows: 0, gatedZero: 0, gatedOne: 0, otherPhrases: 0, overCap: 0, caseChanged: 0, asked: 0, emptyAttrNouns: 0 };
  for (const line of lines) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as Row;
    counts.rows++;
    if (Array.isArray(row.attr_nouns) && row.attr_nouns.length === 0) counts.emptyAttrNouns++;
    const reference = referenceQuestions(row);
    if ('fixed' in reference) {
      if (reference.fixed === 0) counts.gatedZero++;
      else counts.gatedOne++;
      continue;
    }
    counts.asked++;
    const sample: RewardSample = { image, prompt: row.prompt, spec: fromT2IR1Row(row) };
    const phrases = ours.questionsFor(sample).phrases;
    if (phrases.length > 8) counts.overCap++;
    const lower = reference.phrases.map((p) => p.trim().toLowerCase());
    if (phrases.length !== lower.length || phrases.some((p, i) => p !== lower[i])) counts.otherPhrases++;
    if (reference.phrases.some((p) => p !== p.trim().toLowerCase())) counts.caseChanged++;
  }
  return counts;
}

function share(count: number, rows: number): string {
  return `${count.toLocaleString('en-US')} (${((100 * count) / rows).toFixed(1)} %)`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? DEFAULT_METADATA;
  const counts = countDeviations(readFileSync(file, 'utf8').split('\n'));
  const n = counts.rows;
  process.stdout.write(`${file}: ${n} rows\n`);
  for (const [key, value] of Object.entries(counts)) if (key !== 'rows') process.stdout.write(`${key.padEnd(16)} ${share(value, n)}\n`);
}
