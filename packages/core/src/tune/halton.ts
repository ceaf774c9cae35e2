import type { Rng } from '../math/rng.js';

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71];

/**
 * A scrambled Halton sequence (Halton 1960; random digit permutations as in Matoušek 1998): dimension d
 * writes the point's index in the d-th prime base b and reads the digits back after the radix point,
 * each digit position passed through its own seeded permutation of 0..b−1. The points fill the unit
 * cube more evenly than independent uniform draws, and the scrambling breaks the strong correlation
 * between the plain sequence's higher dimensions. The same generator gives the same points.
 */
export class ScrambledHalton {
  /** permutations[d][j]: the permutation of the digits of position j in dimension d. */
  private readonly permutations: Int32Array[][];

  constructor(
    readonly dimensions: number,
    rng: Rng,
  ) {
    if (dimensions > PRIMES.length) {
      throw new Error(`a Halton sequence here has at most ${PRIMES.length} dimensions, not ${dimensions}`);
    }
    this.permutations = PRIMES.slice(0, dimensions).map((base) => {
      // Enough digits to resolve 2^-32: finer than any parameter needs.
      const depth = Math.ceil((32 * Math.LN2) / Math.log(base));
      return Array.from({ length: depth }, () => rng.permutation(base));
    });
  }

  /** The point of index `index` (a whole number ≥ 0), in [0, 1)^dimensions. */
  point(index: number): number[] {
    return this.permutations.map((digits, d) => {
      const base = PRIMES[d];
      let rest = index;
      let scale = 1 / base;
      let value = 0;
      for (const permutation of digits) {
        value += permutation[rest % base] * scale;
        rest = Math.floor(rest / base);
        scale /= base;
      }
      return value;
    });
  }
}
