import { Type, type Static } from '@sinclair/typebox';
import { driftAlarms, expertAgreement, type AgreementSummary, type DriftAlarm, type DriftOptions } from '@t2i-reward/core';
import type { RewardOutcome } from './reward.js';

/** Per-record reward-hacking diagnostics (see the README's "Reward-hacking diagnostics"). */
export interface RecordDiagnostics {
  /** Agreement between experts within each group; present when two or more experts scored. */
  agreement?: AgreementSummary;
  /** Per flag (e.g. `extraCopies`), the share of the samples that carry it and raise it. */
  flags?: Record<string, number>;
}

/** Agreement and flag shares of one batch of outcomes, grouped `groupSize` at a time (a GRPO group each). */
export function recordDiagnostics(outcomes: readonly RewardOutcome[], groupSize: number): RecordDiagnostics {
  const out: RecordDiagnostics = {};
  const names = [...new Set(outcomes.flatMap((o) => Object.keys(o.experts)))].sort();
  if (names.length > 1) {
    out.agreement = expertAgreement(Object.fromEntries(names.map((name) => [name, outcomes.map((o) => o.experts[name] ?? null)])), groupSize);
  }
  const flagNames = [...new Set(outcomes.flatMap((o) => Object.keys(o.flags ?? {})))].sort();
  if (flagNames.length > 0) {
    out.flags = Object.fromEntries(
      flagNames.map((flag) => {
        const seen = outcomes.filter((o) => o.flags?.[flag] !== undefined);
        return [flag, seen.filter((o) => o.flags?.[flag] === true).length / seen.length];
      }),
    );
  }
  return out;
}

/** Per-expert mean series of the given records (step, mean), the input of the drift alarm. */
export function expertSeries(
  records: readonly { step: number; experts: Record<string, { mean: number; count: number }> }[],
): Record<string, { step: number; value: number | null }[]> {
  const series: Record<string, { step: number; value: number | null }[]> = {};
  for (const record of records) {
    for (const [name, stats] of Object.entries(record.experts)) {
      (series[name] ??= []).push({ step: record.step, value: stats.count > 0 ? stats.mean : null });
    }
  }
  return series;
}

/** Drift alarms over the per-expert means of the training records so far (core's `driftAlarms`). */
export function trainingDrift(
  records: readonly { step: number; split: string; experts: Record<string, { mean: number; count: number }> }[],
  options: DriftOptions = {},
): DriftAlarm[] {
  return driftAlarms(expertSeries(records.filter((r) => r.split === 'train')), options);
}

/** `earlyStopping` of a train config (JSON Schema); EarlyStoppingOptions is its type. */
export const earlyStoppingOptionsSchema = Type.Object(
  {
    /** Evaluations without an improvement of at least `minDelta` over the best held-out reward before stopping. */
    patience: Type.Integer({ minimum: 1 }),
    /** Default 0: any increase counts as an improvement. */
    minDelta: Type.Optional(Type.Number({ minimum: 0 })),
    /** Which held-out mean is watched: the aggregated reward (default) or one expert's mean. */
    expert: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type EarlyStoppingOptions = Static<typeof earlyStoppingOptionsSchema>;

export interface EarlyStoppingState {
  bestStep: number;
  bestValue: number;
  /** Evaluations since the best. */
  since: number;
}

/**
 * Early stopping on the held-out reward: `update` takes each held-out evaluation (step, mean) and answers
 * whether to stop (no improvement > minDelta for `patience` evaluations in a row). A NaN value (nothing
 * scored) counts as no improvement.
 */
export class EarlyStopping {
  readonly options: Required<Omit<EarlyStoppingOptions, 'expert'>> & Pick<EarlyStoppingOptions, 'expert'>;
  state: EarlyStoppingState | undefined;

  constructor(options: EarlyStoppingOptions) {
    if (!Number.isInteger(options.patience) || options.patience < 1)
      throw new RangeError(`earlyStopping.patience must be a positive integer, got ${options.patience}`);
    this.options = { minDelta: 0, ...options };
  }

  /** The watched value of an evaluation record: its reward mean, or its expert's mean. */
  valueOf(record: { reward: { mean: number }; experts: Record<string, { mean: number }> }): number {
    return this.options.expert === undefined ? record.reward.mean : (record.experts[this.options.expert]?.mean ?? Number.NaN);
  }

  update(step: number, value: number): boolean {
    if (!this.state) {
      this.state = { bestStep: step, bestValue: Number.isFinite(value) ? value : -Infinity, since: 0 };
      return false;
    }
    if (Number.isFinite(value) && value > this.state.bestValue + this.options.minDelta) {
      this.state = { bestStep: step, bestValue: value, since: 0 };
      return false;
    }
    this.state.since += 1;
    return this.state.since >= this.options.patience;
  }
}
