import type { Detection } from './boxes.js';
import { type ScoreOutcome, type ScoringInput, type ScoringOptions, askedForLabel, resolveObjects } from './common.js';
import { prepareBoxes } from './t2i-r1.js';

export interface CopyCount {
  label: string;
  /** Instances the prompt allows: the sum of its objects' counts with this label (an object without a count allows one). */
  asked: number;
  /** Boxes of the label after the score threshold, class-aware NMS and duplicate merging. */
  found: number;
  extra: number;
}

export interface CopyPenaltyDetails {
  /** λ, the option's value. */
  penalty: number;
  /** E: extra instances summed over the prompt's labels. */
  extra: number;
  /** (1 − λ)^E, the factor the formula's score was multiplied by. */
  factor: number;
  /** The formula's score before the penalty. */
  before: number;
  counts: CopyCount[];
}

/**
 * Extra copies of each object the prompt counts or names: found − asked per detector label (never below 0).
 * Boxes are prepared as the t2i-r1 formula does (boxThreshold, class-aware NMS at nmsIou, duplicates merged),
 * whatever formula scored the image, so the penalty means the same under every formula. Objects the detector
 * cannot name and GenEval exclusions (which have their own rule) are not counted.
 */
export function countCopies(
  input: Pick<ScoringInput, 'spec' | 'detections' | 'resolveLabel'>,
  options: Pick<ScoringOptions, 'boxThreshold' | 'nmsIou' | 'duplicateThreshold'>,
): CopyCount[] {
  const objects = resolveObjects(input.spec, input.resolveLabel, []);
  const boxes: Detection[] = prepareBoxes(input.detections, options);
  const labels = [...new Set(objects.map((o) => o.label).filter((l): l is string => l !== null))];
  return labels.map((label) => {
    const asked = askedForLabel(objects, label);
    const found = boxes.filter((b) => b.label === label).length;
    return { label, asked, found, extra: Math.max(0, found - asked) };
  });
}

/**
 * The copy penalty (option `copyPenalty` = λ in [0, 1], 0 = off): R' = R · (1 − λ)^E, E = Σ_labels
 * max(0, found − asked). With λ = 0.5 one extra copy halves the reward, two quarter it; λ = 1 zeroes any image
 * with an extra copy. A null score stays null; the breakdown goes to `details.copies`.
 */
export function applyCopyPenalty(outcome: ScoreOutcome, input: ScoringInput, options: ScoringOptions): ScoreOutcome {
  const penalty = options.copyPenalty;
  if (!(penalty > 0) || outcome.score === null) return outcome;
  const counts = countCopies(input, options);
  const extra = counts.reduce((sum, c) => sum + c.extra, 0);
  const factor = (1 - penalty) ** extra;
  const copies: CopyPenaltyDetails = { penalty, extra, factor, before: outcome.score, counts };
  return { ...outcome, score: outcome.score * factor, details: { ...outcome.details, copies } };
}
