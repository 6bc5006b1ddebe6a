import { bootstrapMean, bootstrapMeanOfGroups, type Estimate } from '../stats.js';
import type { RunManifest } from '../records.js';
import { benchAgreement, type BenchAgreement } from './agreement.js';
import type { BadInput, BadInputKind, ResultRecord } from '../types.js';

export interface CategorySummary extends Estimate {
  category: string;
  errors: number;
  unsupported: number;
  /** Why images of this category were not scored, when none were. */
  note?: string;
}

export interface RunSummary {
  suite: string;
  protocol: string;
  metric: 'score' | 'accuracy';
  overallMode: 'mean-of-categories' | 'mean-of-items';
  shard?: string;
  categories: CategorySummary[];
  overall: Estimate;
  counts: {
    /** Units (prompt × sample) selected. */
    expected: number;
    scored: number;
    errors: number;
    unsupported: number;
    /** Selected but not in results yet (interrupted run, or another shard's). */
    pending: number;
    /** Bad inputs by kind: suite problems (malformed lines, unknown categories) + per-image errors. */
    badInputs: Record<BadInputKind, number>;
  };
  /** Every bad input, with its message. */
  problems: BadInput[];
  /** When two or more experts scored: how far they agree (Kendall τ-b, best sample per prompt). */
  agreement?: BenchAgreement;
}

const KINDS: BadInputKind[] = ['missing-image', 'decode-error', 'malformed-line', 'unknown-category', 'generator-error', 'expert-error'];

export function summarize(manifest: RunManifest, records: readonly ResultRecord[]): RunSummary {
  const byCategory = new Map<string, ResultRecord[]>();
  for (const record of records) {
    const list = byCategory.get(record.category) ?? [];
    list.push(record);
    byCategory.set(record.category, list);
  }
  const categories: CategorySummary[] = [...byCategory.keys()].sort().map((category) => {
    const list = byCategory.get(category)!;
    const scores = list.filter((r) => r.status === 'ok' && r.score !== null).map((r) => r.score!);
    const unsupported = list.filter((r) => r.status === 'unsupported');
    const summary: CategorySummary = {
      category,
      ...bootstrapMean(scores, { seed: `t2i-reward-bench:${category}` }),
      errors: list.filter((r) => r.status === 'error').length,
      unsupported: unsupported.length,
    };
    if (scores.length === 0 && unsupported.length > 0) summary.note = unsupported[0]!.warnings[0] ?? unsupported[0]!.problem?.message ?? 'unsupported';
    return summary;
  });
  const okScores = (category: string) => byCategory.get(category)!.filter((r) => r.status === 'ok' && r.score !== null).map((r) => r.score!);
  const overall =
    manifest.protocol.overall === 'mean-of-categories'
      ? bootstrapMeanOfGroups(categories.map((c) => okScores(c.category)))
      : bootstrapMean(records.filter((r) => r.status === 'ok' && r.score !== null).map((r) => r.score!));
  const recordProblems = records.filter((r) => r.status === 'error' && r.problem).map((r) => r.problem!);
  const problems = [...manifest.problems, ...recordProblems];
  const badInputs = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<BadInputKind, number>;
  for (const problem of problems) badInputs[problem.kind]++;
  const scored = records.filter((r) => r.status === 'ok').length;
  const errors = records.filter((r) => r.status === 'error').length;
  const unsupported = records.filter((r) => r.status === 'unsupported').length;
  return {
    suite: manifest.suite,
    protocol: manifest.protocol.name,
    metric: manifest.protocol.metric,
    overallMode: manifest.protocol.overall,
    ...(manifest.shard ? { shard: manifest.shard } : {}),
    categories,
    overall,
    counts: { expected: manifest.expected, scored, errors, unsupported, pending: Math.max(0, manifest.expected - records.length), badInputs },
    problems,
    ...(() => {
      const agreement = benchAgreement(records);
      return agreement ? { agreement } : {};
    })(),
  };
}
