import { T2IRewardError, type T2IRewardErrorOptions } from '@t2i-reward/core';

const JUDGE_ANSWER_MARKER = Symbol.for('t2i-reward.error.JudgeAnswerError');

/**
 * The judge answered, but its answer gives no usable score: no match of the pattern (`data.reason: 'no-score'`),
 * or a number outside the scale (`'out-of-scale'`). A per-item error, never a 0: a trainer leaves the item out
 * rather than learn that an unparseable answer is the worst image.
 */
export class JudgeAnswerError extends T2IRewardError {
  constructor(message: string, options: T2IRewardErrorOptions = {}) {
    super('JUDGE_ANSWER', message, options);
    this.name = 'JudgeAnswerError';
    (this as unknown as Record<symbol, boolean>)[JUDGE_ANSWER_MARKER] = true;
  }

  static override isInstance(error: unknown): error is JudgeAnswerError {
    return T2IRewardError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[JUDGE_ANSWER_MARKER] === true;
  }
}

/** The number a pattern finds in an answer, with the text it matched. */
export interface ExtractedScore {
  value: number;
  match: string;
}

/**
 * The number in `answer`: the first capture group of the first (or last) match of `regex`, parsed as a decimal.
 * Undefined when nothing matches or the group is not a finite number.
 */
export function extractScore(answer: string, regex: RegExp, occurrence: 'first' | 'last' = 'first'): ExtractedScore | undefined {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`);
  let chosen: RegExpExecArray | undefined;
  for (const match of answer.matchAll(global)) {
    if (match[1] === undefined || !Number.isFinite(Number(match[1])) || match[1].trim() === '') continue;
    chosen = match;
    if (occurrence === 'first') break;
  }
  return chosen ? { value: Number(chosen[1]), match: chosen[0] } : undefined;
}

/** (x − min) / (max − min); outside the scale: undefined, or the clamped value when `clamp`. */
export function scaleToUnit(value: number, [min, max]: readonly [number, number], clamp = false): number | undefined {
  if (value < min || value > max) {
    if (!clamp) return undefined;
    value = Math.min(Math.max(value, min), max);
  }
  return (value - min) / (max - min);
}
