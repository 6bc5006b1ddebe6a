import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupAdvantages } from './advantages.js';
import { LOSS_AGGREGATIONS, grpoLoss, logSoftmax, type GrpoLossOptions } from './loss.js';
import { grpoLossTf, tokenLogProbs } from './tf-loss.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A small deterministic batch: B = 3 sequences, T = 4 tokens, V = 5; the third sequence is 2 tokens long.
const B = 3;
const T = 4;
const V = 5;
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}
const random = lcg(7);
const logits = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: V }, () => 2 * random() - 1)));
const tokens = Array.from({ length: B }, () => Array.from({ length: T }, () => Math.floor(random() * V)));
const mask = [
  [1, 1, 1, 1],
  [1, 1, 1, 1],
  [1, 1, 0, 0],
];
const advantages = [1.3, -0.7, 0.4];

function numericLogProbs(values: number[][][]): number[][] {
  return values.map((row, b) => row.map((l, t) => logSoftmax(l)[tokens[b]![t]!]!));
}
// Old and reference log-probs a little away from the current ones, inside the clip range (no kink nearby).
const current = numericLogProbs(logits);
const oldLogProbs = current.map((row) => row.map((v) => v + 0.05 * (random() - 0.5)));
const refLogProbs = current.map((row) => row.map((v) => v + 0.3 * (random() - 0.5)));

function tfLoss(logitTensor: tf.Tensor3D, options: GrpoLossOptions, extra: { old?: boolean; ref?: boolean } = {}): tf.Scalar {
  const logProbs = tokenLogProbs(tf, logitTensor, tf.tensor2d(tokens, [B, T], 'int32'));
  return grpoLossTf(
    tf,
    {
      logProbs,
      oldLogProbs: extra.old === false ? null : tf.tensor2d(oldLogProbs),
      refLogProbs: extra.ref === false ? null : tf.tensor2d(refLogProbs),
      advantages,
      mask,
    },
    options,
  );
}

describe('grpoLossTf', () => {
  it('equals the float64 reference for every aggregation', () => {
    for (const aggregation of LOSS_AGGREGATIONS) {
      const options: GrpoLossOptions = { aggregation, beta: 0.04, epsilonLow: 0.2, epsilonHigh: 0.28 };
      const expected = grpoLoss({ logProbs: current, oldLogProbs, refLogProbs, advantages, mask }, options).loss;
      const actual = tfLoss(tf.tensor3d(logits), options).arraySync();
      expect(actual).toBeCloseTo(expected, 5);
    }
  });

  it('its gradient w.r.t. the logits matches central finite differences of the float64 loss', () => {
    for (const aggregation of LOSS_AGGREGATIONS) {
      const options: GrpoLossOptions = { aggregation, beta: 0.04 };
      const gradient = tf
        .grad((x: tf.Tensor) => tfLoss(x as tf.Tensor3D, options))(tf.tensor3d(logits))
        .arraySync() as number[][][];
      const h = 1e-6;
      for (let b = 0; b < B; b += 1) {
        for (let t = 0; t < T; t += 1) {
          for (let v = 0; v < V; v += 1) {
            const shifted = (delta: number): number => {
              const copy = logits.map((row) => row.map((l) => [...l]));
              copy[b]![t]![v]! += delta;
              return grpoLoss({ logProbs: numericLogProbs(copy), oldLogProbs, refLogProbs, advantages, mask }, options).loss;
            };
            const numeric = (shifted(h) - shifted(-h)) / (2 * h);
            expect(Math.abs(gradient[b]![t]![v]! - numeric)).toBeLessThan(2e-5);
          }
        }
      }
    }
  });

  it('ρ = 1 and β = 0 give the plain policy gradient A·∇log π', () => {
    const logitTensor = tf.tensor3d(logits);
    const tokenTensor = tf.tensor2d(tokens, [B, T], 'int32');
    const grpoGradient = tf.grad((x: tf.Tensor) => tfLoss(x as tf.Tensor3D, { beta: 0 }, { old: false, ref: false }))(logitTensor);
    // −(1/B) Σ_b A_b · (1/T_b) Σ_t log π(token_bt): REINFORCE with the grpo aggregation's weights
    const policyGradient = tf.grad((x: tf.Tensor) => {
      const logProbs = tokenLogProbs(tf, x as tf.Tensor3D, tokenTensor);
      const maskTensor = tf.tensor2d(mask);
      const perSequence = tf.div(tf.sum(tf.mul(logProbs, maskTensor), 1), tf.sum(maskTensor, 1));
      return tf.neg(tf.mean(tf.mul(perSequence, tf.tensor1d(advantages))));
    })(logitTensor);
    const difference = tf.max(tf.abs(tf.sub(grpoGradient, policyGradient))).arraySync() as number;
    expect(difference).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(policyGradient)).arraySync()).toBeGreaterThan(1e-3);
  });

  it('a group of equal rewards gives zero advantage and zero gradient', () => {
    const equal = groupAdvantages([0.6, 0.6, 0.6], 3).advantages;
    expect(equal).toEqual([0, 0, 0]);
    const logitTensor = tf.tensor3d(logits);
    const gradient = tf.grad((x: tf.Tensor) =>
      grpoLossTf(tf, { logProbs: tokenLogProbs(tf, x as tf.Tensor3D, tf.tensor2d(tokens, [B, T], 'int32')), advantages: equal, mask }),
    )(logitTensor);
    expect(tf.max(tf.abs(gradient)).arraySync()).toBe(0);
  });

  it('the KL term has zero gradient where the policy equals the reference', () => {
    const logitTensor = tf.tensor3d(logits);
    const tokenTensor = tf.tensor2d(tokens, [B, T], 'int32');
    const gradient = tf.grad((x: tf.Tensor) =>
      grpoLossTf(
        tf,
        { logProbs: tokenLogProbs(tf, x as tf.Tensor3D, tokenTensor), refLogProbs: tf.tensor2d(current), advantages: [0, 0, 0], mask },
        { beta: 1 },
      ),
    )(logitTensor);
    expect(tf.max(tf.abs(gradient)).arraySync()).toBeLessThan(1e-6);
  });
});
