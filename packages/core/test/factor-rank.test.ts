import { describe, expect, it } from 'vitest';
import { holdout } from '../src/eval/splits.js';
import { Rng } from '../src/math/rng.js';
import { symmetricEigen } from '../src/math/symmetric-eigen.js';
import { fitAls } from '../src/models/als.js';
import { factorLayout } from '../src/models/factor-layout.js';
import { leadingRows, principalRows } from '../src/models/factor-rank.js';
import { lowRankRatings, rmseOn } from './synthetic.js';

const rng = new Rng(3);
const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
const dot = (a: Float32Array, i: number, b: Float32Array, j: number, stride: number): number => {
  let s = 0;
  for (let c = 0; c < stride; c++) s += a[i * stride + c] * b[j * stride + c];
  return s;
};

describe('symmetricEigen', () => {
  it('decomposes a symmetric matrix into V·diag(values)·Vᵀ, largest value first', () => {
    const n = 7;
    const a = random(n * n);
    const m = Float64Array.from({ length: n * n }, (_, i) => a[i] + a[(i % n) * n + Math.floor(i / n)]);
    const { values, vectors } = symmetricEigen(m, n);
    for (let c = 1; c < n; c++) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
    for (let r = 0; r < n; r++) {
      for (let s = 0; s < n; s++) {
        let rebuilt = 0;
        for (let c = 0; c < n; c++) rebuilt += vectors[r * n + c] * values[c] * vectors[s * n + c];
        expect(rebuilt).toBeCloseTo(m[r * n + s], 9);
      }
    }
  });
});

describe('principal factors', () => {
  const layout = factorLayout(6, true);
  const users = random(30 * layout.stride);
  const items = random(20 * layout.stride);

  it('rotate the latent slots without changing a single prediction, strongest direction first', () => {
    const principal = principalRows(users, items, layout);
    for (let u = 0; u < 30; u++) {
      for (let j = 0; j < 20; j++) {
        const before = dot(users, u, items, j, layout.stride);
        expect(dot(principal.userRows, u, principal.itemRows, j, layout.stride)).toBeCloseTo(before, 3);
      }
    }
    const s = principal.strengths;
    for (let c = 1; c < s.length; c++) expect(s[c]).toBeLessThanOrEqual(s[c - 1]);
    // The user coordinates of two directions are orthogonal.
    let cross = 0;
    let own = 0;
    for (let u = 0; u < 30; u++) {
      cross += principal.userRows[u * layout.stride] * principal.userRows[u * layout.stride + 1];
      own += principal.userRows[u * layout.stride] ** 2;
    }
    expect(Math.abs(cross)).toBeLessThan(1e-4 * own);
  });

  it('cut to the leading factors, keeping the biases and the constant slots', () => {
    const cut = leadingRows(users, layout, 2);
    expect(cut.layout.factors).toBe(2);
    expect(cut.rows.length).toBe(30 * cut.layout.stride);
    expect(cut.rows[cut.layout.stride + 1]).toBe(users[layout.stride + 1]);
    expect(cut.rows[cut.layout.stride + cut.layout.userBiasSlot]).toBe(
      users[layout.stride + layout.userBiasSlot],
    );
    expect(cut.rows[cut.layout.stride + cut.layout.itemBiasSlot]).toBe(
      users[layout.stride + layout.itemBiasSlot],
    );
  });
});

describe('ALS pruning', () => {
  // Rank-3 taste under heavy noise, about 50 ratings per user, enough ratings (49,000) that 5 % held
  // out can decide.
  const data = lowRankRatings({ users: 1000, items: 400, rank: 3, density: 0.12, noise: 1.5, biases: true });
  const split = holdout(data, 0.1, 1);

  it('keeps only the factors that predict held-out ratings, and predicts better for it', async () => {
    const pruned = await fitAls(split.train, {}, { threads: 1 });
    const full = await fitAls(split.train, { prune: false }, { threads: 1 });
    expect(pruned.report.factors).toBeGreaterThanOrEqual(3);
    expect(pruned.report.factors).toBeLessThanOrEqual(6);
    expect(pruned.model.layout.factors).toBe(pruned.report.factors);
    // The penalty is chosen again for the factors kept, among 0.08 × {1, 1/2, 1/4}.
    expect([0.08, 0.04, 0.02]).toContain(pruned.report.lambda);
    expect(full.report.lambda).toBeUndefined();
    expect(full.model.layout.factors).toBe(64);
    expect(full.report.factors).toBeUndefined();
    expect(rmseOn(pruned.model, split.test)).toBeLessThan(rmseOn(full.model, split.test) - 0.02);
  });

  it('ends with user rows a fold-in reproduces', async () => {
    const { model } = await fitAls(split.train, {}, { threads: 1 });
    const trained = model.userVector('u5');
    const ratings = Array.from(trained.rated.items, (j, l) => ({
      item: model.items.idAt(j),
      value: trained.rated.values[l],
    }));
    expect(model.predict(model.foldIn(ratings), 'i7')).toBeCloseTo(model.predict('u5', 'i7'), 2);
  });

  it('leaves small data sets alone: too few ratings to hold out', async () => {
    const small = lowRankRatings({ users: 60, items: 40, rank: 3, density: 0.5, noise: 1.5 });
    const { model, report } = await fitAls(small, { factors: 10 }, { threads: 1 });
    expect(model.layout.factors).toBe(10);
    expect(report.factors).toBeUndefined();
  });
});
