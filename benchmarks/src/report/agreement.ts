import { expertAgreement, type PairAgreement } from '@t2i-reward/core';
import type { ResultRecord } from '../types.js';

/** How far the experts of an ensemble run agree (reward-hacking diagnostics); see the README. */
export interface BenchAgreement {
  experts: string[];
  /** Scored images with a score from at least two experts. */
  images: number;
  /** Per expert: mean score over the scored images it scored, and how many. */
  means: Record<string, { mean: number | null; n: number }>;
  /** Kendall τ-b between each pair of experts over all scored images (one ranking of the whole run). */
  overall: PairAgreement[];
  /**
   * Within each prompt's samples (runs with --samples > 1): mean τ-b per pair, and the share of prompts whose
   * best sample differs by expert (no sample is best for all). Empty pairs / null with one sample a prompt.
   */
  withinPrompt: { pairs: PairAgreement[]; meanTau: number | null; bestDiffers: number | null; prompts: number };
}

/** Agreement figures of a run's scored records; undefined when fewer than two experts scored. */
export function benchAgreement(records: readonly ResultRecord[]): BenchAgreement | undefined {
  const scored = records.filter((r) => r.status === 'ok');
  const experts = [...new Set(scored.flatMap((r) => Object.keys(r.experts)))].sort();
  if (experts.length < 2) return undefined;
  const scores = Object.fromEntries(experts.map((e) => [e, scored.map((r) => r.experts[e]?.score ?? null)]));
  const overall = expertAgreement(scores, scored.length || 1);
  const within = expertAgreement(
    scores,
    scored.map((r) => r.itemId),
  );
  const multiSample = within.pairs.some((p) => p.groups > 0);
  return {
    experts,
    images: scored.filter((r) => experts.filter((e) => typeof r.experts[e]?.score === 'number').length >= 2).length,
    means: Object.fromEntries(
      experts.map((e) => {
        const values = scores[e]!.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
        return [e, { mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null, n: values.length }];
      }),
    ),
    overall: overall.pairs,
    withinPrompt: {
      pairs: within.pairs,
      meanTau: within.meanTau,
      bestDiffers: multiSample ? within.bestDiffers : null,
      prompts: within.groups,
    },
  };
}
