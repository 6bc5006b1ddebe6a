/**
 * The per-token GRPO objective and its aggregations (DESIGN.md §3), as pure number-array functions
 * (float64; the TF.js version in tf-loss.ts is the one gradients flow through, this one is its reference).
 *
 * per-token loss = −min(ρ·A, clip(ρ, 1 − ε_low, 1 + ε_high)·A) + β·k3,
 * ρ = exp(logπθ − logπ_old), k3 = exp(ref − logπθ) − (ref − logπθ) − 1.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '@t2i-reward/core';

/** TRL's names: grpo (per-sequence token mean, then mean), bnpo (sum / tokens), dr-grpo (sum / (B·L_max)), dapo (sum / global tokens). */
export const LOSS_AGGREGATIONS = ['grpo', 'bnpo', 'dr-grpo', 'dapo'] as const;
export type LossAggregation = (typeof LOSS_AGGREGATIONS)[number];

/** The loss options (JSON Schema, the train config's `settings` takes them); GrpoLossOptions is its type. */
export const grpoLossOptionsSchema = Type.Object(
  {
    /** KL coefficient on k3; default 0 (T2I-R1: 0.01). */
    beta: Type.Optional(Type.Number({ minimum: 0 })),
    /** Default `grpo`. */
    aggregation: Type.Optional(StringEnum(LOSS_AGGREGATIONS)),
    /** Lower clip range: ρ below 1 − ε_low stops pushing down; default 0.2. */
    epsilonLow: Type.Optional(Type.Number({ minimum: 0 })),
    /** Upper clip range (DAPO's clip-higher uses 0.28); default = epsilonLow. */
    epsilonHigh: Type.Optional(Type.Number({ minimum: 0 })),
    /** `dr-grpo` divides by B·maxLength; default the padded width of the batch (TRL uses max_completion_length). */
    maxLength: Type.Optional(Type.Integer({ minimum: 1 })),
    /** `dapo` divides by the token count of the whole global batch (all micro-batches); default this batch's. */
    globalTokenCount: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type GrpoLossOptions = Static<typeof grpoLossOptionsSchema>;

export interface ResolvedLossOptions {
  epsilonLow: number;
  epsilonHigh: number;
  beta: number;
  aggregation: LossAggregation;
  maxLength: number | undefined;
  globalTokenCount: number | undefined;
}

export function resolveLossOptions(options: GrpoLossOptions = {}): ResolvedLossOptions {
  const epsilonLow = options.epsilonLow ?? 0.2;
  return {
    epsilonLow,
    epsilonHigh: options.epsilonHigh ?? epsilonLow,
    beta: options.beta ?? 0,
    aggregation: options.aggregation ?? 'grpo',
    maxLength: options.maxLength,
    globalTokenCount: options.globalTokenCount,
  };
}

/** Schulman's k3 estimator of KL(πθ ‖ π_ref) from one token: exp(d) − d − 1 with d = ref − logπθ; ≥ 0, 0 iff equal. */
export function k3(logProb: number, refLogProb: number): number {
  const d = refLogProb - logProb;
  return Math.exp(d) - d - 1;
}

export interface TokenLoss {
  loss: number;
  ratio: number;
  kl: number;
  /** True when clipping removed this token's gradient (ρ outside the range on the side A pushes towards). */
  clipped: boolean;
}

export function perTokenLoss(logProb: number, oldLogProb: number, refLogProb: number | undefined, advantage: number, options: GrpoLossOptions = {}): TokenLoss {
  const { epsilonLow, epsilonHigh, beta } = resolveLossOptions(options);
  const ratio = Math.exp(logProb - oldLogProb);
  const clippedRatio = Math.min(Math.max(ratio, 1 - epsilonLow), 1 + epsilonHigh);
  const surrogate = Math.min(ratio * advantage, clippedRatio * advantage);
  const kl = refLogProb === undefined ? 0 : k3(logProb, refLogProb);
  const clipped = (ratio < 1 - epsilonLow && advantage < 0) || (ratio > 1 + epsilonHigh && advantage > 0);
  return { loss: -surrogate + beta * kl, ratio, kl, clipped };
}

/** Rows are sequences (ragged allowed); mask 1 = token counts. A row with no counted token is not a sequence of B. */
export function aggregateLoss(
  perToken: readonly (readonly number[])[],
  mask: readonly (readonly number[])[] | undefined,
  options: GrpoLossOptions = {},
): number {
  const { aggregation, maxLength, globalTokenCount } = resolveLossOptions(options);
  let total = 0;
  let tokens = 0;
  let rows = 0;
  let rowMeans = 0;
  let width = 0;
  perToken.forEach((row, b) => {
    width = Math.max(width, row.length);
    let rowSum = 0;
    let rowTokens = 0;
    row.forEach((value, t) => {
      const m = mask ? (mask[b]?.[t] ?? 0) : 1;
      rowSum += m * value;
      rowTokens += m;
    });
    total += rowSum;
    tokens += rowTokens;
    if (rowTokens > 0) {
      rows += 1;
      rowMeans += rowSum / rowTokens;
    }
  });
  switch (aggregation) {
    case 'grpo':
      return rowMeans / Math.max(rows, 1);
    case 'bnpo':
      return total / Math.max(tokens, 1);
    case 'dr-grpo':
      return total / (Math.max(rows, 1) * (maxLength ?? width));
    case 'dapo':
      return total / Math.max(globalTokenCount ?? tokens, 1);
  }
}

export interface GrpoLossInput {
  /** [B][T] log πθ of the sampled tokens. */
  logProbs: readonly (readonly number[])[];
  /** [B][T] log π_old (the sampling policy); default = logProbs (one update per batch: ρ = 1). */
  oldLogProbs?: readonly (readonly number[])[];
  /** [B][T] log π_ref (frozen reference) for the KL term; omit for β = 0. */
  refLogProbs?: readonly (readonly number[])[];
  /** [B] one advantage per sequence. */
  advantages: readonly number[];
  /** [B][T] 1 = token counts; default all ones. */
  mask?: readonly (readonly number[])[];
}

export interface GrpoLossResult {
  loss: number;
  perToken: number[][];
  /** Token means over counted tokens. */
  meanKl: number;
  clipFraction: number;
  meanRatio: number;
}

export function grpoLoss(input: GrpoLossInput, options: GrpoLossOptions = {}): GrpoLossResult {
  const resolved = resolveLossOptions(options);
  if (resolved.beta !== 0 && !input.refLogProbs) throw new RangeError('beta ≠ 0 needs refLogProbs');
  let tokens = 0;
  let klSum = 0;
  let clippedCount = 0;
  let ratioSum = 0;
  const perToken = input.logProbs.map((row, b) =>
    row.map((logProb, t) => {
      const old = input.oldLogProbs?.[b]?.[t] ?? logProb;
      const ref = input.refLogProbs?.[b]?.[t];
      const token = perTokenLoss(logProb, old, ref, input.advantages[b] ?? 0, resolved);
      const m = input.mask ? (input.mask[b]?.[t] ?? 0) : 1;
      tokens += m;
      klSum += m * token.kl;
      ratioSum += m * token.ratio;
      if (token.clipped) clippedCount += m;
      return token.loss;
    }),
  );
  const denominator = Math.max(tokens, 1);
  return {
    loss: aggregateLoss(perToken, input.mask, resolved),
    perToken,
    meanKl: klSum / denominator,
    clipFraction: clippedCount / denominator,
    meanRatio: ratioSum / denominator,
  };
}

/** log-softmax of one row of logits (stable). */
export function logSoftmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const logSum = Math.log(logits.reduce((acc, x) => acc + Math.exp(x - max), 0)) + max;
  return logits.map((x) => x - logSum);
}
