import { describe, expect, it } from 'vitest';
import { type FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { rmse } from '../src/eval/metrics.js';
import { Rng } from '../src/math/rng.js';
import {
  anovaGradient,
  anovaKernel,
  type FmHigherOrderOptions,
  type FmHigherOrderParameters,
  fitFmHigherOrder,
  fmHigherOrderParameters,
  fmHigherOrderPredict,
} from '../src/models/fm/fm-higher-order.js';
import { fmParameters } from '../src/models/fm/fm-kernel.js';
import { fmPredict } from '../src/models/fm/fm-sgd.js';

/** Aᵐ by its definition: the sum over all index sets j₁ < … < j_m of Π p_j x_j. */
function bruteForce(p: number[], x: number[], m: number): number {
  const walk = (from: number, left: number): number => {
    if (left === 0) return 1;
    let sum = 0;
    for (let j = from; j <= p.length - left; j++) sum += p[j] * x[j] * walk(j + 1, left - 1);
    return sum;
  };
  return walk(0, m);
}

const randomVector = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.normal());

/** Random sparse rows over `features` features, 1..maxLength non-zeros each, targets in [-1, 1]. */
function randomRows(rng: Rng, rows: number, features: number, maxLength: number): FeatureMatrix {
  const builder = new FeatureMatrixBuilder();
  for (let r = 0; r < rows; r++) {
    const picked = rng.permutation(features).slice(0, 1 + rng.int(maxLength));
    builder.add(
      picked,
      Array.from(picked, () => Math.fround(rng.uniform() * 2 - 1)),
      rng.uniform() * 2 - 1,
    );
  }
  return builder.build(features);
}

function copy(p: FmHigherOrderParameters): FmHigherOrderParameters {
  return { ...p, w: p.w.slice(), factors: p.factors.map((f) => f.slice()) };
}

describe('the ANOVA kernel', () => {
  it('equals the sum over all index sets, for degrees 0 to 5', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + rng.int(9);
      const [p, x] = [randomVector(rng, n), randomVector(rng, n)];
      for (let m = 0; m <= 5; m++) {
        const expected = bruteForce(p, x, m);
        expect(anovaKernel(p, x, m)).toBeCloseTo(expected, 10);
      }
    }
    // Degree 3 on fewer than 3 non-zeros is an empty sum.
    expect(anovaKernel([1, 2], [3, 4], 3)).toBe(0);
  });

  it('has the gradient of finite differences and of the closed forms', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + rng.int(8);
      const [p, x] = [randomVector(rng, n), randomVector(rng, n)];
      for (let m = 1; m <= 4; m++) {
        const gradient = anovaGradient(p, x, m);
        for (let j = 0; j < n; j++) {
          const h = 1e-6;
          const [plus, minus] = [p.slice(), p.slice()];
          plus[j] += h;
          minus[j] -= h;
          const numeric = (anovaKernel(plus, x, m) - anovaKernel(minus, x, m)) / (2 * h);
          expect(gradient[j]).toBeCloseTo(numeric, 6);
        }
      }
      // ∂A²/∂pⱼ = xⱼ (Σᵢ zᵢ − zⱼ), as in Rendle's identity.
      const z = p.map((v, j) => v * x[j]);
      const s1 = z.reduce((a, b) => a + b, 0);
      const second = anovaGradient(p, x, 2);
      for (let j = 0; j < n; j++) expect(second[j]).toBeCloseTo(x[j] * (s1 - z[j]), 10);
    }
  });
});

