import { describe, expect, it } from 'vitest';
import { FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { auc, rmse } from '../src/eval/metrics.js';
import { choleskyFactor, choleskySolve } from '../src/math/cholesky.js';
import { Rng } from '../src/math/rng.js';
import { fitFmAls } from '../src/models/fm/fm-als.js';
import { fmPredict } from '../src/models/fm/fm-sgd.js';

/** A planted FM on one-hot users × items, with `target` turning a score into the row's target. */
function planted(seed: number, target: (score: number, rng: Rng) => number) {
  const rng = new Rng(seed);
  const [users, items, k] = [30, 30, 2];
  const w = Array.from({ length: users + items }, () => rng.normal() * 0.5);
  const v = Array.from({ length: (users + items) * k }, () => rng.normal());
  const train = new FeatureMatrixBuilder();
  const test = new FeatureMatrixBuilder();
  for (let a = 0; a < users; a++) {
    for (let b = 0; b < items; b++) {
      if (rng.uniform() < 0.4) continue;
      let s = w[a] + w[users + b];
      for (let f = 0; f < k; f++) s += v[a * k + f] * v[(users + b) * k + f];
      (rng.uniform() < 0.8 ? train : test).add([a, users + b], [1, 1], target(s, rng));
    }
  }
  return { train: train.build(users + items), test: test.build(users + items) };
}

const options = { task: 'regression' as const, k: 3, iterations: 30, reg: 0.5, init: 0.1, seed: 3 };

describe('FM by ALS (coordinate descent)', () => {
  it('with k = 0 is the ridge regression solved by its normal equations', () => {
    const rng = new Rng(1);
    const builder = new FeatureMatrixBuilder();
    const xs: number[][] = [];
    for (let r = 0; r < 300; r++) {
      const x = [0, 1, 2].map(() => Math.fround(rng.uniform() * 2 - 1));
      xs.push(x);
      builder.add([0, 1, 2], x, 1 + 2 * x[0] - x[1] + 0.5 * x[2] + 0.3 * rng.normal());
    }
    const matrix = builder.build(3);
    const reg = 1e-3;
    // (ZᵀZ + diag(0, λ, λ, λ)) β = Zᵀy with z = [1, x]: w₀ is not penalized.
    const a = new Float64Array(16);
    const b = new Float64Array(4);
    xs.forEach((x, r) => {
      const z = [1, ...x];
      for (let i = 0; i < 4; i++) {
        b[i] += z[i] * matrix.target[r];
        for (let j = 0; j < 4; j++) a[i * 4 + j] += z[i] * z[j];
      }
    });
    for (let i = 1; i < 4; i++) a[i * 4 + i] += reg;
    choleskyFactor(a, 4);
    choleskySolve(a, 4, b);
    const { params } = fitFmAls(matrix, { ...options, k: 0, iterations: 200, reg });
    expect(params.w0).toBeCloseTo(b[0], 6);
    for (let i = 0; i < 3; i++) expect(params.w[i]).toBeCloseTo(b[i + 1], 6);
  });

  it('never raises the penalized training loss and learns the planted interactions', () => {
    const p = planted(2, (s, rng) => s + 0.1 * rng.normal());
    const fit = fitFmAls(p.train, { ...options, regW: 0.1, regV: 0.5 });
    for (let s = 1; s < fit.losses.length; s++)
      expect(fit.losses[s]).toBeLessThanOrEqual(fit.losses[s - 1] + 1e-12);
    // The reported loss is the objective of the returned parameters.
    const predicted = fmPredict(fit.params, p.train, 'regression');
    let objective = 0;
    for (let r = 0; r < p.train.rows; r++) objective += 0.5 * (predicted[r] - p.train.target[r]) ** 2;
    for (const x of fit.params.w) objective += 0.5 * 0.1 * x * x;
    for (const x of fit.params.v) objective += 0.5 * 0.5 * x * x;
    expect(fit.losses[fit.losses.length - 1]).toBeCloseTo(objective / p.train.rows, 9);
    const linear = fitFmAls(p.train, { ...options, k: 0 });
    const error = (params: typeof fit.params) => rmse(fmPredict(params, p.test, 'regression'), p.test.target);
    expect(error(fit.params)).toBeLessThan(0.5);
    expect(error(linear.params)).toBeGreaterThan(1);
    expect(fit.sweepSeconds.length).toBe(options.iterations);
  });

  it('fits a binary task by Newton steps that never raise the penalized log-loss', () => {
    const p = planted(4, (s, rng) => (s + 0.3 * rng.normal() > 0 ? 1 : 0));
    const sweeps: number[] = [];
    const fit = fitFmAls(p.train, { ...options, task: 'binary', onSweep: (sweep) => sweeps.push(sweep) });
    expect(sweeps).toEqual([...Array(options.iterations).keys()]);
    for (let s = 1; s < fit.losses.length; s++)
      expect(fit.losses[s]).toBeLessThanOrEqual(fit.losses[s - 1] + 1e-12);
    const probabilities = fmPredict(fit.params, p.test, 'binary');
    expect(auc(probabilities, p.test.target)).toBeGreaterThan(0.85);
  });

  it('gives the same result for the same seed', () => {
    const p = planted(5, (s) => s);
    const run = (seed: number) => fitFmAls(p.train, { ...options, iterations: 5, seed }).params;
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
  });

  it('rejects bad options with clear messages', () => {
    const p = planted(6, (s) => s);
    expect(() => fitFmAls(p.train, { ...options, k: -1 })).toThrow(/k \(factors\) must be an integer ≥ 0/);
    expect(() => fitFmAls(p.train, { ...options, iterations: 0 })).toThrow(
      /iterations must be an integer ≥ 1/,
    );
    expect(() => fitFmAls(p.train, { ...options, reg: -1 })).toThrow(/reg must be ≥ 0/);
    expect(() => fitFmAls(p.train, { ...options, regV: -1 })).toThrow(/penalties must be ≥ 0/);
  });
});
