import { describe, expect, it } from 'vitest';
import { FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { rmse } from '../src/eval/metrics.js';
import { choleskyFactor, choleskySolve } from '../src/math/cholesky.js';
import { Rng } from '../src/math/rng.js';
import { fitFmSgd, fmPredict } from '../src/models/fm/fm-sgd.js';

/** Rows of 3 dense features in (-1, 1) with targets from `target`. */
function dense(rng: Rng, rows: number, target: (x: number[]) => number) {
  const builder = new FeatureMatrixBuilder();
  const xs: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const x = [0, 1, 2].map(() => Math.fround(rng.uniform() * 2 - 1));
    xs.push(x);
    builder.add([0, 1, 2], x, target(x));
  }
  return { matrix: builder.build(3), xs };
}

/** Solves (Σ wᵣ zᵣ zᵣᵀ) β = Σ zᵣ tᵣ for β, with z = [1, x]: weighted least squares. */
function weightedLeastSquares(xs: number[][], t: number[], weights: number[]): number[] {
  const p = 4;
  const a = new Float64Array(p * p);
  const b = new Float64Array(p);
  xs.forEach((x, r) => {
    const z = [1, ...x];
    for (let i = 0; i < p; i++) {
      b[i] += weights[r] * z[i] * t[r];
      for (let j = 0; j < p; j++) a[i * p + j] += weights[r] * z[i] * z[j];
    }
  });
  choleskyFactor(a, p);
  choleskySolve(a, p, b);
  return [...b];
}

describe('FM by SGD', () => {
  it('with k = 0 is the least-squares linear regression', () => {
    const rng = new Rng(1);
    const { matrix, xs } = dense(rng, 400, (x) => 1 + 2 * x[0] - x[1] + 0.5 * x[2] + 0.3 * rng.normal());
    const ls = weightedLeastSquares(
      xs,
      [...matrix.target],
      xs.map(() => 1),
    );
    const { params } = fitFmSgd(matrix, {
      task: 'regression',
      k: 0,
      epochs: 400,
      lr: 0.002,
      reg: 0,
      init: 0,
      seed: 1,
    });
    expect(params.w0).toBeCloseTo(ls[0], 2);
    for (let i = 0; i < 3; i++) expect(params.w[i]).toBeCloseTo(ls[i + 1], 2);
  });

  it('with k = 0 on a binary task is the logistic regression (Newton’s method as the reference)', () => {
    const rng = new Rng(2);
    const truth = (x: number[]) => 1 / (1 + Math.exp(-(0.5 + 2 * x[0] - 1.5 * x[1])));
    const { matrix, xs } = dense(rng, 600, (x) => (rng.uniform() < truth(x) ? 1 : 0));
    const y = [...matrix.target];
    let beta = [0, 0, 0, 0];
    for (let step = 0; step < 25; step++) {
      // Newton's step as weighted least squares on the working response (IRLS).
      const eta = xs.map((x) => beta[0] + x.reduce((s, v, i) => s + v * beta[i + 1], 0));
      const p = eta.map((e) => 1 / (1 + Math.exp(-e)));
      const weights = p.map((q) => q * (1 - q));
      beta = weightedLeastSquares(
        xs,
        eta.map((e, r) => e + (y[r] - p[r]) / weights[r]),
        weights,
      );
    }
    const { params } = fitFmSgd(matrix, {
      task: 'binary',
      k: 0,
      epochs: 600,
      lr: 0.01,
      reg: 0,
      init: 0,
      seed: 2,
    });
    expect(params.w0).toBeCloseTo(beta[0], 1);
    for (let i = 0; i < 3; i++) expect(params.w[i]).toBeCloseTo(beta[i + 1], 1);
  });

  it('learns user × item interactions that a linear model cannot', () => {
    const rng = new Rng(3);
    const [users, items, k] = [40, 40, 2];
    const u = Array.from({ length: users * k }, () => rng.normal());
    const v = Array.from({ length: items * k }, () => rng.normal());
    const train = new FeatureMatrixBuilder();
    const test = new FeatureMatrixBuilder();
    for (let a = 0; a < users; a++) {
      for (let b = 0; b < items; b++) {
        if (rng.uniform() < 0.5) continue;
        let y = 3;
        for (let f = 0; f < k; f++) y += u[a * k + f] * v[b * k + f];
        (rng.uniform() < 0.85 ? train : test).add([a, users + b], [1, 1], y + 0.1 * rng.normal());
      }
    }
    const [trainSet, testSet] = [train.build(users + items), test.build(users + items)];
    const fit = (factors: number) =>
      fitFmSgd(trainSet, {
        task: 'regression',
        k: factors,
        epochs: 200,
        lr: 0.02,
        reg: 0.01,
        init: 0.1,
        seed: 4,
      });
    const fm = fit(4);
    const linear = fit(0);
    const error = (params: typeof fm.params) =>
      rmse(testSet.target, fmPredict(params, testSet, 'regression'));
    expect(error(fm.params)).toBeLessThan(0.5);
    expect(error(linear.params)).toBeGreaterThan(1);
    // The training loss goes down, epoch after epoch (allowing SGD's small wobbles).
    expect(fm.losses[fm.losses.length - 1]).toBeLessThan(fm.losses[0] / 5);
    // The same seed gives the same model.
    expect(fit(4).params).toEqual(fm.params);
  });
});
