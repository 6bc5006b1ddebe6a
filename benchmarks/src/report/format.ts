import Table from 'cli-table3';
import type { Estimate } from '../stats.js';
import type { RunSummary } from './summary.js';

export function formatNumber(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

export function formatCi(estimate: Pick<Estimate, 'ci'>, digits = 3): string {
  return estimate.ci ? `[${formatNumber(estimate.ci[0], digits)}, ${formatNumber(estimate.ci[1], digits)}]` : '–';
}

/** The per-category table with an overall row (cli-table3). */
export function formatSummaryTable(summary: RunSummary): string {
  const label = summary.metric === 'accuracy' ? 'accuracy' : 'mean';
  const table = new Table({
    head: ['category', label, '95% CI', 'n', 'errors', 'unsupported'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const c of summary.categories) {
    table.push([c.category, formatNumber(c.mean), formatCi(c), String(c.n), String(c.errors), c.unsupported ? `${c.unsupported}` : '0']);
  }
  const overallLabel = summary.overallMode === 'mean-of-categories' ? 'overall (mean of categories)' : 'overall';
  table.push([
    overallLabel,
    formatNumber(summary.overall.mean),
    formatCi(summary.overall),
    String(summary.overall.n),
    String(summary.counts.errors),
    String(summary.counts.unsupported),
  ]);
  if (!summary.judgedOverall) return table.toString();
  // GenEval: the headline counts unjudged images as incorrect (as the reference would); judged-only beside it.
  const judged = new Table({
    head: ['category', `${label} over judged images only`, '95% CI', 'judged'],
    colAligns: ['left', 'right', 'right', 'right'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const c of summary.categories) if (c.judged) judged.push([c.category, formatNumber(c.judged.mean), formatCi(c.judged), String(c.judged.n)]);
  judged.push([overallLabel, formatNumber(summary.judgedOverall.mean), formatCi(summary.judgedOverall), String(summary.judgedOverall.n)]);
  return `${table.toString()}\n(${label} above: every image counts, an unjudged one as incorrect, as GenEval reports)\n${judged.toString()}`;
}

/** Agreement between experts (two or more scored), as a few lines for the terminal; empty otherwise. */
export function formatAgreement(summary: RunSummary): string[] {
  const a = summary.agreement;
  if (!a) return [];
  const means = a.experts.map((e) => `${e} ${formatNumber(a.means[e]?.mean)} (n=${a.means[e]?.n ?? 0})`).join(', ');
  const pairs = a.overall.map((p) => `${p.a}–${p.b} ${formatNumber(p.tau)}`).join(', ');
  const undefinedNote = a.overall.some((p) => p.tau === null) ? ' (– : undefined, one expert constant or < 2 shared images)' : '';
  const lines = [`experts (mean score): ${means}`, `agreement, Kendall τ-b over all ${a.images} images: ${pairs}${undefinedNote}`];
  if (a.withinPrompt.bestDiffers !== null) {
    const within = a.withinPrompt.pairs.map((p) => `${p.a}–${p.b} ${formatNumber(p.tau)} (${p.groups} prompts)`).join(', ');
    lines.push(
      `within each prompt's samples: τ-b ${within}; best sample differs by expert in ${formatNumber(a.withinPrompt.bestDiffers * 100, 1)}% of prompts`,
    );
  }
  return lines;
}

/** One line per kind of bad input, e.g. "bad inputs: 2 missing-image, 1 malformed-line". */
export function formatBadInputs(summary: RunSummary): string {
  const parts = Object.entries(summary.counts.badInputs)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  return parts.length > 0 ? `bad inputs: ${parts.join(', ')}` : 'bad inputs: none';
}

export function formatNotes(summary: RunSummary): string[] {
  return summary.categories.filter((c) => c.note).map((c) => `${c.category}: not scored, ${c.note}`);
}

/**
 * The headline of a run whose image folder lacks images: coverage first, so a partial run is never read as a
 * complete one ("INCOMPLETE: 8 of 553 images present (1.4%), 545 missing; the scores cover the 8 present only").
 */
export function formatIncomplete(summary: RunSummary): string | undefined {
  const incomplete = summary.incomplete;
  if (!incomplete) return undefined;
  return `INCOMPLETE: ${incomplete.present} of ${incomplete.expected} images present (${formatCoverage(incomplete.coverage)}), ${incomplete.missing} missing; the scores cover the ${incomplete.present} present only`;
}

/** An incomplete run's coverage (0–1) as a percentage, with one decimal under 10% ("1.4%", "87%"). */
export function formatCoverage(coverage: number): string {
  return `${(coverage * 100).toFixed(coverage < 0.1 ? 1 : 0)}%`;
}
