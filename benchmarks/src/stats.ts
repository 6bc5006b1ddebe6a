import seedrandom from 'seedrandom';

export interface Estimate {
  n: number;
  mean: number | null;
  /** 95% percentile bootstrap interval; null with fewer than 2 values. */
  ci: [number, number] | null;
}

export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 't2i-reward-bench';

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function percentile(sorted: readonly number[], p: number): number {
  // Linear interpolation between closest ranks (numpy's default).
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (position - lower);
}

function interval(stats: number[]): [number, number] {
  stats.sort((a, b) => a - b);
  return [percentile(stats, 0.025), percentile(stats, 0.975)];
}

/** Mean with a 95% bootstrap interval; a seeded RNG makes the interval reproducible run to run. */
export function bootstrapMean(values: readonly number[], options: { resamples?: number; seed?: string } = {}): Estimate {
  if (values.length === 0) return { n: 0, mean: null, ci: null };
  if (values.length === 1) return { n: 1, mean: values[0]!, ci: null };
  const rng = seedrandom(options.seed ?? BOOTSTRAP_SEED);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const stats: number[] = new Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(rng() * values.length)]!;
    stats[b] = sum / values.length;
  }
  return { n: values.length, mean: mean(values), ci: interval(stats) };
}

/**
 * Mean of per-group means (GenEval's overall) with a stratified bootstrap: each resample draws within every
 * group, so the interval reflects the per-group sample sizes.
 */
export function bootstrapMeanOfGroups(groups: readonly (readonly number[])[], options: { resamples?: number; seed?: string } = {}): Estimate {
  const present = groups.filter((g) => g.length > 0);
  const n = present.reduce((s, g) => s + g.length, 0);
  if (present.length === 0) return { n: 0, mean: null, ci: null };
  const point = mean(present.map(mean));
  if (n < 2) return { n, mean: point, ci: null };
  const rng = seedrandom(options.seed ?? BOOTSTRAP_SEED);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const stats: number[] = new Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let total = 0;
    for (const group of present) {
      let sum = 0;
      for (let i = 0; i < group.length; i++) sum += group[Math.floor(rng() * group.length)]!;
      total += sum / group.length;
    }
    stats[b] = total / present.length;
  }
  return { n, mean: point, ci: interval(stats) };
}

/** Difference of two means (b − a) with an unpaired bootstrap interval. */
export function bootstrapDelta(a: readonly number[], b: readonly number[], options: { resamples?: number; seed?: string } = {}): Estimate {
  if (a.length === 0 || b.length === 0) return { n: Math.min(a.length, b.length), mean: null, ci: null };
  const point = mean(b) - mean(a);
  if (a.length < 2 || b.length < 2) return { n: Math.min(a.length, b.length), mean: point, ci: null };
  const rng = seedrandom(options.seed ?? BOOTSTRAP_SEED);
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const stats: number[] = new Array(resamples);
  const draw = (values: readonly number[]) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(rng() * values.length)]!;
    return sum / values.length;
  };
  for (let r = 0; r < resamples; r++) stats[r] = draw(b) - draw(a);
  return { n: Math.min(a.length, b.length), mean: point, ci: interval(stats) };
}
