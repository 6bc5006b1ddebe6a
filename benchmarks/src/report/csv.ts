import type { ResultRecord } from '../types.js';
import type { RunSummary } from './summary.js';

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: unknown[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

export function summaryCsv(summary: RunSummary): string {
  const judged = summary.judgedOverall !== undefined;
  const extra = (estimate: { mean: number | null; n: number } | undefined) => (judged ? [estimate?.mean, estimate?.n] : []);
  const rows: unknown[][] = [['category', 'mean', 'ci_low', 'ci_high', 'n', 'errors', 'unsupported', ...(judged ? ['judged_mean', 'judged_n'] : [])]];
  for (const c of summary.categories) rows.push([c.category, c.mean, c.ci?.[0], c.ci?.[1], c.n, c.errors, c.unsupported, ...extra(c.judged)]);
  rows.push([
    'overall',
    summary.overall.mean,
    summary.overall.ci?.[0],
    summary.overall.ci?.[1],
    summary.overall.n,
    summary.counts.errors,
    summary.counts.unsupported,
    ...extra(summary.judgedOverall),
  ]);
  return csv(rows);
}

export function resultsCsv(records: readonly ResultRecord[]): string {
  const experts = [...new Set(records.flatMap((r) => Object.keys(r.experts)))].sort();
  const rows: unknown[][] = [
    ['key', 'item', 'sample', 'category', 'prompt', 'status', 'score', 'correct', ...experts.map((e) => `${e}_score`), 'image', 'problem'],
  ];
  for (const r of records) {
    rows.push([
      r.key,
      r.itemId,
      r.sample,
      r.category,
      r.prompt,
      r.status,
      r.score,
      r.correct,
      ...experts.map((e) => r.experts[e]?.score),
      r.image,
      r.problem?.message ?? (r.status === 'unsupported' ? r.warnings[0] : ''),
    ]);
  }
  return csv(rows);
}
