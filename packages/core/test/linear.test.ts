import { describe, expect, it } from 'vitest';
import { type FeatureField, type FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { sigmoid } from '../src/math/logistic.js';
import { Rng } from '../src/math/rng.js';
import { LR_FAMILY } from '../src/models/binary/families.js';
import { fitLinear, type LinearModel, linearPredict } from '../src/models/binary/linear.js';

/** Sparse random rows: each feature present with probability `density`, normal values, targets from planted weights. */
function randomRows(seed: number, rows: number, features: number, density: number, binary: boolean) {
  const rng = new Rng(seed);
  const w = Array.from({ length: features }, (_, j) => (j % 3 === 0 ? 0 : rng.normal()));
  const builder = new FeatureMatrixBuilder();
  for (let r = 0; r < rows; r++) {
    const f: number[] = [];
    const v: number[] = [];
    let z = 0.3;
    for (let j = 0; j < features; j++) {
      if (rng.uniform() > density) continue;
      const x = rng.normal();
      f.push(j);
      v.push(x);
      z += w[j] * Math.fround(x);
    }
    builder.add(f, v, binary ? (rng.uniform() < sigmoid(z) ? 1 : 0) : z + 0.5 * rng.normal());
  }
  return builder.build(features);
}

/** Users × items one-hot rows (every user answers every item with probability 0.6) from a planted 1PL model. */
function oneHotRows(seed: number, users: number, items: number) {
  const rng = new Rng(seed);
  const theta = Array.from({ length: users }, () => rng.normal());
  const d = Array.from({ length: items }, () => rng.normal());
  const builder = new FeatureMatrixBuilder();
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.uniform() > 0.6) continue;
      builder.add([u, users + i], [1, 1], rng.uniform() < sigmoid(theta[u] - d[i]) ? 1 : 0);
    }
  }
  const fields: FeatureField[] = [
    { name: 'user', offset: 0, size: users },
    { name: 'item', offset: users, size: items },
  ];
  return builder.build(users + items, fields);
}

/** Dense design with a leading column of ones (the bias). */
function dense(m: FeatureMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => {
    const x = new Array(m.features + 1).fill(0);
    x[0] = 1;
    for (let e = m.indptr[r]; e < m.indptr[r + 1]; e++) x[m.indices[e] + 1] = m.values[e];
    return x;
  });
}

/** Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** The L2-penalized logistic optimum (bias unpenalized) by full Newton steps on the dense problem. */
function newtonLogistic(m: FeatureMatrix, l2: number): number[] {
  const x = dense(m);
  const k = m.features + 1;
  let beta = new Array(k).fill(0);
  for (let it = 0; it < 50; it++) {
    const g = beta.map((b, j) => (j ? l2 * b : 0));
    const h = Array.from({ length: k }, (_, i) =>
      Array.from({ length: k }, (_, j) => (i === j && i ? l2 : 0)),
    );
    x.forEach((row, r) => {
      const p = sigmoid(row.reduce((s, v, j) => s + v * beta[j], 0));
      for (let i = 0; i < k; i++) {
        g[i] += row[i] * (p - m.target[r]);
        for (let j = 0; j < k; j++) h[i][j] += row[i] * row[j] * p * (1 - p);
      }
    });
    const step = solve(h, g);
    beta = beta.map((b, j) => b - step[j]);
  }
  return beta;
}

/** The gradient of the smooth part (loss + L2) in the bias (entry 0) and each weight. */
function smoothGradient(m: FeatureMatrix, model: LinearModel, l2: number): number[] {
  const predicted = linearPredict(model, m);
  const g = [0, ...Array.from(model.weights, (w) => l2 * w)];
  for (let r = 0; r < m.rows; r++) {
    const e = predicted[r] - m.target[r];
    g[0] += e;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) g[m.indices[k] + 1] += e * m.values[k];
  }
  return g;
}

