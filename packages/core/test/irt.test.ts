import { describe, expect, it } from 'vitest';
import { FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { type Interactions, InteractionsBuilder } from '../src/data/interactions.js';
import { accuracy, auc, logLoss } from '../src/eval/metrics.js';
import { sigmoid } from '../src/math/logistic.js';
import { Rng } from '../src/math/rng.js';
import { eloPredict, fitElo } from '../src/models/binary/elo.js';
import { ELO_FAMILY, IRT_FAMILY } from '../src/models/binary/families.js';
import { eloUpdate, fitIrt, fitIrtOnline, irtPredict, irtProbability } from '../src/models/binary/irt.js';
import { fitLmf, lmfPredict } from '../src/models/binary/lmf.js';
import { fieldPairs, type OutcomeColumns, outcomesOf } from '../src/models/binary/outcomes.js';

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = Array.from(a).reduce((s, x) => s + x, 0) / n;
  const mb = Array.from(b).reduce((s, x) => s + x, 0) / n;
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Outcomes of `users` users on `items` items (each answered with probability 0.7) from planted parameters. */
function planted(seed: number, users: number, items: number, pl: 1 | 2) {
  const rng = new Rng(seed);
  const theta = Array.from({ length: users }, () => rng.normal());
  const d = Array.from({ length: items }, () => rng.normal());
  const a = Array.from({ length: items }, () => (pl === 2 ? 0.5 + 1.5 * rng.uniform() : 1));
  const builder = new InteractionsBuilder();
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.uniform() > 0.7) continue;
      builder.add(`u${u}`, `i${i}`, rng.uniform() < sigmoid(a[i] * (theta[u] - d[i])) ? 1 : 0);
    }
  }
  const data = builder.build();
  // Planted values in the data's index order.
  const byIndex = (ids: { idAt(k: number): string; size: number }, values: number[]) =>
    Array.from({ length: ids.size }, (_, k) => values[Number(ids.idAt(k).slice(1))]);
  return { data, theta: byIndex(data.users, theta), d: byIndex(data.items, d), a: byIndex(data.items, a) };
}