describe('the higher-order FM', () => {
  it('of order 2 is the FM', () => {
    const rng = new Rng(3);
    const rows = randomRows(rng, 50, 12, 6);
    const fm = fmParameters(12, 4);
    fm.w0 = 0.3;
    for (let i = 0; i < 12; i++) fm.w[i] = rng.normal();
    for (let i = 0; i < fm.v.length; i++) fm.v[i] = rng.normal();
    const hofm = fmHigherOrderParameters(12, 4, 2);
    hofm.w0 = fm.w0;
    hofm.w.set(fm.w);
    hofm.factors[0].set(fm.v);
    const expected = fmPredict(fm, rows, 'regression');
    const actual = fmHigherOrderPredict(hofm, rows, 'regression');
    for (let r = 0; r < rows.rows; r++) expect(actual[r]).toBeCloseTo(expected[r], 10);
    const probabilities = fmHigherOrderPredict(hofm, rows, 'binary');
    for (let r = 0; r < rows.rows; r++)
      expect(probabilities[r]).toBeCloseTo(1 / (1 + Math.exp(-expected[r])), 12);
    // Its third degree adds Σ_s A³(p_s⁽³⁾, x).
    const third = fmHigherOrderParameters(12, 4, 3);
    third.w0 = fm.w0;
    third.w.set(fm.w);
    third.factors[0].set(fm.v);
    for (let i = 0; i < third.factors[1].length; i++) third.factors[1][i] = rng.normal();
    const withThird = fmHigherOrderPredict(third, rows, 'regression');
    for (let r = 0; r < rows.rows; r++) {
      const begin = rows.indptr[r];
      const end = rows.indptr[r + 1];
      const x = Array.from(rows.values.subarray(begin, end));
      let sum = 0;
      for (let s = 0; s < 4; s++) {
        const p = Array.from(rows.indices.subarray(begin, end), (i) => third.factors[1][i * 4 + s]);
        sum += bruteForce(p, x, 3);
      }
      expect(withThird[r]).toBeCloseTo(expected[r] + sum, 10);
    }
  });

  it('steps against the objective’s gradient (finite differences), by SGD and by a full batch', () => {
    const rng = new Rng(4);
    const rows = randomRows(rng, 30, 10, 6);
    const reg = 0.05;
    const options: FmHigherOrderOptions = {
      task: 'regression',
      k: 3,
      order: 4,
      epochs: 0,
      lr: 1e-4,
      reg,
      init: 0.5,
      seed: 5,
    };
    // The objective: the mean loss plus λ/2 ‖θᵢ‖² (all degrees) for each feature of each row.
    const objective = (p: FmHigherOrderParameters, matrix: FeatureMatrix, task: 'regression' | 'binary') => {
      const scores = fmHigherOrderPredict(p, matrix, 'regression');
      let sum = 0;
      for (let r = 0; r < matrix.rows; r++) {
        const [y, s] = [matrix.target[r], scores[r]];
        sum += task === 'binary' ? Math.log1p(Math.exp(s)) - y * s : 0.5 * (s - y) ** 2;
        for (let e = matrix.indptr[r]; e < matrix.indptr[r + 1]; e++) {
          const i = matrix.indices[e];
          let norm = p.w[i] ** 2;
          for (const f of p.factors) for (let s = 0; s < p.k; s++) norm += f[i * p.k + s] ** 2;
          sum += 0.5 * reg * norm;
        }
      }
      return sum / matrix.rows;
    };
    const binary = randomRows(new Rng(4), 30, 10, 6);
    binary.target.forEach((y, r) => {
      binary.target[r] = y > 0 ? 1 : 0;
    });
    for (const [task, matrix] of [
      ['regression', rows],
      ['binary', binary],
    ] as const) {
      const start = fitFmHigherOrder(matrix, { ...options, task }).params;
      const check = (stepped: FmHigherOrderParameters, data: FeatureMatrix) => {
        const numeric = (bump: (p: FmHigherOrderParameters, h: number) => void) => {
          const h = 1e-5;
          const [plus, minus] = [copy(start), copy(start)];
          bump(plus, h);
          bump(minus, -h);
          return (objective(plus, data, task) - objective(minus, data, task)) / (2 * h);
        };
        const moved = (a: number, b: number) => (a - b) / options.lr;
        expect(moved(start.w0, stepped.w0)).toBeCloseTo(
          numeric((p, h) => (p.w0 += h)),
          6,
        );
        for (let i = 0; i < 10; i++) {
          expect(moved(start.w[i], stepped.w[i])).toBeCloseTo(
            numeric((p, h) => (p.w[i] += h)),
            6,
          );
          for (let d = 0; d < 3; d++) {
            for (let s = 0; s < 3; s++) {
              const c = i * 3 + s;
              const expected = numeric((p, h) => (p.factors[d][c] += h));
              expect(moved(start.factors[d][c], stepped.factors[d][c])).toBeCloseTo(expected, 6);
            }
          }
        }
      };
      // A full batch: one step on the mean gradient, by the minibatch path.
      check(fitFmHigherOrder(matrix, { ...options, task, epochs: 1, batch: matrix.rows }).params, matrix);
      // One row, one epoch: the per-row SGD path's single step.
      const one = matrix.select([7]);
      check(fitFmHigherOrder(one, { ...options, task, epochs: 1 }).params, one);
    }
  });

  it('of order 3 learns a planted three-way interaction that order 2 cannot', () => {
    const rng = new Rng(6);
    const [sizes, rank] = [[8, 8, 8], 2];
    const offsets = [0, 8, 16];
    const factors = sizes.map((n) => Array.from({ length: n * rank }, () => rng.normal()));
    const train = new FeatureMatrixBuilder();
    const test = new FeatureMatrixBuilder();
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        for (let c = 0; c < 8; c++) {
          let y = 1;
          for (let s = 0; s < rank; s++)
            y += factors[0][a * rank + s] * factors[1][b * rank + s] * factors[2][c * rank + s];
          const row = [offsets[0] + a, offsets[1] + b, offsets[2] + c];
          (rng.uniform() < 0.8 ? train : test).add(row, [1, 1, 1], y + 0.05 * rng.normal());
        }
      }
    }
    const [trainSet, testSet] = [train.build(24), test.build(24)];
    const fit = (order: number, optimizer: 'sgd' | 'adam' = 'sgd') =>
      fitFmHigherOrder(trainSet, {
        task: 'regression',
        k: 4,
        order,
        epochs: optimizer === 'sgd' ? 150 : 100,
        lr: optimizer === 'sgd' ? 0.02 : 0.01,
        reg: 0.001,
        init: 0.3,
        seed: 7,
        optimizer,
        batch: optimizer === 'sgd' ? 1 : 8,
      });
    const error = (params: FmHigherOrderParameters) =>
      rmse(testSet.target, fmHigherOrderPredict(params, testSet, 'regression'));
    const [second, third, adam] = [fit(2), fit(3), fit(3, 'adam')];
    const spread = rmse(testSet.target, new Float64Array(testSet.rows).fill(1));
    expect(error(third.params)).toBeLessThan(0.2);
    expect(error(adam.params)).toBeLessThan(0.2);
    expect(error(second.params)).toBeGreaterThan(0.5 * spread);
    // The same seed gives the same model.
    expect(fit(3).params).toEqual(third.params);
  });

  it('reports each epoch, stops when aborted, and rejects bad shapes', () => {
    const rows = randomRows(new Rng(8), 20, 6, 4);
    const base: FmHigherOrderOptions = {
      task: 'regression',
      k: 2,
      order: 3,
      epochs: 4,
      lr: 0.01,
      reg: 0,
      init: 0.1,
      seed: 1,
    };
    const seen: number[] = [];
    const fit = fitFmHigherOrder(rows, { ...base, onEpoch: (epoch, loss) => seen.push(epoch, loss) });
    expect(seen).toEqual(fit.losses.flatMap((loss, e) => [e + 1, loss]));
    expect(fit.epochSeconds).toHaveLength(4);
    const controller = new AbortController();
    controller.abort();
    expect(() => fitFmHigherOrder(rows, { ...base, signal: controller.signal })).toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
    expect(() => fitFmHigherOrder(rows, { ...base, order: 1 })).toThrow(/order must be an integer ≥ 2/);
    expect(() => fitFmHigherOrder(rows, { ...base, order: 2.5 })).toThrow(/order/);
    expect(() => fitFmHigherOrder(rows, { ...base, k: -1 })).toThrow(/k \(factors\) must be an integer ≥ 0/);
    expect(() => fmHigherOrderParameters(6, 2, 1)).toThrow(/order/);
    expect(() => fitFmHigherOrder(rows, { ...base, batch: 0 })).toThrow(/batch/);
  });
});