describe('linear and logistic regression by coordinate descent', () => {
  it('L2 logistic regression reaches the optimum that full Newton steps find', () => {
    const m = randomRows(1, 200, 8, 0.5, true);
    const model = fitLinear(m, { task: 'binary', l1: 0, l2: 2, maxIterations: 500, tol: 1e-10 });
    const beta = newtonLogistic(m, 2);
    expect(model.bias).toBeCloseTo(beta[0], 7);
    model.weights.forEach((w, j) => {
      expect(w).toBeCloseTo(beta[j + 1], 7);
    });
    for (const g of smoothGradient(m, model, 2)) expect(g).toBeCloseTo(0, 6);
  });

  it('on one-hot fields it converges in a few sweeps (the shift between a field and the bias solved exactly)', () => {
    const m = oneHotRows(2, 40, 10);
    const model = fitLinear(m, { task: 'binary', l1: 0, l2: 1, maxIterations: 1000, tol: 1e-9 });
    expect(model.iterations).toBeLessThan(40);
    const beta = newtonLogistic(m, 1);
    expect(model.bias).toBeCloseTo(beta[0], 6);
    model.weights.forEach((w, j) => {
      expect(w).toBeCloseTo(beta[j + 1], 6);
    });
  });

  it('L1 gives exact zeros and satisfies the KKT conditions', () => {
    for (const m of [randomRows(3, 300, 30, 0.3, true), oneHotRows(4, 60, 12)]) {
      const [l1, l2] = [4, 0.5];
      const model = fitLinear(m, { task: 'binary', l1, l2, maxIterations: 5000, tol: 1e-11 });
      const g = smoothGradient(m, model, l2);
      expect(g[0]).toBeCloseTo(0, 6);
      let zeros = 0;
      model.weights.forEach((w, j) => {
        if (w === 0) {
          zeros++;
          expect(Math.abs(g[j + 1])).toBeLessThanOrEqual(l1 + 1e-6);
        } else {
          expect(g[j + 1] + l1 * Math.sign(w)).toBeCloseTo(0, 5);
        }
      });
      expect(zeros).toBeGreaterThan(2);
      expect(zeros).toBeLessThan(m.features);
    }
  });

  it('squared loss with L2 equals ridge regression by the normal equations', () => {
    const m = randomRows(5, 150, 10, 0.6, false);
    const l2 = 3;
    const model = fitLinear(m, { task: 'regression', l1: 0, l2, maxIterations: 2000, tol: 1e-12 });
    const x = dense(m);
    const k = m.features + 1;
    const a = Array.from({ length: k }, (_, i) =>
      Array.from(
        { length: k },
        (_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + (i === j && i ? l2 : 0),
      ),
    );
    const b = Array.from({ length: k }, (_, i) => x.reduce((s, row, r) => s + row[i] * m.target[r], 0));
    const beta = solve(a, b);
    expect(model.bias).toBeCloseTo(beta[0], 8);
    model.weights.forEach((w, j) => {
      expect(w).toBeCloseTo(beta[j + 1], 8);
    });
    const predicted = linearPredict(model, m);
    x.forEach((row, r) => {
      expect(predicted[r]).toBeCloseTo(
        row.reduce((s, v, j) => s + v * beta[j], 0),
        7,
      );
    });
  });

  it('squared loss with L1 is the lasso: zeros, and the KKT conditions', () => {
    const m = randomRows(6, 200, 20, 0.4, false);
    const l1 = 15;
    const model = fitLinear(m, { task: 'regression', l1, l2: 0, maxIterations: 5000, tol: 1e-12 });
    const g = smoothGradient(m, model, 0);
    expect(g[0]).toBeCloseTo(0, 7);
    expect(model.weights.filter((w) => w === 0).length).toBeGreaterThan(0);
    model.weights.forEach((w, j) => {
      if (w === 0) expect(Math.abs(g[j + 1])).toBeLessThanOrEqual(l1 + 1e-6);
      else expect(g[j + 1] + l1 * Math.sign(w)).toBeCloseTo(0, 6);
    });
  });

  it('the lr family fits both tasks, times its sweeps and checks its targets', async () => {
    const m = randomRows(7, 100, 6, 0.5, true);
    const { model, report } = await LR_FAMILY.fit(m, { l2: 1 }, { task: 'binary', seed: 1, validation: m });
    const p = model.predict(m);
    expect(p.every((x) => x > 0 && x < 1)).toBe(true);
    expect(report.epochSeconds.length).toBeGreaterThan(0);
    expect(report.curve.length).toBe(report.epochSeconds.length);
    expect(report.fitSeconds).toBeGreaterThanOrEqual(0);
    const ratings = randomRows(8, 50, 4, 0.5, false);
    await expect(LR_FAMILY.fit(ratings, {}, { task: 'binary', seed: 1 })).rejects.toThrow(/0\/1/);
    const fit = await LR_FAMILY.fit(ratings, {}, { task: 'regression', seed: 1 });
    expect(fit.model.predict(ratings).length).toBe(50);
  });
});