describe('item response theory', () => {
  it('1PL recovers planted abilities and difficulties, at a stationary point of the penalized likelihood', () => {
    const { data, theta, d } = planted(1, 400, 40, 1);
    const model = fitIrt(data, { pl: 1, lambda: 0.1, maxIterations: 200, tol: 1e-10 });
    expect(correlation(model.ability, theta)).toBeGreaterThan(0.9);
    expect(correlation(model.difficulty, d)).toBeGreaterThan(0.9);
    expect(model.iterations).toBeLessThan(200);
    // The penalized gradient vanishes in every ability.
    const g = new Float64Array(data.users.size);
    for (let t = 0; t < data.length; t++) {
      g[data.user[t]] += data.value[t] - irtProbability(model, data.user[t], data.item[t]);
    }
    for (let u = 0; u < g.length; u++) expect(g[u] - 0.1 * model.ability[u]).toBeCloseTo(0, 6);
  });

  it('2PL recovers planted discriminations as well', () => {
    const { data, theta, d, a } = planted(2, 800, 60, 2);
    const model = fitIrt(data, { pl: 2, lambda: 0.1, maxIterations: 500, tol: 1e-8 });
    expect(model.iterations).toBeLessThan(100);
    expect(correlation(model.ability, theta)).toBeGreaterThan(0.9);
    expect(correlation(model.difficulty, d)).toBeGreaterThan(0.9);
    expect(correlation(model.discrimination, a)).toBeGreaterThan(0.8);
  });

  it('an Elo update is θ += K(y − p), d −= K(y − p) with p = σ(θ − d)', () => {
    const ability = Float64Array.of(0.3, -1);
    const difficulty = Float64Array.of(0.5);
    const p = eloUpdate(ability, difficulty, 0, 0, 1, 0.4);
    expect(p).toBeCloseTo(sigmoid(0.3 - 0.5), 15);
    expect(ability[0]).toBeCloseTo(0.3 + 0.4 * (1 - p), 15);
    expect(difficulty[0]).toBeCloseTo(0.5 - 0.4 * (1 - p), 15);
    const before = difficulty[0];
    const q = eloUpdate(ability, difficulty, 1, 0, 0, 0.4);
    expect(q).toBeCloseTo(sigmoid(-1 - before), 15);
    expect(ability[1]).toBeCloseTo(-1 - 0.4 * q, 15);
    expect(difficulty[0]).toBeCloseTo(before + 0.4 * q, 15);
  });

  it('fits the same model from feature rows: the active features of the user and item fields', () => {
    const { data } = planted(3, 200, 30, 1);
    const rows = featureRows(data);
    const pairs = fieldPairs(rows, 'user', 'item');
    expect(Array.from(pairs.user)).toEqual(Array.from(data.user));
    expect(Array.from(pairs.item)).toEqual(Array.from(data.item));
    expect([pairs.users, pairs.items]).toEqual([data.users.size, data.items.size]);
    const options = { pl: 2 as const, lambda: 0.5, maxIterations: 100, tol: 1e-9 };
    const a = fitIrt(data, options);
    const b = fitIrt(pairs, options);
    expect(Array.from(b.ability)).toEqual(Array.from(a.ability));
    expect(Array.from(b.discrimination)).toEqual(Array.from(a.discrimination));
    expect(b.users).toBeUndefined();
    expect(a.users).toBe(data.users);
  });

  it('reads a missing field feature as −1 (the prior) and refuses two features in a one-hot field', () => {
    const builder = new FeatureMatrixBuilder();
    builder.add([1, 3], [1, 1], 1);
    builder.add([4], [1], 0);
    const fields = [
      { name: 'user', offset: 0, size: 3 },
      { name: 'item', offset: 3, size: 2 },
    ];
    const rows = builder.build(5, fields);
    const pairs = fieldPairs(rows, 'user', 'item');
    expect(Array.from(pairs.user)).toEqual([1, -1]);
    expect(Array.from(pairs.item)).toEqual([0, 1]);
    const model = fitIrt(pairs, { pl: 1, lambda: 1, maxIterations: 50, tol: 1e-10 });
    // The user of row 1 is unknown: the population's chance, here that of user 1, the only one with rows.
    expect(irtPredict(model, pairs)[1]).toBeCloseTo(sigmoid(model.ability[1] - model.difficulty[1]), 12);
    expect(() => fieldPairs(rows, 'user', 'skill')).toThrow(/no field "skill"/);
    const twice = new FeatureMatrixBuilder();
    twice.add([0, 1, 3], [1, 1, 1], 1);
    expect(() => fieldPairs(twice.build(5, fields), 'user', 'item')).toThrow(
      /more than one feature in field "user"/,
    );
  });

  it('online gradient ascent reaches nearly the penalized maximum-likelihood solution', () => {
    for (const pl of [1, 2] as const) {
      const { data } = planted(4, 400, 40, pl);
      const exact = fitIrt(data, { pl, lambda: 0.5, maxIterations: 300, tol: 1e-9 });
      const online = fitIrtOnline(data, { pl, lambda: 0.5, lr: 0.1, passes: 40, seed: 5 });
      expect(online.iterations).toBe(40);
      expect(correlation(online.ability, exact.ability)).toBeGreaterThan(0.95);
      expect(correlation(online.difficulty, exact.difficulty)).toBeGreaterThan(0.95);
      if (pl === 2) expect(correlation(online.discrimination, exact.discrimination)).toBeGreaterThan(0.8);
      const again = fitIrtOnline(data, { pl, lambda: 0.5, lr: 0.1, passes: 40, seed: 5 });
      expect(Array.from(again.ability)).toEqual(Array.from(online.ability));
    }
  });

  it('Elo replays the rows in their order with eloUpdate, and more passes approach the 1PL fit', () => {
    const { data, theta } = planted(6, 300, 30, 1);
    const cols = outcomesOf(data);
    const one = fitElo(cols, { k: 0.3, passes: 1 });
    const ability = new Float64Array(cols.users);
    const difficulty = new Float64Array(cols.items);
    for (let t = 0; t < data.length; t++)
      eloUpdate(ability, difficulty, data.user[t], data.item[t], data.value[t], 0.3);
    expect(Array.from(one.ability)).toEqual(Array.from(ability));
    expect(Array.from(one.difficulty)).toEqual(Array.from(difficulty));
    expect(correlation(one.ability, theta)).toBeGreaterThan(0.7);
    const many = fitElo(cols, { k: 0.1, passes: 20 });
    const exact = fitIrt(data, { pl: 1, lambda: 0.5, maxIterations: 200, tol: 1e-9 });
    expect(correlation(many.ability, exact.ability)).toBeGreaterThan(correlation(one.ability, exact.ability));
    expect(correlation(many.ability, exact.ability)).toBeGreaterThan(0.95);
    const p = eloPredict(many, cols);
    expect(p[0]).toBeCloseTo(sigmoid(many.ability[data.user[0]] - many.difficulty[data.item[0]]), 15);
  });

  it('the irt and elo families fit feature rows and predict held-out rows', async () => {
    const { data } = planted(7, 300, 30, 1);
    const rows = featureRows(data);
    const order = new Rng(1).permutation(rows.rows);
    const train = rows.select(order.subarray(0, 6000));
    const test = rows.select(order.subarray(6000));
    for (const [family, params] of [
      [IRT_FAMILY, {}],
      [IRT_FAMILY, { pl: 2 }],
      [IRT_FAMILY, { solver: 'online' }],
      [ELO_FAMILY, { passes: 3, k: 0.2 }],
    ] as const) {
      const { model, report } = await family.fit(train, params, {
        task: 'binary',
        seed: 3,
        validation: test,
      });
      expect(auc(model.predict(test), test.target)).toBeGreaterThan(0.75);
      expect(report.curve.length).toBe(report.epochSeconds.length);
      expect(report.fitSeconds).toBeGreaterThan(0);
    }
    await expect(IRT_FAMILY.fit(train, {}, { task: 'regression', seed: 1 })).rejects.toThrow(/binary/);
    await expect(IRT_FAMILY.fit(train, { items: 'skill' }, { task: 'binary', seed: 1 })).rejects.toThrow(
      /skill/,
    );
  });
});

