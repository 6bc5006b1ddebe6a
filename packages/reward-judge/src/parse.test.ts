import { describe, expect, it } from 'vitest';
import { FINAL_SCORE_PATTERN } from './options.js';
import { extractScore, scaleToUnit } from './parse.js';

/*
 * A port of Flow-GRPO's UnifiedReward score, written from yifan123/flow_grpo `flow_grpo/rewards.py`
 * (`unifiedreward_score_sglang`, commit 54809b5):
 *   pattern = r"Final Score:\s*([1-5](?:\.\d+)?)"
 *   match = re.search(pattern, text); scores.append(float(match.group(1)) if match else 0.0)
 *   score = [sc/5.0 for sc in score]
 */
function flowGrpoScore(text: string): number {
  const match = /Final Score:\s*([1-5](?:\.\d+)?)/.exec(text);
  return (match ? Number.parseFloat(match[1]!) : 0) / 5;
}

const regex = new RegExp(FINAL_SCORE_PATTERN);
/** Ours with the defaults: the number on [1, 5] → (x − 1) / 4; null for no number or one off the scale. */
const ours = (text: string): number | null => {
  const found = extractScore(text, regex);
  return found ? (scaleToUnit(found.value, [1, 5]) ?? null) : null;
};

describe('the "Final Score:" number (golden cases against the port of Flow-GRPO)', () => {
  const inScale = [
    'Final Score: 4.5',
    'Final Score:3',
    'Final Score:\n 2.25',
    'elements...\nThe image is clear.\nFinal Score: 5',
    'Final Score: 1',
    'Final Score: 4.5\nFinal Score: 2', // several: the first, as re.search
    'Final Score: 3.75 (alignment good, quality fair)',
  ];
  it.each(inScale)('reads the same number as the reference, and an affine image of its score: %j', (text) => {
    const reference = flowGrpoScore(text);
    const found = extractScore(text, regex)!;
    expect(found.value).toBeCloseTo(reference * 5, 12);
    // Flow-GRPO maps x → x / 5; ours (x − 1) / 4 = (5/4)·(x / 5) − 1/4: the same order and, after GRPO's
    // per-group standardisation, the same advantages.
    expect(ours(text)).toBeCloseTo((5 / 4) * reference - 1 / 4, 12);
  });

  it('deviates where the reference gives 0 or misreads (documented in the README)', () => {
    // No score: the reference's 0.0, our null (a per-item error in the expert).
    expect(flowGrpoScore('I would rate it highly.')).toBe(0);
    expect(ours('I would rate it highly.')).toBeNull();
    // Off the scale: the reference reads the first digit of "10" as 1 (0.2); ours refuses it.
    expect(flowGrpoScore('Final Score: 10')).toBeCloseTo(0.2, 12);
    expect(ours('Final Score: 10')).toBeNull();
    expect(flowGrpoScore('Final Score: 0')).toBe(0);
    expect(ours('Final Score: 0')).toBeNull();
  });

  it('takes the last match when asked, skips a group that is not a number, and honours flags', () => {
    expect(extractScore('Final Score: 2 ... Final Score: 4', regex, 'last')).toEqual({ value: 4, match: 'Final Score: 4' });
    expect(extractScore('Score: n/a, Score: 3', /Score:\s*(\S+?)(?:,|$)/)).toEqual({ value: 3, match: 'Score: 3' });
    expect(extractScore('final score: 4', regex)).toBeUndefined();
    expect(extractScore('final score: 4', new RegExp(FINAL_SCORE_PATTERN, 'i'))!.value).toBe(4);
    expect(extractScore('Final Score: -1', regex)!.value).toBe(-1);
  });

  it('maps the scale linearly and clamps only when asked', () => {
    expect(scaleToUnit(1, [1, 5])).toBe(0);
    expect(scaleToUnit(5, [1, 5])).toBe(1);
    expect(scaleToUnit(3.5, [1, 5])).toBe(0.625);
    expect(scaleToUnit(7, [0, 10])).toBeCloseTo(0.7, 12);
    expect(scaleToUnit(5.5, [1, 5])).toBeUndefined();
    expect(scaleToUnit(5.5, [1, 5], true)).toBe(1);
    expect(scaleToUnit(-2, [1, 5], true)).toBe(0);
  });
});
