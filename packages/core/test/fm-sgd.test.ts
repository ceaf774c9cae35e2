import { describe, expect, it } from 'vitest';
import { FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { rmse } from '../src/eval/metrics.js';
import { choleskyFactor, choleskySolve } from '../src/math/cholesky.js';
import { Rng } from '../src/math/rng.js';
import { type FmParameters, fmParameters } from '../src/models/fm/fm-kernel.js';
import { type FmSgdOptions, fitFmSgd, fmPredict, targetRange } from '../src/models/fm/fm-sgd.js';

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

/** 400 noisy rows of a planted linear model, and their least-squares fit: what k = 0 should reach. */
function linearProblem() {
  const rng = new Rng(1);
  const { matrix, xs } = dense(rng, 400, (x) => 1 + 2 * x[0] - x[1] + 0.5 * x[2] + 0.3 * rng.normal());
  const ls = weightedLeastSquares(
    xs,
    [...matrix.target],
    xs.map(() => 1),
  );
  return { matrix, ls };
}

describe('FM by SGD', () => {
  it('with k = 0 is the least-squares linear regression', () => {
    const { matrix, ls } = linearProblem();
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
    const { trainSet, testSet } = planted();
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

  it('by Adam on minibatches reaches the least-squares solution with k = 0', () => {
    const { matrix, ls } = linearProblem();
    const { params, losses } = fitFmSgd(matrix, {
      task: 'regression',
      k: 0,
      epochs: 300,
      lr: 0.002,
      reg: 0,
      init: 0,
      seed: 1,
      optimizer: 'adam',
      batch: 20,
    });
    expect(losses).toHaveLength(300);
    expect(params.w0).toBeCloseTo(ls[0], 2);
    for (let i = 0; i < 3; i++) expect(params.w[i]).toBeCloseTo(ls[i + 1], 2);
  });

  it('by Adam on minibatches learns the planted interactions as SGD does', () => {
    const { trainSet, testSet } = planted();
    const fit = () =>
      fitFmSgd(trainSet, {
        task: 'regression',
        k: 4,
        epochs: 100,
        lr: 0.02,
        reg: 0.01,
        init: 0.1,
        seed: 4,
        optimizer: 'adam',
        batch: 16,
      });
    const adam = fit();
    expect(rmse(testSet.target, fmPredict(adam.params, testSet, 'regression'))).toBeLessThan(0.5);
    expect(adam.losses[adam.losses.length - 1]).toBeLessThan(adam.losses[0] / 5);
    expect(fit().params).toEqual(adam.params);
  });

  it('takes a full-batch step against the objective’s gradient (finite differences)', () => {
    const { trainSet } = planted(8, 8);
    for (const task of ['regression', 'binary'] as const) {
      const matrix = task === 'regression' ? trainSet : binaryOf(trainSet);
      const options: FmSgdOptions = { task, k: 3, epochs: 0, lr: 1e-3, reg: 0.05, init: 0.3, seed: 7 };
      const start = fitFmSgd(matrix, options).params;
      const stepped = fitFmSgd(matrix, { ...options, epochs: 1, batch: matrix.rows }).params;
      // The objective SGD minimises: the mean loss plus λ/2 ‖θᵢ‖² for each feature of each row.
      const objective = (p: FmParameters) => {
        const yhat = fmPredict(p, matrix, 'regression');
        let sum = 0;
        for (let r = 0; r < matrix.rows; r++) {
          const [y, s] = [matrix.target[r], yhat[r]];
          sum += task === 'binary' ? Math.log1p(Math.exp(s)) - y * s : 0.5 * (s - y) ** 2;
          for (let e = matrix.indptr[r]; e < matrix.indptr[r + 1]; e++) {
            const i = matrix.indices[e];
            let norm = p.w[i] ** 2;
            for (let f = 0; f < p.k; f++) norm += p.v[i * p.k + f] ** 2;
            sum += 0.5 * options.reg * norm;
          }
        }
        return sum / matrix.rows;
      };
      const numeric = (bump: (p: FmParameters, h: number) => void) => {
        const h = 1e-5;
        const [plus, minus] = [copy(start), copy(start)];
        bump(plus, h);
        bump(minus, -h);
        return (objective(plus) - objective(minus)) / (2 * h);
      };
      const moved = (a: number, b: number) => (a - b) / options.lr;
      expect(moved(start.w0, stepped.w0)).toBeCloseTo(
        numeric((p, h) => (p.w0 += h)),
        6,
      );
      for (const i of [0, 3, 9]) {
        expect(moved(start.w[i], stepped.w[i])).toBeCloseTo(
          numeric((p, h) => (p.w[i] += h)),
          6,
        );
        for (let f = 0; f < 3; f++) {
          const c = i * 3 + f;
          expect(moved(start.v[c], stepped.v[c])).toBeCloseTo(
            numeric((p, h) => (p.v[c] += h)),
            6,
          );
        }
      }
    }
  });

  it('by Adam moves only the features of the batch, by about lr on its first step', () => {
    const builder = new FeatureMatrixBuilder();
    builder.add([0, 2], [1, -0.5], 2);
    const matrix = builder.build(5);
    const options: FmSgdOptions = {
      task: 'regression',
      k: 2,
      epochs: 0,
      lr: 0.01,
      reg: 0,
      init: 0.2,
      seed: 3,
    };
    const start = fitFmSgd(matrix, options).params;
    const stepped = fitFmSgd(matrix, { ...options, epochs: 1, optimizer: 'adam' }).params;
    // Adam's first step is lr · g / (|g| + ε): lr against the gradient's sign, whatever its size.
    expect(Math.abs(stepped.w0 - start.w0)).toBeCloseTo(0.01, 6);
    for (const i of [0, 2]) {
      expect(Math.abs(stepped.w[i] - start.w[i])).toBeCloseTo(0.01, 6);
      for (let f = 0; f < 2; f++)
        expect(Math.abs(stepped.v[i * 2 + f] - start.v[i * 2 + f])).toBeCloseTo(0.01, 6);
    }
    for (const i of [1, 3, 4]) {
      expect(stepped.w[i]).toBe(start.w[i]);
      expect([...stepped.v.subarray(i * 2, i * 2 + 2)]).toEqual([...start.v.subarray(i * 2, i * 2 + 2)]);
    }
  });

  it('clamps regression predictions to the range given, and reports each epoch', () => {
    const { trainSet, testSet } = planted();
    const epochs: number[] = [];
    const fit = fitFmSgd(trainSet, {
      task: 'regression',
      k: 2,
      epochs: 3,
      lr: 0.02,
      reg: 0.01,
      init: 0.1,
      seed: 4,
      onEpoch: (epoch, loss) => epochs.push(epoch, loss),
    });
    expect(epochs).toEqual([1, fit.losses[0], 2, fit.losses[1], 3, fit.losses[2]]);
    expect(fit.epochSeconds).toHaveLength(3);
    const range = { min: 2.5, max: 3.5 };
    const free = fmPredict(fit.params, testSet, 'regression');
    const clamped = fmPredict(fit.params, testSet, 'regression', range);
    expect(Math.min(...free)).toBeLessThan(2.5);
    expect([...clamped]).toEqual([...free].map((y) => Math.min(3.5, Math.max(2.5, y))));
    const { min, max } = targetRange(trainSet);
    expect([min, max]).toEqual([Math.min(...trainSet.target), Math.max(...trainSet.target)]);
  });

  it('stops between epochs when aborted, and rejects bad options', () => {
    const { trainSet } = planted(5, 5);
    const base: FmSgdOptions = { task: 'regression', k: 2, epochs: 5, lr: 0.01, reg: 0, init: 0.1, seed: 1 };
    const controller = new AbortController();
    let seen = 0;
    const run = () =>
      fitFmSgd(trainSet, {
        ...base,
        signal: controller.signal,
        onEpoch: (epoch) => {
          seen = epoch;
          if (epoch === 2) controller.abort();
        },
      });
    expect(run).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(seen).toBe(2);
    expect(() => fitFmSgd(trainSet, { ...base, k: -1 })).toThrow(
      /fitFmSgd: k \(factors\) must be an integer ≥ 0/,
    );
    expect(() => fitFmSgd(trainSet, { ...base, init: -1 })).toThrow(/init/);
    expect(() => fitFmSgd(trainSet, { ...base, batch: 0 })).toThrow(/batch/);
    expect(() => fitFmSgd(trainSet, { ...base, optimizer: 'lbfgs' as 'sgd' })).toThrow(/optimizer/);
    expect(() => fitFmSgd(trainSet, { ...base, lr: 0 })).toThrow(/lr/);
  });
});

/** Planted user × item factors (k = 2) plus noise, one-hot user and item columns, 85 % / 15 % split. */
function planted(users = 40, items = 40) {
  const rng = new Rng(3);
  const k = 2;
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
  return { trainSet: train.build(users + items), testSet: test.build(users + items) };
}

/** The same rows with 0/1 targets: 1 above 3. */
function binaryOf(m: FeatureMatrix): FeatureMatrix {
  const target = m.target.map((y) => (y > 3 ? 1 : 0));
  return new FeatureMatrix(m.indptr, m.indices, m.values, target, m.features, m.fields);
}

function copy(p: FmParameters): FmParameters {
  const out = fmParameters(p.w.length, p.k);
  out.w0 = p.w0;
  out.w.set(p.w);
  out.v.set(p.v);
  return out;
}

describe('fitFmSgd on features of a large scale', () => {
  it('stops with a clear error when a step too large makes the loss blow up', () => {
    const builder = new FeatureMatrixBuilder();
    for (let r = 0; r < 50; r++) builder.add([0, 1], [300 + r, 1], r % 2);
    expect(() =>
      fitFmSgd(builder.build(), { task: 'regression', k: 2, epochs: 5, lr: 0.5, reg: 0, init: 0.1, seed: 0 }),
    ).toThrow(/fitFmSgd: the training loss became (NaN|Infinity) in epoch \d: the step is too large/);
  });
});
