import { describe, expect, it } from 'vitest';
import { IdMap } from '../src/data/id-map.js';
import { Rng } from '../src/math/rng.js';
import { ItemRanker } from '../src/models/item-ranker.js';
import { QuantizedScorer, type SparseColumn } from '../src/models/quantized-scorer.js';
import { TopN } from '../src/models/top-n.js';

/** u·y_j + Σ_c w_c · column c's value at j, in f64. */
function exactScores(
  rows: Float32Array,
  stride: number,
  user: Float32Array,
  columns: SparseColumn[],
  weights: Float32Array,
): Float64Array {
  const count = rows.length / stride;
  const out = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    for (let c = 0; c < stride; c++) out[j] += user[c] * rows[j * stride + c];
  }
  for (const [c, { items, values }] of columns.entries()) {
    for (let e = 0; e < items.length; e++) out[items[e]] += values[e] * weights[c];
  }
  return out;
}

describe('QuantizedScorer', () => {
  it('keeps every score within its bound, and the bound tight', () => {
    const rng = new Rng(3);
    for (const stride of [4, 12, 36, 40, 132]) {
      const count = 301;
      // Rows of very different sizes, zero rows and a zero user slot: the per-row scales must cope.
      const rows = Float32Array.from({ length: count * stride }, (_, a) =>
        Math.floor(a / stride) % 50 === 0 ? 0 : rng.normal() * (1 + (Math.floor(a / stride) % 7)),
      );
      const columns: SparseColumn[] = Array.from({ length: 5 }, () => {
        const items = Int32Array.from(new Set(Array.from({ length: 40 }, () => rng.int(count)))).sort();
        return { items, values: Float32Array.from(items, () => rng.uniform()) };
      });
      const scorer = new QuantizedScorer(rows, count, stride, columns);
      const user = Float32Array.from({ length: stride }, (_, c) => (c === 1 ? 0 : rng.normal() * 3));
      const weights = Float32Array.from(columns, (_, c) => (c === 2 ? 0 : rng.normal()));
      const { scores, bound } = scorer.score(user, weights);
      const exact = exactScores(rows, stride, user, columns, weights);
      let worst = 0;
      for (let j = 0; j < count; j++) worst = Math.max(worst, Math.abs(scores[j] - exact[j]));
      expect(worst).toBeLessThanOrEqual(bound);
      const spread = Math.max(...exact) - Math.min(...exact);
      // One bound for all items, from the largest rows: loose for rows of very different sizes, as here.
      expect(bound).toBeLessThan(5e-3 * spread);
    }
  });

  it('scores a zero user as zero, with a zero bound', () => {
    const rows = Float32Array.from({ length: 8 * 3 }, (_, a) => a - 10);
    const { scores, bound } = new QuantizedScorer(rows, 3, 8).score(new Float32Array(8));
    expect(Array.from(scores)).toEqual([0, 0, 0]);
    expect(bound).toBe(0);
  });
});

describe('ItemRanker.rankBounded', () => {
  const count = 500;
  const items = IdMap.from(Array.from({ length: count }, (_, j) => `i${j}`));
  const counts = Int32Array.from({ length: count }, (_, j) => j % 5);

  /**
   * `got` is a top n of the exact scores by the rules `allowed`: the same scores as the plain way's, each
   * item allowed, distinct and exactly scored (which of several items tied at the n-th score is kept
   * depends on the order they were seen, so items are compared only through their scores).
   */
  function expectTop(
    got: { item: string; score: number }[],
    exact: Float64Array,
    n: number,
    allowed: (j: number) => boolean,
  ) {
    const top = new TopN(n);
    for (let j = 0; j < count; j++) if (allowed(j)) top.push(j, exact[j]);
    expect(got.map((s) => s.score)).toEqual(top.sorted().map((s) => s.score));
    expect(new Set(got.map((s) => s.item)).size).toBe(got.length);
    for (const { item, score } of got) {
      const j = Number(item.slice(1));
      expect(allowed(j)).toBe(true);
      expect(score).toBe(exact[j]);
    }
  }

  it('finds the exact top n from scores that are off by up to the bound, in f64 and in f32', () => {
    const rng = new Rng(11);
    const ranker = new ItemRanker(items, () => counts);
    for (let trial = 0; trial < 400; trial++) {
      // Coarse scores make near-ties common, where the approximation would swap items; f32 values, so
      // that the f32 copy is off by little more than the noise (at most 0.9 bound).
      const exact = Float64Array.from({ length: count }, () =>
        Math.fround(Math.round(rng.normal() * 20) / 10),
      );
      const bound = [0, 0.01, 0.05, 0.3][trial % 4];
      const noisy = exact.map((s) => s + (rng.uniform() - 0.5) * 1.8 * bound);
      const approx = trial % 8 < 4 ? noisy : Float32Array.from(noisy);
      const rated = Int32Array.from({ length: 30 }, () => rng.int(count));
      const n = 1 + rng.int(15);
      const got = ranker.rankBounded(approx, bound, (j) => exact[j], rated, { n, minRatings: 2 });
      const ratedSet = new Set(rated);
      expectTop(got, exact, n, (j) => !ratedSet.has(j) && counts[j] >= 2);
    }
  });

  it('applies exclude, filter and include like rank', () => {
    const rng = new Rng(5);
    const ranker = new ItemRanker(items, () => counts);
    const exact = Float64Array.from({ length: count }, () => rng.normal());
    const approx = Float64Array.from(exact, (s) => s + 0.01 * (2 * rng.uniform() - 1));
    const none = new Int32Array(0);
    const options = {
      n: 7,
      exclude: ['i3', 'i4', 'unknown'],
      filter: (id: string) => Number(id.slice(1)) % 3 === 0,
    };
    const got = ranker.rankBounded(approx, 0.01, (j) => exact[j], none, options);
    expectTop(got, exact, 7, (j) => j % 3 === 0 && j !== 3 && j !== 4);
    const include = ['i10', 'i20', 'i30', 'nope'];
    const only = ranker.rankBounded(approx, 0.01, (j) => exact[j], none, { n: 2, include });
    expectTop(only, exact, 2, (j) => j === 10 || j === 20 || j === 30);
    // Fewer candidates than n: all of them, exactly scored.
    expect(ranker.rankBounded(approx, 0.01, (j) => exact[j], none, { n: 10, include })).toHaveLength(3);
  });
});
