import { describe, expect, it } from 'vitest';
import {
  conditionKernel,
  elementarySymmetric,
  type LowRankKernel,
  qualityKernel,
  sampleKDpp,
} from '../src/math/k-dpp.js';
import { Rng } from '../src/math/rng.js';

/** det of a small square matrix (row-major) by Gaussian elimination with partial pivoting. */
function det(m: number[], n: number): number {
  const a = [...m];
  let d = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (a[p * n + c] === 0) return 0;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      d = -d;
    }
    d *= a[c * n + c];
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
    }
  }
  return d;
}

/** L_Y for the rows Y of a low-rank kernel. */
function minor(kernel: LowRankKernel, items: number[]): number[] {
  const { features, dim } = kernel;
  return items.flatMap((i) =>
    items.map((j) => {
      let s = 0;
      for (let c = 0; c < dim; c++) s += features[i * dim + c] * features[j * dim + c];
      return s;
    }),
  );
}

function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}

function randomVectors(rng: Rng, items: number, dim: number): number[] {
  return Array.from({ length: items * dim }, () => rng.normal());
}

describe('k-DPP sampling', () => {
  it('draws k distinct items', () => {
    const rng = new Rng(1);
    const kernel = qualityKernel(randomVectors(rng, 200, 16), 16, [...Array(200).keys()], Array(200).fill(1));
    for (let t = 0; t < 50; t++) {
      const k = 1 + (t % 8);
      const drawn = sampleKDpp(kernel, k, rng);
      expect(drawn).toHaveLength(k);
      expect(new Set(drawn).size).toBe(k);
      for (const i of drawn) expect(i >= 0 && i < 200).toBe(true);
    }
  });

  it('matches the exact k-DPP probabilities on a tiny kernel', () => {
    const rng = new Rng(2);
    const n = 6;
    const k = 2;
    const kernel = qualityKernel(randomVectors(rng, n, 3), 3, [...Array(n).keys()], [1, 2, 0.5, 1.5, 1, 0.8]);
    const sets = subsets(n, k);
    const dets = sets.map((s) => det(minor(kernel, s), k));
    const z = dets.reduce((a, b) => a + b, 0);
    const counts = new Map<string, number>();
    const draws = 40000;
    for (let t = 0; t < draws; t++) {
      const key = sampleKDpp(kernel, k, rng)
        .sort((a, b) => a - b)
        .join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    sets.forEach((s, j) => {
      const p = dets[j] / z;
      const observed = (counts.get(s.join(',')) ?? 0) / draws;
      // Within 4 standard errors of the exact probability.
      expect(Math.abs(observed - p), `set ${s}: ${observed} vs ${p}`).toBeLessThan(
        4 * Math.sqrt((p * (1 - p)) / draws) + 1e-9,
      );
    });
  });

  it('draws sets less alike than the k most popular items', () => {
    // Three tight clusters of items; the most popular ones all sit in the first cluster.
    const rng = new Rng(3);
    const centres = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const vectors: number[] = [];
    const popularity: number[] = [];
    for (let i = 0; i < 60; i++) {
      const c = centres[i % 3];
      vectors.push(...c.map((x) => x + 0.1 * rng.normal()));
      popularity.push(i % 3 === 0 ? 100 - i : 50 - i / 2);
    }
    const rows = [...Array(60).keys()];
    const kernel = qualityKernel(vectors, 3, rows, popularity.map(Math.sqrt));
    const cosine = (i: number, j: number) => {
      const a = vectors.slice(i * 3, i * 3 + 3);
      const b = vectors.slice(j * 3, j * 3 + 3);
      const d = a.reduce((s, x, c) => s + x * b[c], 0);
      return d / Math.hypot(...a) / Math.hypot(...b);
    };
    const meanSimilarity = (set: number[]) => {
      let s = 0;
      let pairs = 0;
      for (let a = 0; a < set.length; a++)
        for (let b = a + 1; b < set.length; b++, pairs++) s += cosine(set[a], set[b]);
      return s / pairs;
    };
    const top = [...rows].sort((a, b) => popularity[b] - popularity[a]).slice(0, 3);
    let dpp = 0;
    for (let t = 0; t < 200; t++) dpp += meanSimilarity(sampleKDpp(kernel, 3, rng)) / 200;
    expect(meanSimilarity(top)).toBeGreaterThan(0.9);
    expect(dpp).toBeLessThan(0.3);
  });

  it('conditions on given items: the draw avoids their direction', () => {
    // Items 0 and 1 point the same way, item 2 elsewhere: given 0, the 1-DPP draws 2 nearly always.
    const kernel = qualityKernel([1, 0, 0.99, 0.14, 0, 1], 2, [0, 1, 2], [1, 1, 1]);
    const conditioned = conditionKernel(kernel, [0]);
    expect(minor(conditioned, [0])[0]).toBeCloseTo(0, 12);
    // Schur complement: L_11 − L_10²/L_00.
    const l = minor(kernel, [0, 1, 2]);
    expect(minor(conditioned, [1])[0]).toBeCloseTo(l[4] - (l[3] * l[1]) / l[0], 12);
    const rng = new Rng(4);
    let second = 0;
    for (let t = 0; t < 2000; t++) if (sampleKDpp(conditioned, 1, rng)[0] === 2) second++;
    expect(second / 2000).toBeGreaterThan(0.95);
  });

  it('refuses k above the rank, and bad input', () => {
    const kernel = qualityKernel([1, 0, 2, 0, 0, 0], 2, [0, 1, 2], [1, 1, 1]);
    expect(() => sampleKDpp(kernel, 2, new Rng(5))).toThrow(/exceeds the kernel's rank 1/);
    expect(sampleKDpp(kernel, 1, new Rng(5))).not.toContain(2);
    expect(sampleKDpp(kernel, 2, new Rng(5), { atMost: true })).toHaveLength(1);
    expect(sampleKDpp(conditionKernel(kernel, [0]), 1, new Rng(5), { atMost: true })).toEqual([]);
    expect(() => sampleKDpp(kernel, -1, new Rng(5))).toThrow(/k must be/);
    expect(() => qualityKernel([1, 0], 2, [0], [])).toThrow(/1 rows but 0 qualities/);
    expect(() => conditionKernel(kernel, [7])).toThrow(/not in 0..2/);
  });

  it('computes elementary symmetric polynomials', () => {
    const e = elementarySymmetric([1, 2, 3], 3);
    expect(Array.from(e[3])).toEqual([1, 6, 11, 6]);
    expect(Array.from(e[2])).toEqual([1, 3, 2, 0]);
  });
});
