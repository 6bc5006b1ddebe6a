import { parseNormalizeSpec, type NormalizerStore, type NormalizeSpec } from '@t2i-reward/core';
import type { RewardOutcome } from './reward.js';

/** Per-expert normalisation before advantages: one spec for every expert, or specs by expert name (others stay raw). */
export type RewardNormalizeSetting = NormalizeSpec | Readonly<Record<string, NormalizeSpec>>;

/** Validates the setting (each spec by core's schema); InvalidConfigError names the bad key. */
export function parseRewardNormalize(setting: unknown, path = 'settings/rewardNormalize'): RewardNormalizeSetting {
  if (setting !== null && typeof setting === 'object' && typeof (setting as { mode?: unknown }).mode === 'string') return parseNormalizeSpec(setting, path);
  if (setting === null || typeof setting !== 'object') return parseNormalizeSpec(setting, path);
  return Object.fromEntries(Object.entries(setting).map(([name, spec]) => [name, parseNormalizeSpec(spec, `${path}/${name}`)]));
}

function specFor(setting: RewardNormalizeSetting, name: string): NormalizeSpec | undefined {
  return typeof (setting as NormalizeSpec).mode === 'string' ? (setting as NormalizeSpec) : (setting as Record<string, NormalizeSpec>)[name];
}

/**
 * The batch's outcomes with each expert's score normalised by core's normalisers (groups: the prompt; running
 * statistics in `store`, which the trainer checkpoints) and `reward` recomputed as the weighted sum of the
 * normalised scores (missing ones skipped; null when none scored). Outcomes without per-expert scores have their
 * `reward` normalised as one expert named `reward`. The raw outcomes stay what the metrics report.
 */
export function normalizeOutcomes(
  outcomes: readonly RewardOutcome[],
  groups: readonly string[],
  setting: RewardNormalizeSetting,
  store: NormalizerStore,
): RewardOutcome[] {
  const names = [...new Set(outcomes.flatMap((o) => Object.keys(o.experts)))].sort();
  if (names.length === 0) {
    const spec = specFor(setting, 'reward');
    if (!spec) return [...outcomes];
    const { values } = store.normalize(
      'reward',
      outcomes.map((o) => o.reward),
      spec,
      groups,
    );
    return outcomes.map((o, i) => ({ ...o, reward: values[i]! }));
  }
  const columns = new Map<string, (number | null)[]>();
  for (const name of names) {
    const raw = outcomes.map((o) => o.experts[name] ?? null);
    const spec = specFor(setting, name);
    columns.set(name, spec ? store.normalize(name, raw, spec, groups).values : raw);
  }
  return outcomes.map((o, i) => {
    const experts: Record<string, number | null> = {};
    let sum = 0;
    let any = false;
    for (const name of names) {
      const value = columns.get(name)![i]!;
      experts[name] = value;
      if (value !== null && Number.isFinite(value)) {
        sum += (o.weights?.[name] ?? 1) * value;
        any = true;
      }
    }
    return { ...o, experts, reward: any ? sum : null };
  });
}
