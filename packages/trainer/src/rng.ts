import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * The trainer's own seeded random source (sampling, prompt order), on pure-rand's xoroshiro128+ because its
 * state can be read and restored exactly: a resumed run continues the same stream.
 */
export class SeededRng {
  private constructor(private generator: JumpableRandomGenerator) {}

  static fromSeed(seed: number): SeededRng {
    return new SeededRng(xoroshiro128plus(seed | 0));
  }

  static fromState(state: readonly number[]): SeededRng {
    return new SeededRng(xoroshiro128plusFromState(state));
  }

  /** Uniform in [0, 1), 53 bits. */
  next(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  /** Index drawn from unnormalised non-negative weights (a categorical sample). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i += 1) total += weights[i] ?? 0;
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i += 1) {
      u -= weights[i] ?? 0;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** A fresh 32-bit seed, e.g. for a TF.js initialiser. */
  seed(): number {
    return this.int(2 ** 31);
  }

  getState(): number[] {
    return [...this.generator.getState()];
  }

  clone(): SeededRng {
    return SeededRng.fromState(this.getState());
  }
}
