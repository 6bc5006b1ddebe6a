import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './math/index.js';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW); default 0. */
  weightDecay?: number;
}

export interface AdamState {
  step: number;
  /** First and second moments, in variable order. */
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * Adam(W) over TF.js variables whose whole state is exportable. TF.js's own AdamOptimizer recomputes
 * β^t in float32 on `setWeights`, so a resumed run drifts from an uninterrupted one in the last bits; here the
 * bias corrections come from the step count in float64, and the moments are saved exactly.
 */
export class AdamOptimizer {
  private step = 0;
  private m: tfjs.Variable[] | undefined;
  private v: tfjs.Variable[] | undefined;
  readonly options: Required<AdamOptions>;

  constructor(
    private readonly tf: Tf,
    options: AdamOptions,
  ) {
    this.options = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, ...options };
  }

  get iterations(): number {
    return this.step;
  }

  private ensureMoments(variables: readonly tfjs.Variable[]): { m: tfjs.Variable[]; v: tfjs.Variable[] } {
    if (!this.m || !this.v) {
      this.m = variables.map((variable) => this.tf.variable(this.tf.zerosLike(variable), false));
      this.v = variables.map((variable) => this.tf.variable(this.tf.zerosLike(variable), false));
    }
    return { m: this.m, v: this.v };
  }

  /** One update; `gradients[i]` belongs to `variables[i]` (a missing gradient skips that variable). */
  apply(variables: readonly tfjs.Variable[], gradients: readonly (tfjs.Tensor | undefined)[]): void {
    const { tf } = this;
    const { m, v } = this.ensureMoments(variables);
    const { learningRate, beta1, beta2, epsilon, weightDecay } = this.options;
    this.step += 1;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      variables.forEach((variable, i) => {
        const gradient = gradients[i];
        const first = m[i];
        const second = v[i];
        if (!gradient || !first || !second) return;
        const newFirst = tf.add(tf.mul(first, beta1), tf.mul(gradient, 1 - beta1));
        const newSecond = tf.add(tf.mul(second, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        first.assign(newFirst);
        second.assign(newSecond);
        const update = tf.div(tf.div(newFirst, correction1), tf.add(tf.sqrt(tf.div(newSecond, correction2)), epsilon));
        let next = tf.sub(variable, tf.mul(update, learningRate));
        if (weightDecay !== 0) next = tf.sub(next, tf.mul(variable, learningRate * weightDecay));
        variable.assign(next as tfjs.Tensor);
      });
    });
  }

  getState(): AdamState {
    return {
      step: this.step,
      m: (this.m ?? []).map((t) => Float32Array.from(t.dataSync() as Float32Array)),
      v: (this.v ?? []).map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    };
  }

  setState(state: AdamState, variables: readonly tfjs.Variable[]): void {
    this.dispose();
    this.step = state.step;
    if (state.m.length === 0) return;
    if (state.m.length !== variables.length || state.v.length !== variables.length) {
      throw new RangeError(`optimizer state has ${state.m.length} moments for ${variables.length} variables`);
    }
    this.m = variables.map((variable, i) => this.tf.variable(this.tf.tensor(state.m[i]!, variable.shape), false));
    this.v = variables.map((variable, i) => this.tf.variable(this.tf.tensor(state.v[i]!, variable.shape), false));
  }

  dispose(): void {
    this.m?.forEach((t) => t.dispose());
    this.v?.forEach((t) => t.dispose());
    this.m = undefined;
    this.v = undefined;
  }
}
