/**
 * Reward-hacking diagnostics over several experts' scores of the same samples: rank agreement inside each
 * group (Kendall τ-b), how often the experts pick different best samples, and (in drift.ts) whether one expert
 * rises while the others fall. Pure functions over numbers; a missing score is null / NaN and is left out.
 */

type Score = number | null | undefined;

function finite(value: Score): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Kendall's τ-b between two score lists over the positions where both are finite:
 * τ_b = (C − D) / √((n₀ − n₁)(n₀ − n₂)), n₀ = n(n−1)/2 pairs, C / D concordant / discordant pairs, n₁ / n₂ the
 * pairs tied in `a` / in `b` (a pair tied in both counts in both). τ-b reaches ±1 with ties, unlike τ-a.
 * null when fewer than two positions remain or either list is constant on them (τ undefined).
 */
export function kendallTauB(a: readonly Score[], b: readonly Score[]): number | null {
  const xs: number[] = [];
  const ys: number[] = [];
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a[i];
    const y = b[i];
    if (finite(x) && finite(y)) {
      xs.push(x);
      ys.push(y);
    }
  }
  const m = xs.length;
  if (m < 2) return null;
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < m; i += 1) {
    for (let j = i + 1; j < m; j += 1) {
      const dx = Math.sign(xs[i]! - xs[j]!);
      const dy = Math.sign(ys[i]! - ys[j]!);
      if (dx === 0) tiesA += 1;
      if (dy === 0) tiesB += 1;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant += 1;
        else discordant += 1;
      }
    }
  }
  const pairs = (m * (m - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiesA) * (pairs - tiesB));
  return denominator === 0 ? null : (concordant - discordant) / denominator;
}

/** Indices of the highest finite score (all of them when tied); empty when none is finite. */
export function bestIndices(values: readonly Score[]): number[] {
  let best = -Infinity;
  let out: number[] = [];
  values.forEach((value, i) => {
    if (!finite(value)) return;
    if (value > best) {
      best = value;
      out = [i];
    } else if (value === best) out.push(i);
  });
  return out;
}

export interface PairAgreement {
  a: string;
  b: string;
  /** Mean of the per-group τ-b over the groups where it is defined; null when it is defined in none. */
  tau: number | null;
  /** Groups where τ-b was defined. */
  groups: number;
}

export interface AgreementSummary {
  /** Expert names, sorted. */
  experts: string[];
  /** Groups seen (of any size). */
  groups: number;
  /** One entry per expert pair (a < b). */
  pairs: PairAgreement[];
  /** Mean τ over the pairs with a τ; null when none has one. */
  meanTau: number | null;
  /**
   * Share of the judged groups in which no sample is a best sample for every expert (each expert's best set is
   * its arg-max with ties; the group agrees when those sets share a sample). null when no group was judged.
   */
  bestDiffers: number | null;
  /** Groups where at least two experts scored a sample (the denominator of `bestDiffers`). */
  bestJudgedGroups: number;
}

/** Splits item indices into groups: a number is a contiguous group size; a list gives each item's group key. */
export function groupIndices(count: number, groups: number | readonly (string | number)[]): number[][] {
  if (typeof groups === 'number') {
    if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`group size must be a positive integer, got ${groups}`);
    const out: number[][] = [];
    for (let start = 0; start < count; start += groups) out.push(Array.from({ length: Math.min(groups, count - start) }, (_, k) => start + k));
    return out;
  }
  if (groups.length !== count) throw new RangeError(`${groups.length} group keys for ${count} items`);
  const byKey = new Map<string | number, number[]>();
  groups.forEach((key, i) => byKey.set(key, [...(byKey.get(key) ?? []), i]));
  return [...byKey.values()];
}

/**
 * Agreement between experts that scored the same items, judged within groups (a GRPO group: the samples of
 * one prompt). `scores[expert][i]` is the expert's score of item i (null / NaN = missing).
 */
export function expertAgreement(scores: Readonly<Record<string, readonly Score[]>>, groups: number | readonly (string | number)[]): AgreementSummary {
  const experts = Object.keys(scores).sort();
  const count = Math.max(0, ...experts.map((e) => scores[e]!.length));
  const grouped = groupIndices(count, groups);
  const pairs: PairAgreement[] = [];
  for (let i = 0; i < experts.length; i += 1) {
    for (let j = i + 1; j < experts.length; j += 1) {
      const a = scores[experts[i]!]!;
      const b = scores[experts[j]!]!;
      const taus = grouped
        .map((members) =>
          kendallTauB(
            members.map((k) => a[k]),
            members.map((k) => b[k]),
          ),
        )
        .filter((t): t is number => t !== null);
      pairs.push({ a: experts[i]!, b: experts[j]!, tau: taus.length > 0 ? taus.reduce((s, t) => s + t, 0) / taus.length : null, groups: taus.length });
    }
  }
  let judged = 0;
  let differs = 0;
  for (const members of grouped) {
    const bests = experts.map((e) => bestIndices(members.map((k) => scores[e]![k]))).filter((set) => set.length > 0);
    if (bests.length < 2) continue;
    judged += 1;
    const shared = bests[0]!.some((index) => bests.every((set) => set.includes(index)));
    if (!shared) differs += 1;
  }
  const withTau = pairs.filter((p): p is PairAgreement & { tau: number } => p.tau !== null);
  return {
    experts,
    groups: grouped.length,
    pairs,
    meanTau: withTau.length > 0 ? withTau.reduce((s, p) => s + p.tau, 0) / withTau.length : null,
    bestDiffers: judged > 0 ? differs / judged : null,
    bestJudgedGroups: judged,
  };
}
