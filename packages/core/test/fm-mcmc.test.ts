import { describe, expect, it } from 'vitest';
import { type FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { auc, rmse } from '../src/eval/metrics.js';
import { Rng } from '../src/math/rng.js';
import { fmPredictRow } from '../src/models/fm/fm-kernel.js';
import { fitFmMcmc, fmGroups, normalCdf, oneHotFields } from '../src/models/fm/fm-mcmc.js';

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let [ma, mb] = [0, 0];
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * A planted FM on one-hot users × items: score = 0.5 + w_u + w_i + ⟨v_u, v_i⟩. Each pair is observed with
 * probability `density`, 80 % of those go to training. `target` turns a score into the row's target.
 */
function planted(seed: number, target: (score: number, rng: Rng) => number, density = 0.5) {
  const rng = new Rng(seed);
  const [users, items, k] = [40, 40, 2];
  const w = Float64Array.from({ length: users + items }, () => rng.normal() * 0.7);
  const v = Float64Array.from({ length: (users + items) * k }, () => rng.normal());
  const score = (a: number, b: number) => {
    let s = 0.5 + w[a] + w[users + b];
    for (let f = 0; f < k; f++) s += v[a * k + f] * v[(users + b) * k + f];
    return s;
  };
  const train = new FeatureMatrixBuilder();
  const test = new FeatureMatrixBuilder();
  const truth: number[] = [];
  for (let a = 0; a < users; a++) {
    for (let b = 0; b < items; b++) {
      if (rng.uniform() >= density) continue;
      const s = score(a, b);
      if (rng.uniform() < 0.8) train.add([a, users + b], [1, 1], target(s, rng));
      else {
        test.add([a, users + b], [1, 1], target(s, rng));
        truth.push(s);
      }
    }
  }
  const fields = [
    { name: 'user', offset: 0, size: users },
    { name: 'item', offset: users, size: items },
  ];
  return {
    train: train.build(users + items, fields),
    test: test.build(users + items, fields),
    truth,
    w,
    v,
    users,
    items,
    k,
  };
}

const options = { task: 'regression' as const, k: 2, iterations: 150, init: 0.1, seed: 5 };

describe('Bayesian FM by MCMC', () => {
  it('recovers a planted regression problem: weights, interactions and predictions near the noise level', () => {
    const noise = 0.3;
    const p = planted(1, (s, rng) => s + noise * rng.normal());
    const fit = fitFmMcmc(p.train, options, [p.test]);
    const predicted = fit.predictions[0];
    expect(predicted.length).toBe(p.test.rows);
    expect(correlation(predicted, p.truth)).toBeGreaterThan(0.95);
    // The averaged predictions are close to the noise-free scores, so the test RMSE is near the noise.
    expect(rmse(predicted, p.truth)).toBeLessThan(0.3);
    expect(rmse(predicted, p.test.target)).toBeLessThan(noise * 1.5);
    // The last sample's scores on the whole grid, unobserved pairs included, against the planted ones: the
    // factors themselves are only identified up to a rotation, and wᵢ up to what a constant part of the
    // factors or a shift between w₀ and a field can take over, but the scores are identified.
    const planted_: number[] = [];
    const sampled: number[] = [];
    const { k, users, items } = p;
    const sums = new Float64Array(k);
    for (let a = 0; a < users; a++) {
      for (let b = 0; b < items; b++) {
        const row = new FeatureMatrixBuilder();
        row.add([a, users + b], [1, 1], 0);
        let s = 0.5 + p.w[a] + p.w[users + b];
        for (let f = 0; f < k; f++) s += p.v[a * k + f] * p.v[(users + b) * k + f];
        planted_.push(s);
        sampled.push(fmPredictRow(fit.params, row.build(users + items), 0, sums));
      }
    }
    expect(correlation(sampled, planted_)).toBeGreaterThan(0.9);
    // Each field's weights, against the planted ones.
    const userW = fit.params.w.subarray(0, users);
    const itemW = fit.params.w.subarray(users);
    expect(correlation(userW, p.w.subarray(0, users))).toBeGreaterThan(0.85);
    expect(correlation(itemW, p.w.subarray(users))).toBeGreaterThan(0.85);
    expect(fit.sampleSeconds.length).toBe(options.iterations);
  });

  it('robust noise finds the erratic users, discounts them, and predicts better than one precision', () => {
    // Every fourth user rates with noise 1.5, the others with 0.2.
    const p = planted(8, (s) => s, 0.8);
    const rng = new Rng(11);
    const erratic = (u: number) => u % 4 === 0;
    for (const m of [p.train, p.test]) {
      for (let r = 0; r < m.rows; r++) {
        m.target[r] += (erratic(m.indices[m.indptr[r]]) ? 1.5 : 0.2) * rng.normal();
      }
    }
    const robust = fitFmMcmc(p.train, options, [p.test]);
    const gaussian = fitFmMcmc(p.train, { ...options, noise: 'gaussian' }, [p.test]);
    expect(gaussian.noiseScales.every((s) => s === 1)).toBe(true);
    let [noisy, quiet] = [0, 0];
    for (let u = 0; u < p.users; u++) {
      if (erratic(u)) noisy += robust.noiseScales[u] / (p.users / 4);
      else quiet += robust.noiseScales[u] / ((3 * p.users) / 4);
    }
    expect(noisy).toBeLessThan(0.3 * quiet);
    expect(rmse(robust.predictions[0], p.truth)).toBeLessThan(0.9 * rmse(gaussian.predictions[0], p.truth));
  });

  it('robust noise stays near one scale for all when every row is as noisy', () => {
    const p = planted(9, (s, rng) => s + 0.3 * rng.normal(), 0.8);
    const robust = fitFmMcmc(p.train, options, [p.test]);
    const gaussian = fitFmMcmc(p.train, { ...options, noise: 'gaussian' }, [p.test]);
    let spread = 0;
    for (const s of robust.noiseScales) spread += (s - 1) ** 2 / robust.noiseScales.length;
    expect(Math.sqrt(spread)).toBeLessThan(0.15);
    expect(rmse(robust.predictions[0], p.truth)).toBeLessThan(1.05 * rmse(gaussian.predictions[0], p.truth));
  });

  it('clamps regression predictions to the training targets’ range', () => {
    const p = planted(2, (s) => Math.max(-1, Math.min(1, s)));
    const fit = fitFmMcmc(p.train, { ...options, iterations: 20 }, [p.test]);
    for (const x of fit.predictions[0]) {
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThanOrEqual(1);
    }
  });

  it('separates a planted binary problem with the probit link', () => {
    const p = planted(3, (s, rng) => (s + 0.3 * rng.normal() > 0.5 ? 1 : 0), 0.7);
    const fit = fitFmMcmc(p.train, { ...options, task: 'binary', iterations: 100, burnIn: 10 }, [p.test]);
    const probabilities = fit.predictions[0];
    for (const x of probabilities) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(auc(probabilities, p.test.target)).toBeGreaterThan(0.85);
  });

  it('gives the same result for the same seed, another for another seed', () => {
    const p = planted(4, (s, rng) => s + 0.3 * rng.normal());
    const run = (seed: number) => fitFmMcmc(p.train, { ...options, iterations: 10, seed }, [p.test]);
    const [a, b, c] = [run(9), run(9), run(10)];
    expect(a.params).toEqual(b.params);
    expect(a.predictions).toEqual(b.predictions);
    expect(c.predictions).not.toEqual(a.predictions);
  });

  it('reports each sample and stops on an aborted signal', () => {
    const p = planted(5, (s) => s);
    const seen: number[] = [];
    fitFmMcmc(p.train, {
      ...options,
      iterations: 3,
      onSample: (sample, trainRmse) => {
        expect(Number.isFinite(trainRmse)).toBe(true);
        seen.push(sample);
      },
    });
    expect(seen).toEqual([0, 1, 2]);
    const controller = new AbortController();
    controller.abort();
    expect(() => fitFmMcmc(p.train, { ...options, signal: controller.signal })).toThrow(/aborted/);
  });

  it('rejects bad options with clear messages', () => {
    const p = planted(6, (s) => s);
    expect(() => fitFmMcmc(p.train, { ...options, k: -1 })).toThrow(/k \(factors\) must be an integer ≥ 0/);
    expect(() => fitFmMcmc(p.train, { ...options, k: 1.5 })).toThrow(/k \(factors\)/);
    expect(() => fitFmMcmc(p.train, { ...options, iterations: 0 })).toThrow(
      /iterations must be an integer ≥ 1/,
    );
    expect(() => fitFmMcmc(p.train, { ...options, init: -1 })).toThrow(/init/);
    expect(() => fitFmMcmc(p.train, { ...options, burnIn: 150 })).toThrow(/burnIn/);
    expect(() => fitFmMcmc(p.train, { ...options, task: 'binary' })).toThrow(/targets 0 or 1/);
  });

  it('k = 0 is a Bayesian linear regression; a matrix without fields is one group', () => {
    const p = planted(7, (s, rng) => s + 0.1 * rng.normal());
    const plain = new FeatureMatrixBuilder();
    for (let r = 0; r < p.train.rows; r++) {
      const e = p.train.indptr[r];
      plain.add([p.train.indices[e], p.train.indices[e + 1]], [1, 1], p.train.target[r]);
    }
    const fit = fitFmMcmc(plain.build(p.train.features), { ...options, k: 0, iterations: 50 }, [p.test]);
    expect(fit.params.v.length).toBe(0);
    expect(correlation(fit.predictions[0], p.truth)).toBeGreaterThan(0.5);
  });
});

describe('MCMC helpers', () => {
  it('groups the features by field, and the rest in one more group', () => {
    const b = new FeatureMatrixBuilder();
    b.add([0, 2], [1, 2], 1);
    b.add([1, 2, 3], [3, 4, 5], 2);
    const m: FeatureMatrix = b.build(5, [{ name: 'a', offset: 1, size: 2 }]);
    const { groupOf, groups } = fmGroups(m);
    expect(groups).toBe(2);
    expect([...groupOf]).toEqual([1, 0, 0, 1, 1]);
  });

  it('finds the one-hot fields: exactly one of their features on every row', () => {
    const b = new FeatureMatrixBuilder();
    b.add([0, 2, 4], [1, 1, 0.5], 1);
    b.add([1, 2, 3, 4], [1, 1, 1, 2], 2);
    const m = b.build(5, [
      { name: 'user', offset: 0, size: 2 },
      { name: 'tags', offset: 2, size: 2 },
      { name: 'time', offset: 4, size: 1 },
    ]);
    expect(oneHotFields(m).map((f) => f.name)).toEqual(['user', 'time']);
  });

  it('computes Φ', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
    expect(normalCdf(-8)).toBeGreaterThan(0);
    expect(normalCdf(-8)).toBeLessThan(1e-14);
  });
});
