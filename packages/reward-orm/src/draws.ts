/**
 * A small seeded uniform source (SplitMix64 on BigInt, 53-bit doubles in [0, 1)) for the ORM's reference sampling:
 * the same seed gives the same stream on every platform.
 */
export class SeededUniform {
  #state: bigint;
  constructor(seed: number) {
    this.#state = BigInt.asUintN(64, BigInt(Math.trunc(seed)));
  }

  next(): number {
    this.#state = BigInt.asUintN(64, this.#state + 0x9e3779b97f4a7c15n);
    let z = this.#state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  }
}
