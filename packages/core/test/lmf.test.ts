import { describe, expect, it } from 'vitest';
import { FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { auc } from '../src/eval/metrics.js';
import { sigmoid } from '../src/math/logistic.js';
import { Rng } from '../src/math/rng.js';
import { LMF_FAMILY } from '../src/models/binary/families.js';
import { fitLmf, lmfLogit, lmfPredict } from '../src/models/binary/lmf.js';
import { fieldPairs } from '../src/models/binary/outcomes.js';

/**
 * One-hot user/item rows (each pair present with probability `density`) with 0/1 outcomes drawn from a
 * planted σ(b_u + b_i + ⟨u, v⟩) of rank `rank`; `truth` is the planted probability of each row.
 */
function planted(seed: number, users: number, items: number, rank: number, density: number) {
  const rng = new Rng(seed);
  const bu = Array.from({ length: users }, () => 0.5 * rng.normal());
  const bi = Array.from({ length: items }, () => 0.5 * rng.normal());
  const u = Array.from({ length: users }, () => Array.from({ length: rank }, () => 1.2 * rng.normal()));
  const v = Array.from({ length: items }, () => Array.from({ length: rank }, () => 1.2 * rng.normal()));
  const builder = new FeatureMatrixBuilder();
  const truth: number[] = [];
  for (let a = 0; a < users; a++) {
    for (let b = 0; b < items; b++) {
      if (rng.uniform() > density) continue;
      const p = sigmoid(bu[a] + bi[b] + u[a].reduce((s, x, f) => s + x * v[b][f], 0));
      truth.push(p);
      builder.add([a, users + b], [1, 1], rng.uniform() < p ? 1 : 0);
    }
  }
  const rows = builder.build(users + items, [
    { name: 'user', offset: 0, size: users },
    { name: 'item', offset: users, size: items },
  ]);
  return { rows, truth };
}

describe('logistic matrix factorization', () => {
  it('recovers a planted low-rank logistic model: held-out AUC close to the planted AUC', async () => {
    const { rows, truth } = planted(1, 400, 150, 2, 0.8);
    const order = new Rng(2).permutation(rows.rows);
    const cut = Math.floor(rows.rows * 0.8);
    const train = rows.select(order.subarray(0, cut));
    const test = rows.select(order.subarray(cut));
    const best = auc(
      Array.from(order.subarray(cut), (r) => truth[r]),
      test.target,
    );
    const { model, report } = await LMF_FAMILY.fit(train, { factors: 2 }, { task: 'binary', seed: 4 });
    const got = auc(model.predict(test), test.target);
    // The planted probabilities score the best AUC there is; about 60 training rows per user and item leave
    // the fitted vectors a little noise.
    expect(got).toBeGreaterThan(best - 0.025);
    expect(report.epochSeconds.length).toBe(LMF_FAMILY.params.find((p) => p.name === 'epochs')?.default);
    // Biases alone (a 1PL model) cannot capture the interactions.
    const flat = await LMF_FAMILY.fit(train, { factors: 0 }, { task: 'binary', seed: 4 });
    expect(auc(flat.model.predict(test), test.target)).toBeLessThan(got - 0.1);
  });

  it('the same seed gives the same model, another seed another', () => {
    const { rows } = planted(3, 60, 30, 2, 0.5);
    const pairs = fieldPairs(rows, 'user', 'item');
    const options = { factors: 2, epochs: 3, lr: 0.02, reg: 0.01, batch: 16, init: 0.1, seed: 9 };
    const a = fitLmf(pairs, options);
    const b = fitLmf(pairs, options);
    const c = fitLmf(pairs, { ...options, seed: 10 });
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    expect(Array.from(c.params)).not.toEqual(Array.from(a.params));
  });

  it('predicts σ of the logit, an unknown item adding nothing and an unknown user its new-user bias', () => {
    const { rows } = planted(5, 20, 10, 2, 0.8);
    const pairs = fieldPairs(rows, 'user', 'item');
    const model = fitLmf(pairs, { factors: 2, epochs: 2, lr: 0.05, reg: 0, batch: 8, init: 0.1, seed: 1 });
    const p = lmfPredict(model, pairs);
    expect(p[0]).toBeCloseTo(sigmoid(lmfLogit(model, pairs.user[0], pairs.item[0])), 15);
    const unknown = {
      user: Int32Array.of(-1),
      item: Int32Array.of(-1),
      value: Float64Array.of(1),
      users: 20,
      items: 10,
    };
    expect(lmfPredict(model, unknown)[0]).toBeCloseTo(sigmoid(model.params[0] + model.newUserBias), 15);
  });
});