/**
 * Learners whose number of answers grows with their ability (the strong ones answer most, as on
 * ASSISTments 2009): `train` holds the first 300 learners' answers, `test` those of 100 new ones (indices
 * 300..399, which the training rows never use, and some rows with the unknown index −1).
 */
function strongAnswerMore(seed: number) {
  const rng = new Rng(seed);
  const items = 20;
  const d = Array.from({ length: items }, () => rng.normal() - 0.5);
  const sides = [
    { user: [], item: [], value: [] },
    { user: [], item: [], value: [] },
  ] as {
    user: number[];
    item: number[];
    value: number[];
  }[];
  for (let u = 0; u < 400; u++) {
    const theta = 1.5 * rng.normal();
    const answers = Math.min(200, Math.round(3 * Math.exp(1.5 * theta)) + 1);
    const side = sides[u < 300 ? 0 : 1];
    for (let n = 0; n < answers; n++) {
      const i = Math.floor(rng.uniform() * items);
      side.user.push(u >= 300 && n % 5 === 0 ? -1 : u);
      side.item.push(i);
      side.value.push(rng.uniform() < sigmoid(theta - d[i]) ? 1 : 0);
    }
  }
  const columns = (side: (typeof sides)[number]): OutcomeColumns => ({
    user: Int32Array.from(side.user),
    item: Int32Array.from(side.item),
    value: Float64Array.from(side.value),
    users: 400,
    items,
  });
  return { train: columns(sides[0]), test: columns(sides[1]) };
}

/** The log-loss on `test` of the training rows' answer rate, the constant to beat. */
function constantLogLoss(train: OutcomeColumns, test: OutcomeColumns): number {
  const rate = train.value.reduce((s, y) => s + y, 0) / train.value.length;
  return logLoss(new Float64Array(test.value.length).fill(rate), test.value);
}

describe('new learners (absent from training)', () => {
  const { train, test } = strongAnswerMore(11);
  const constant = constantLogLoss(train, test);
  const rate = test.value.reduce((s, y) => s + y, 0) / test.value.length;
  const majority = Math.max(rate, 1 - rate);

  it('IRT gives them the population’s chance: better than the constant, where θ = 0 is worse', () => {
    for (const pl of [1, 2] as const) {
      const model = fitIrt(train, { pl, lambda: 0.5, maxIterations: 200, tol: 1e-8 });
      const predicted = irtPredict(model, test);
      // The penalty's θ = 0 (what a new learner got before): far below the population, worse than a constant.
      const atZero = Float64Array.from(test.item, (i) =>
        sigmoid(model.discrimination[i] * (0 - model.difficulty[i])),
      );
      expect(logLoss(atZero, test.value)).toBeGreaterThan(constant);
      expect(logLoss(predicted, test.value)).toBeLessThan(constant);
      expect(accuracy(predicted, test.value)).toBeGreaterThanOrEqual(majority);
      expect(Array.from(model.seen.subarray(300)).every((s) => s === 0)).toBe(true);
    }
  });

  it('Elo and logistic MF give them the bias that best explains all the answers: better than 0 and the constant', () => {
    const elo = fitElo(train, { k: 0.1, passes: 5 });
    const eloAtZero = Float64Array.from(test.item, (i) => sigmoid(-elo.difficulty[i]));
    const eloLoss = logLoss(eloPredict(elo, test), test.value);
    expect(eloLoss).toBeLessThan(Math.min(constant, logLoss(eloAtZero, test.value)));
    const lmf = fitLmf(train, { factors: 2, epochs: 20, lr: 0.05, reg: 0.05, batch: 32, init: 0.1, seed: 1 });
    const lmfAtZero = lmfPredict({ ...lmf, newUserBias: 0 }, { ...test, user: test.user.map(() => -1) });
    const lmfLoss = logLoss(lmfPredict(lmf, test), test.value);
    expect(lmfLoss).toBeLessThan(Math.min(constant, logLoss(lmfAtZero, test.value)));
  });
});

/** One-hot rows of 'user' then 'item' for each interaction, in order. */
function featureRows(data: Interactions) {
  const builder = new FeatureMatrixBuilder();
  const users = data.users.size;
  for (let t = 0; t < data.length; t++)
    builder.add([data.user[t], users + data.item[t]], [1, 1], data.value[t]);
  return builder.build(users + data.items.size, [
    { name: 'user', offset: 0, size: users },
    { name: 'item', offset: users, size: data.items.size },
  ]);
}
