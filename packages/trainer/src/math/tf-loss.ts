import type * as tfjs from '@tensorflow/tfjs';
import { resolveLossOptions, type GrpoLossOptions } from './loss.js';

/** The TF.js namespace (`@tensorflow/tfjs`, or tfjs-node-gpu): passed in so this module loads no runtime itself. */
export type Tf = typeof tfjs;

export interface GrpoLossTfInput {
  /** [B, T] log πθ of the sampled tokens, differentiable w.r.t. the policy's variables. */
  logProbs: tfjs.Tensor2D;
  /** [B, T] log π_old; default a gradient-stopped copy of logProbs (one update per batch: ρ = 1). */
  oldLogProbs?: tfjs.Tensor2D | null;
  /** [B, T] log π_ref of the frozen reference; needed when β ≠ 0. */
  refLogProbs?: tfjs.Tensor2D | null;
  /** [B] one advantage per sequence. */
  advantages: tfjs.Tensor1D | readonly number[];
  /** [B, T] 1 = token counts (padding and failed-reward sequences 0). */
  mask: tfjs.Tensor2D | readonly (readonly number[])[];
}

/** Identity whose gradient is zero (TF.js has no public stop_gradient). */
export function stopGradient<T extends tfjs.Tensor>(tf: Tf, x: T): T {
  const op = tf.customGrad((input) => {
    const value = (input as tfjs.Tensor).clone();
    return { value, gradFunc: (dy) => tf.zerosLike(dy as tfjs.Tensor) };
  });
  return op(x) as T;
}

/** log π of the chosen tokens from logits [B, T, V] and token ids [B, T]; gradient-friendly (one-hot product). */
export function tokenLogProbs(tf: Tf, logits: tfjs.Tensor3D, tokens: tfjs.Tensor2D): tfjs.Tensor2D {
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const oneHot = tf.oneHot(tf.cast(tokens, 'int32'), vocab) as tfjs.Tensor3D;
    return tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), -1) as tfjs.Tensor2D;
  });
}

/**
 * The GRPO loss as a TF.js scalar (call it inside `tf.variableGrads` / `optimizer.minimize`). Same formula and
 * aggregations as `grpoLoss` in loss.ts; sequences whose mask is all zero do not count in B.
 */
export function grpoLossTf(tf: Tf, input: GrpoLossTfInput, options: GrpoLossOptions = {}): tfjs.Scalar {
  const { epsilonLow, epsilonHigh, beta, aggregation, maxLength, globalTokenCount } = resolveLossOptions(options);
  if (beta !== 0 && !input.refLogProbs) throw new RangeError('beta ≠ 0 needs refLogProbs');
  return tf.tidy(() => {
    const logProbs = input.logProbs;
    const old = input.oldLogProbs ?? stopGradient(tf, logProbs);
    const advantages = (Array.isArray(input.advantages) ? tf.tensor1d(input.advantages as number[]) : input.advantages) as tfjs.Tensor1D;
    const mask = (input.mask instanceof tf.Tensor ? input.mask : tf.tensor2d(input.mask as number[][])) as tfjs.Tensor2D;
    const a = tf.expandDims(advantages, 1);
    const ratio = tf.exp(tf.sub(logProbs, old));
    const unclipped = tf.mul(ratio, a);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - epsilonLow, 1 + epsilonHigh), a);
    // tf.minimum sends the gradient of a tie to its first argument: the unclipped term, as in torch.min.
    let perToken = tf.neg(tf.minimum(unclipped, clipped));
    if (beta !== 0 && input.refLogProbs) {
      const d = tf.sub(input.refLogProbs, logProbs);
      const kl = tf.sub(tf.sub(tf.exp(d), d), 1);
      perToken = tf.add(perToken, tf.mul(kl, beta));
    }
    const masked = tf.mul(perToken, mask);
    const rowTokens = tf.sum(mask, 1);
    const rows = tf.maximum(tf.sum(tf.cast(tf.greater(rowTokens, 0), 'float32')), 1);
    const tokens = tf.maximum(tf.sum(mask), 1);
    switch (aggregation) {
      case 'grpo':
        return tf.div(tf.sum(tf.div(tf.sum(masked, 1), tf.maximum(rowTokens, 1))), rows) as tfjs.Scalar;
      case 'bnpo':
        return tf.div(tf.sum(masked), tokens) as tfjs.Scalar;
      case 'dr-grpo':
        return tf.div(tf.sum(masked), tf.mul(rows, maxLength ?? logProbs.shape[1])) as tfjs.Scalar;
      case 'dapo':
        return tf.div(tf.sum(masked), globalTokenCount === undefined ? tokens : Math.max(globalTokenCount, 1)) as tfjs.Scalar;
    }
  });
}
