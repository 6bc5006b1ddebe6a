import Table from 'cli-table3';
import { loadRecords, readManifest } from './records.js';
import { formatCi, formatNumber } from './report/format.js';
import { bootstrapDelta, bootstrapMean, type Estimate } from './stats.js';
import { summarize, type RunSummary } from './report/summary.js';

export interface CategoryDelta {
  category: string;
  a: number | null;
  b: number | null;
  nA: number;
  nB: number;
  /** b − a with a 95% bootstrap interval. */
  delta: Estimate;
  /** Both runs scored the same images keys (prompt × sample): the interval resamples per-key differences. */
  paired: boolean;
}

export interface Comparison {
  a: { runDir: string; summary: RunSummary };
  b: { runDir: string; summary: RunSummary };
  categories: CategoryDelta[];
  overall: { a: number | null; b: number | null; delta: number | null };
  warnings: string[];
}

/** Per-category deltas between two runs (B − A), with bootstrap intervals of the difference. */
export async function compareRuns(runA: string, runB: string): Promise<Comparison> {
  const load = async (dir: string) => {
    const manifest = await readManifest(dir);
    if (!manifest) throw new Error(`${dir} is not a benchmark run folder (no run.json)`);
    const { records } = await loadRecords(dir);
    return { manifest, records, summary: summarize(manifest, records) };
  };
  const [a, b] = await Promise.all([load(runA), load(runB)]);
  const warnings: string[] = [];
  if (a.manifest.suite !== b.manifest.suite) warnings.push(`different suites: ${a.manifest.suite} vs ${b.manifest.suite}`);
  if (a.manifest.protocol.name !== b.manifest.protocol.name) warnings.push(`different protocols: ${a.manifest.protocol.name} vs ${b.manifest.protocol.name}`);
  else if (JSON.stringify(a.manifest.protocol) !== JSON.stringify(b.manifest.protocol)) warnings.push('same protocol with different experts or options');
  const ok = (records: typeof a.records, category: string) => records.filter((r) => r.category === category && r.status === 'ok' && r.score !== null);
  const scores = (records: typeof a.records, category: string) => ok(records, category).map((r) => r.score!);
  const names = [...new Set([...a.summary.categories, ...b.summary.categories].map((c) => c.category))].sort();
  const categories = names.map((category): CategoryDelta => {
    const sa = scores(a.records, category);
    const sb = scores(b.records, category);
    // Same prompts and sample indexes on both sides (two generators on one suite): a paired bootstrap over
    // per-key differences, which is tighter than comparing two independent means.
    const byKeyB = new Map(ok(b.records, category).map((r) => [r.key, r.score!]));
    const okA = ok(a.records, category);
    const paired = okA.length >= 2 && okA.length === byKeyB.size && okA.every((r) => byKeyB.has(r.key));
    const seed = `t2i-reward-bench:compare:${category}`;
    return {
      category,
      a: a.summary.categories.find((c) => c.category === category)?.mean ?? null,
      b: b.summary.categories.find((c) => c.category === category)?.mean ?? null,
      nA: sa.length,
      nB: sb.length,
      delta: paired
        ? bootstrapMean(
            okA.map((r) => byKeyB.get(r.key)! - r.score!),
            { seed },
          )
        : bootstrapDelta(sa, sb, { seed }),
      paired,
    };
  });
  const oa = a.summary.overall.mean;
  const ob = b.summary.overall.mean;
  return {
    a: { runDir: runA, summary: a.summary },
    b: { runDir: runB, summary: b.summary },
    categories,
    overall: { a: oa, b: ob, delta: oa !== null && ob !== null ? ob - oa : null },
    warnings,
  };
}

export function formatComparisonTable(comparison: Comparison): string {
  const table = new Table({
    head: ['category', 'A', 'B', 'Δ (B − A)', '95% CI of Δ', 'n A', 'n B'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  const signed = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`);
  for (const c of comparison.categories)
    table.push([
      c.category,
      formatNumber(c.a),
      formatNumber(c.b),
      signed(c.delta.mean),
      `${formatCi(c.delta)}${c.paired ? ' paired' : ''}`,
      String(c.nA),
      String(c.nB),
    ]);
  table.push([
    'overall',
    formatNumber(comparison.overall.a),
    formatNumber(comparison.overall.b),
    signed(comparison.overall.delta),
    '',
    String(comparison.a.summary.overall.n),
    String(comparison.b.summary.overall.n),
  ]);
  return table.toString();
}
