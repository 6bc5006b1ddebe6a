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
  /**
   * Protocols whose reference judges every image (GenEval, `unjudged: 'incorrect'`): `mean` counts an unsupported
   * image as incorrect, as the reference would score it; this is the mean over the judged images only.
   */
  judged?: Estimate;
}

export interface RunSummary {
  suite: string;
  protocol: string;
  metric: 'score' | 'accuracy';
  overallMode: 'mean-of-categories' | 'mean-of-items';
  shard?: string;
  categories: CategorySummary[];
  overall: Estimate;
  /** With `unjudged: 'incorrect'`: the overall over judged images only (see CategorySummary.judged). */
  judgedOverall?: Estimate;
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
  /**
   * Set when images were missing (a folder holding only some of the suite's images): the run is incomplete, and
   * its scores cover the `present` images only. Missing images are not the generator's failure: they count in no
   * score, in every task alike.
   */
  incomplete?: { missing: number; present: number; expected: number; coverage: number };
  /** Every bad input, with its message. */
  problems: BadInput[];
  /** When two or more experts scored: how far they agree (Kendall τ-b, best sample per prompt). */
  agreement?: BenchAgreement;
}

const KINDS: BadInputKind[] = ['missing-image', 'decode-error', 'malformed-line', 'unknown-category', 'generator-error', 'expert-error'];

/**
 * Why a category's images were not scored, from every unsupported record (not the first one only): reasons that
 * differ only in a quoted name are one reason naming all of them ("detector: objects 'lamp', 'sofa', 'vase' are
 * not classes the detector can name …"), most frequent first, at most 12 names each.
 */
export function unsupportedNote(records: readonly Pick<ResultRecord, 'warnings' | 'problem'>[]): string {
  const reasons = new Map<string, { names: Map<string, number>; count: number }>();
  for (const record of records) {
    const warnings = record.warnings.length > 0 ? record.warnings : [record.problem?.message ?? 'unsupported'];
    for (const warning of new Set(warnings)) {
      const template = warning.replace(/'[^']*'/g, "'…'");
      const entry = reasons.get(template) ?? { names: new Map<string, number>(), count: 0 };
      entry.count++;
      for (const match of warning.matchAll(/'([^']*)'/g)) entry.names.set(match[1]!, (entry.names.get(match[1]!) ?? 0) + 1);
      reasons.set(template, entry);
    }
  }
  return [...reasons.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([template, { names }]) => {
      if (names.size <= 1 || !template.includes("'…'")) return names.size === 1 ? template.replace("'…'", `'${[...names.keys()][0]}'`) : template;
      const sorted = [...names.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => `'${name}'`);
      const listed = sorted.length > 12 ? `${sorted.slice(0, 12).join(', ')} and ${sorted.length - 12} more` : sorted.join(', ');
      return template
        .replace("object '…' is not a class", `objects ${listed} are not classes`)
        .replace("noun '…' is not a class", `nouns ${listed} are not classes`)
        .replace("'…'", listed);
    })
    .join('; ');
}

export function summarize(manifest: RunManifest, records: readonly ResultRecord[]): RunSummary {
  const byCategory = new Map<string, ResultRecord[]>();
  for (const record of records) {
    const list = byCategory.get(record.category) ?? [];
    list.push(record);
    byCategory.set(record.category, list);
  }
  // GenEval's reference judges every image: there, an image we leave unjudged would be scored, so it counts as 0.
  const everyImage = manifest.protocol['unjudged'] === 'incorrect';
  const okScores = (list: readonly ResultRecord[]) => list.filter((r) => r.status === 'ok' && r.score !== null).map((r) => r.score!);
  const headlineScores = (list: readonly ResultRecord[]) =>
    everyImage
      ? list.filter((r) => r.status === 'unsupported' || (r.status === 'ok' && r.score !== null)).map((r) => (r.status === 'ok' ? r.score! : 0))
      : okScores(list);
  const categories: CategorySummary[] = [...byCategory.keys()].sort().map((category) => {
    const list = byCategory.get(category)!;
    const judged = okScores(list);
    const unsupported = list.filter((r) => r.status === 'unsupported');
    const seed = `t2i-reward-bench:${category}`;
    const summary: CategorySummary = {
      category,
      ...bootstrapMean(headlineScores(list), { seed }),
      errors: list.filter((r) => r.status === 'error').length,
      unsupported: unsupported.length,
      ...(everyImage ? { judged: bootstrapMean(judged, { seed }) } : {}),
    };
    if (judged.length === 0 && unsupported.length > 0) summary.note = unsupportedNote(unsupported);
    return summary;
  });
  const overallOf = (pick: (list: readonly ResultRecord[]) => number[]) =>
    manifest.protocol.overall === 'mean-of-categories'
      ? bootstrapMeanOfGroups(categories.map((c) => pick(byCategory.get(c.category)!)))
      : bootstrapMean(pick(records));
  const overall = overallOf(headlineScores);
  const judgedOverall = everyImage ? overallOf(okScores) : undefined;
  const recordProblems = records.filter((r) => r.status === 'error' && r.problem).map((r) => r.problem!);
  const problems = [...manifest.problems, ...recordProblems];
  const badInputs = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<BadInputKind, number>;
  for (const problem of problems) badInputs[problem.kind]++;
  const scored = records.filter((r) => r.status === 'ok').length;
  const errors = records.filter((r) => r.status === 'error').length;
  const unsupported = records.filter((r) => r.status === 'unsupported').length;
  const missing = records.filter((r) => r.status === 'error' && r.problem?.kind === 'missing-image').length;
  const present = records.length - missing;
  return {
    suite: manifest.suite,
    protocol: manifest.protocol.name,
    metric: manifest.protocol.metric,
    overallMode: manifest.protocol.overall,
    ...(manifest.shard ? { shard: manifest.shard } : {}),
    categories,
    overall,
    ...(judgedOverall ? { judgedOverall } : {}),
    counts: { expected: manifest.expected, scored, errors, unsupported, pending: Math.max(0, manifest.expected - records.length), badInputs },
    ...(missing > 0
      ? { incomplete: { missing, present, expected: manifest.expected, coverage: manifest.expected > 0 ? present / manifest.expected : 0 } }
      : {}),
    problems,
    ...(() => {
      const agreement = benchAgreement(records);
      return agreement ? { agreement } : {};
    })(),
  };
}
