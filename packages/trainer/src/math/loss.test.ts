import { describe, expect, it } from 'vitest';
import { aggregateLoss, grpoLoss, k3, logSoftmax, perTokenLoss } from './loss.js';

describe('k3', () => {
  it('matches the hand-computed value and is 0 for equal log-probs', () => {
    // π = 0.5, π_ref = 0.25: d = ln 0.5, k3 = 0.5 − ln 0.5 − 1
    expect(k3(Math.log(0.5), Math.log(0.25))).toBeCloseTo(0.5 + Math.log(2) - 1, 12);
    expect(k3(-1.3, -1.3)).toBe(0);
    expect(k3(-0.2, -3)).toBeGreaterThan(0);
  });
});

describe('perTokenLoss', () => {
  it('clips ρ on the side the advantage pushes towards', () => {
    const high = perTokenLoss(Math.log(1.5), 0, undefined, 1);
    expect(high.loss).toBeCloseTo(-1.2, 12);
    expect(high.clipped).toBe(true);
    const low = perTokenLoss(Math.log(0.5), 0, undefined, -1);
    expect(low.loss).toBeCloseTo(0.8, 12);
    expect(low.clipped).toBe(true);
    // ρ = 0.5 with A > 0: min(0.5, 0.8) = 0.5, not clipped
    const inside = perTokenLoss(Math.log(0.5), 0, undefined, 1);
    expect(inside.loss).toBeCloseTo(-0.5, 12);
    expect(inside.clipped).toBe(false);
  });

  it('ε_high can differ from ε_low (clip-higher)', () => {
    const token = perTokenLoss(Math.log(1.25), 0, undefined, 1, { epsilonLow: 0.2, epsilonHigh: 0.28 });
    expect(token.loss).toBeCloseTo(-1.25, 12);
    expect(token.clipped).toBe(false);
  });

  it('adds β·k3', () => {
    const token = perTokenLoss(Math.log(0.5), Math.log(0.5), Math.log(0.25), 2, { beta: 0.1 });
    expect(token.loss).toBeCloseTo(-2 + 0.1 * (0.5 + Math.log(2) - 1), 12);
  });
});

describe('aggregateLoss', () => {
  const perToken = [
    [1, 2, 3],
    [4, 0, 0],
  ];
  const mask = [
    [1, 1, 1],
    [1, 0, 0],
  ];

  it('grpo: per-sequence token mean, then mean over sequences', () => {
    expect(aggregateLoss(perToken, mask, { aggregation: 'grpo' })).toBeCloseTo((6 / 3 + 4 / 1) / 2, 12);
  });
  it('bnpo: sum over the token count', () => {
    expect(aggregateLoss(perToken, mask, { aggregation: 'bnpo' })).toBeCloseTo(10 / 4, 12);
  });
  it('dr-grpo: sum over B · max length', () => {
    expect(aggregateLoss(perToken, mask, { aggregation: 'dr-grpo' })).toBeCloseTo(10 / (2 * 3), 12);
    expect(aggregateLoss(perToken, mask, { aggregation: 'dr-grpo', maxLength: 5 })).toBeCloseTo(10 / (2 * 5), 12);
  });
  it('dapo: sum over the global token count', () => {
    expect(aggregateLoss(perToken, mask, { aggregation: 'dapo' })).toBeCloseTo(10 / 4, 12);
    expect(aggregateLoss(perToken, mask, { aggregation: 'dapo', globalTokenCount: 8 })).toBeCloseTo(10 / 8, 12);
  });
  it('a fully masked sequence (failed reward) does not count in B', () => {
    const withDropped = [...perToken, [9, 9, 9]];
    const dropMask = [...mask, [0, 0, 0]];
    expect(aggregateLoss(withDropped, dropMask, { aggregation: 'grpo' })).toBeCloseTo(3, 12);
    expect(aggregateLoss(withDropped, dropMask, { aggregation: 'dr-grpo' })).toBeCloseTo(10 / 6, 12);
  });
});

describe('grpoLoss', () => {
  it('with ρ = 1 and β = 0 the loss is minus the mean advantage, and nothing is clipped', () => {
    const logProbs = [
      [-1, -2],
      [-0.5, -0.1],
    ];
    const result = grpoLoss({ logProbs, advantages: [1.5, -0.5] });
    expect(result.loss).toBeCloseTo(-(1.5 - 0.5) / 2, 12);
    expect(result.clipFraction).toBe(0);
    expect(result.meanRatio).toBe(1);
    expect(result.meanKl).toBe(0);
  });

  it('needs reference log-probs when β ≠ 0', () => {
    expect(() => grpoLoss({ logProbs: [[-1]], advantages: [1] }, { beta: 0.01 })).toThrow(RangeError);
  });

  it('reports KL and clip fraction over counted tokens', () => {
    const result = grpoLoss(
      {
        logProbs: [[Math.log(0.5), Math.log(0.9)]],
        oldLogProbs: [[Math.log(0.25), Math.log(0.9)]],
        refLogProbs: [[Math.log(0.25), Math.log(0.9)]],
        advantages: [1],
        mask: [[1, 1]],
      },
      { beta: 0.1 },
    );
    // token 0: ρ = 2 > 1.2 with A > 0: clipped; k3 = 0.5 + ln 2 − 1; token 1: ρ = 1, k3 = 0
    expect(result.clipFraction).toBe(0.5);
    expect(result.meanKl).toBeCloseTo((0.5 + Math.log(2) - 1) / 2, 12);
    expect(result.loss).toBeCloseTo((-1.2 + 0.1 * (0.5 + Math.log(2) - 1) - 1) / 2, 12);
  });
});

describe('logSoftmax', () => {
  it('normalises and is shift-invariant', () => {
    const values = logSoftmax([1, 2, 3]);
    expect(values.reduce((a, v) => a + Math.exp(v), 0)).toBeCloseTo(1, 12);
    logSoftmax([1001, 1002, 1003]).forEach((v, i) => expect(v).toBeCloseTo(values[i]!, 9));
  });
});
