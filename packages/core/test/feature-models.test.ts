import { describe, expect, it } from 'vitest';
import { FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { evaluateFeatures } from '../src/eval/evaluate-features.js';
import { Rng } from '../src/math/rng.js';
import { FM_FAMILY } from '../src/models/fm/fm-family.js';
import { resolveParams } from '../src/models/params.js';
import { FEATURE_MODEL_FAMILIES, featureModelFamily } from '../src/models/registry.js';

/** 30 users × 20 items, one-hot, rating = 3 + ⟨u, v⟩ (rank 2) + noise, train and test apart. */
function planted(binary = false) {
  const rng = new Rng(4);
  const u = Array.from({ length: 60 }, () => rng.normal());
  const v = Array.from({ length: 40 }, () => rng.normal());
  const fields = [
    { name: 'user', offset: 0, size: 30 },
    { name: 'item', offset: 30, size: 20 },
  ];
  const train = new FeatureMatrixBuilder();
  const test = new FeatureMatrixBuilder();
  for (let a = 0; a < 30; a++) {
    for (let b = 0; b < 20; b++) {
      const score = u[2 * a] * v[2 * b] + u[2 * a + 1] * v[2 * b + 1];
      const y = binary ? (score + 0.3 * rng.normal() > 0 ? 1 : 0) : 3 + score + 0.1 * rng.normal();
      (rng.uniform() < 0.2 ? test : train).add([a, 30 + b], [1, 1], y);
    }
  }
  return { train: train.build(50, fields), test: test.build(50, fields) };
}

describe('the fm family', () => {
  it('learns the planted ratings with every solver, and clamps to the training range', async () => {
    const { train, test } = planted();
    // Adam's default step suits large data; on 480 rows it takes a larger one.
    for (const [solver, extra] of [
      ['mcmc', {}],
      ['als', {}],
      ['sgd', {}],
      ['adam', { lr: 0.05, batch: 16 }],
    ] as const) {
      const params = resolveParams(FM_FAMILY.params, { solver, factors: 4, iterations: 60, ...extra });
      const { model, report } = await FM_FAMILY.fit(train, params, {
        task: 'regression',
        seed: 1,
        predictOn: [test],
      });
      const predicted = model.predict(test);
      let se = 0;
      let lo = Number.POSITIVE_INFINITY;
      for (let r = 0; r < test.rows; r++) {
        se += (predicted[r] - test.target[r]) ** 2;
        lo = Math.min(lo, predicted[r]);
      }
      expect(Math.sqrt(se / test.rows), solver).toBeLessThan(0.6);
      expect(lo).toBeGreaterThanOrEqual(Math.min(...train.target));
      expect(report.epochSeconds.length).toBe(60);
    }
  });

  it('gives Bayesian FM the average over samples on the rows named before the fit, the last sample elsewhere', async () => {
    const { train, test } = planted();
    const params = resolveParams(FM_FAMILY.params, { factors: 4, iterations: 30 });
    const { model } = await FM_FAMILY.fit(train, params, { task: 'regression', seed: 1, predictOn: [test] });
    const averaged = model.predict(test);
    const copy = test.select(Array.from({ length: test.rows }, (_, r) => r));
    const last = model.predict(copy);
    expect(Array.from(averaged)).not.toEqual(Array.from(last));
    expect(Array.from(model.predict(test))).toEqual(Array.from(averaged));
  });

  it('refuses order 3 with a solver that cannot learn it', async () => {
    const { train } = planted();
    const params = resolveParams(FM_FAMILY.params, { solver: 'mcmc', order: 3 });
    await expect(FM_FAMILY.fit(train, params, { task: 'regression', seed: 0 })).rejects.toThrow(
      /order 3 is learned by solver=sgd or adam, not mcmc/,
    );
  });
});

describe('evaluateFeatures', () => {
  it('scores a binary task with AUC, log-loss and accuracy on every registered binary model', async () => {
    const { train, test } = planted(true);
    for (const family of FEATURE_MODEL_FAMILIES.filter((f) => f.tasks.includes('binary'))) {
      const evaluation = await evaluateFeatures(family, {}, [{ name: 'planted', train, test }], {
        task: 'binary',
        seed: 0,
      });
      expect(Object.keys(evaluation.mean)).toEqual(
        expect.arrayContaining(['auc', 'logloss', 'accuracy', 'fitSeconds', 'epochSeconds']),
      );
      // Each model sees users and items: all beat chance on a planted user × item problem.
      expect(evaluation.mean.auc, family.name).toBeGreaterThan(0.6);
    }
  });

  it('refuses a binary task on ratings, and a model that does not do the task', async () => {
    const { train, test } = planted();
    await expect(
      evaluateFeatures(featureModelFamily('lr'), {}, [{ name: 'x', train, test }], { task: 'binary' }),
    ).rejects.toThrow(/a binary task needs 0\/1 outcomes, but training row 1 has/);
    await expect(
      evaluateFeatures(featureModelFamily('irt'), {}, [{ name: 'x', train, test }], { task: 'regression' }),
    ).rejects.toThrow(/model irt does not do regression; it does binary/);
    expect(() => featureModelFamily('svd')).toThrow(/unknown model "svd"; available: mean, .*fm, lr/);
    expect(() => featureModelFamily('als')).toThrow(
      /model "als" does not work on feature rows; models that do: fm, lr, irt, elo, lmf, deepfm, deep/,
    );
  });
});
