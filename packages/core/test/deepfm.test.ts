import { describe, expect, it } from 'vitest';
import { type FeatureField, type FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { auc, logLoss, rmse } from '../src/eval/metrics.js';
import { Rng } from '../src/math/rng.js';
import { DEEP_FAMILY, DEEPFM_FAMILY, parseHidden } from '../src/models/deep/deepfm-family.js';
import { deepFmObjective } from '../src/models/deep/deepfm-gradients.js';
import { createDeepFmNet, type DeepFmOptions, fitDeepFm } from '../src/models/deep/deepfm-training.js';
import { fitFmSgd, fmPredict } from '../src/models/fm/fm-sgd.js';
import { resolveParams } from '../src/models/params.js';

/**
 * Rows of a user (one-hot), an item (one-hot) and 1–2 tags (multi-hot, values ≠ 1), for the gradient
 * check: every kind of field, and values that are not all 1.
 */
function mixedRows(rng: Rng, rows: number, binary: boolean): FeatureMatrix {
  const fields: FeatureField[] = [
    { name: 'user', offset: 0, size: 4 },
    { name: 'item', offset: 4, size: 3 },
    { name: 'tags', offset: 7, size: 3 },
  ];
  const builder = new FeatureMatrixBuilder();
  for (let r = 0; r < rows; r++) {
    const features = [rng.int(4), 4 + rng.int(3), 7 + rng.int(3)];
    const values = [1, 1, 0.5 + rng.uniform()];
    if (r % 2 === 0 && features[2] !== 9) {
      features.push(9);
      values.push(-0.7);
    }
    builder.add(features, values, binary ? rng.int(2) : 1 + 4 * rng.uniform());
  }
  return builder.build(10, fields);
}

/** Central differences of the objective for each coordinate of `params`, against the analytic gradient. */
function checkGradient(
  objective: () => number,
  params: Float64Array,
  analytic: Float64Array,
  coordinates: Iterable<number>,
): number {
  let worst = 0;
  const h = 1e-6;
  for (const i of coordinates) {
    const saved = params[i];
    params[i] = saved + h;
    const up = objective();
    params[i] = saved - h;
    const down = objective();
    params[i] = saved;
    const numeric = (up - down) / (2 * h);
    worst = Math.max(
      worst,
      Math.abs(numeric - analytic[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i])),
    );
  }
  return worst;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * A planted XOR: each user and each item has a hidden bit, and the target is bit(user) XOR bit(item).
 * No sum of a user effect and an item effect fits it; an interaction model can. Pairs are split at random
 * into training and test rows, so the model must learn the bits, not memorize the pairs.
 */
function xorData(binary: boolean, seed = 3) {
  const rng = new Rng(seed);
  const users = 24;
  const items = 24;
  const userBit = range(users).map(() => rng.int(2));
  const itemBit = range(items).map(() => rng.int(2));
  const fields: FeatureField[] = [
    { name: 'user', offset: 0, size: users },
    { name: 'item', offset: users, size: items },
  ];
  const train = new FeatureMatrixBuilder();
  const test = new FeatureMatrixBuilder();
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      const y = userBit[u] ^ itemBit[i];
      const target = binary ? y : y + 0.1 * rng.normal();
      (rng.uniform() < 0.75 ? train : test).add([u, users + i], [1, 1], target);
    }
  }
  return { train: train.build(users + items, fields), test: test.build(users + items, fields) };
}

describe('DeepFM gradients', () => {
  for (const task of ['regression', 'binary'] as const) {
    for (const fm of [true, false]) {
      it(`match central differences (${fm ? 'DeepFM' : 'Deep'}, ${task})`, () => {
        const m = mixedRows(new Rng(5), 12, task === 'binary');
        const options: DeepFmOptions = { task, fm, k: 3, hidden: [5, 4], dropout: 0, init: 0.5, seed: 7 };
        const net = createDeepFmNet(m, options);
        // Move the biases and weights away from their initial zeros so that their gradients are tested
        // at a general point.
        const rng = new Rng(9);
        for (let i = 0; i < net.w.length; i++) net.w[i] = 0.3 * rng.normal();
        for (let i = 1; i < net.dense.length; i++) net.dense[i] += 0.1 * rng.normal();
        const rows = range(m.rows);
        const l2 = 0.05;
        const g = deepFmObjective(net, m, rows, l2);
        const objective = () => deepFmObjective(net, m, rows, l2).loss;
        expect(checkGradient(objective, net.dense, g.dense, range(net.dense.length))).toBeLessThan(1e-5);
        expect(checkGradient(objective, net.v, g.v, range(net.v.length))).toBeLessThan(1e-5);
        if (fm) expect(checkGradient(objective, net.w, g.w, range(net.w.length))).toBeLessThan(1e-5);
        else expect(net.w.length).toBe(0);
        // w₀ and the MLP's output bias both move the score one for one.
        expect(g.dense[0]).toBeCloseTo(g.dense[net.dense.length - 1], 12);
      });
    }
  }

  it('a field absent from a row contributes zeros, and a matrix without fields is one field', () => {
    const builder = new FeatureMatrixBuilder();
    builder.add([0, 2], [1, 1], 1);
    builder.add([1], [1], 0);
    const m = builder.build(3);
    const net = createDeepFmNet(m, { task: 'regression', k: 2, hidden: [3], seed: 1, init: 0.3 });
    expect(net.slots).toBe(1);
    const fielded = builder.build(3, [
      { name: 'a', offset: 0, size: 2 },
      { name: 'b', offset: 2, size: 1 },
    ]);
    const two = createDeepFmNet(fielded, { task: 'regression', k: 2, hidden: [3], seed: 1, init: 0.3 });
    expect(two.slots).toBe(2);
    two.score(fielded, 1);
    const input = two.mlp.input;
    expect([input[2], input[3]]).toEqual([0, 0]);
    expect([input[0], input[1]]).toEqual([two.v[2], two.v[3]]);
  });
});

describe('DeepFM and Deep fits', () => {
  const options = { k: 4, hidden: [16], lr: 0.02, batch: 32, epochs: 60, patience: 60, dropout: 0, seed: 1 };

  it('learn a planted XOR that a linear model cannot (regression)', () => {
    const { train, test } = xorData(false);
    const linear = fitFmSgd(train, {
      task: 'regression',
      k: 0,
      epochs: 50,
      lr: 0.01,
      reg: 0,
      init: 0,
      seed: 1,
    });
    const linearRmse = rmse(fmPredict(linear.params, test, 'regression'), test.target);
    expect(linearRmse).toBeGreaterThan(0.4);
    for (const fm of [true, false]) {
      const fit = fitDeepFm(train, { ...options, task: 'regression', fm });
      expect(rmse(fit.predict(test), test.target)).toBeLessThan(0.25);
    }
  });

  it('learn a planted XOR that a linear model cannot (binary)', () => {
    const { train, test } = xorData(true, 4);
    const linear = fitFmSgd(train, { task: 'binary', k: 0, epochs: 50, lr: 0.05, reg: 0, init: 0, seed: 1 });
    expect(auc(fmPredict(linear.params, test, 'binary'), test.target)).toBeLessThan(0.65);
    for (const fm of [true, false]) {
      const fit = fitDeepFm(train, { ...options, task: 'binary', fm });
      const p = fit.predict(test);
      expect(auc(p, test.target)).toBeGreaterThan(0.95);
      expect(logLoss(p, test.target)).toBeLessThan(0.3);
    }
  });

  it('early stopping keeps the best epoch and stops `patience` epochs after it', () => {
    // Few noisy rows and a large network: the validation loss turns up once it starts to memorize.
    const rng = new Rng(11);
    const builder = new FeatureMatrixBuilder();
    for (let r = 0; r < 120; r++) {
      const u = rng.int(30);
      const i = rng.int(30);
      builder.add([u, 30 + i], [1, 1], 3 + 0.05 * (u - 15) + rng.normal());
    }
    const train = builder.build(60, [
      { name: 'user', offset: 0, size: 30 },
      { name: 'item', offset: 30, size: 30 },
    ]);
    const validation = train.select(range(40));
    const fitRows = train.select(range(80).map((r) => r + 40));
    const fit = fitDeepFm(fitRows, {
      task: 'regression',
      k: 16,
      hidden: [64],
      lr: 0.03,
      batch: 8,
      epochs: 80,
      patience: 4,
      dropout: 0,
      seed: 2,
      validation,
    });
    const { curve, bestEpoch } = fit;
    expect(curve.length).toBeLessThan(80);
    expect(curve.length).toBe(bestEpoch + 4);
    expect(curve[bestEpoch - 1]).toBe(Math.min(...curve));
    expect(curve[curve.length - 1]).toBeGreaterThan(curve[bestEpoch - 1]);
    // The model is the best epoch's: its validation RMSE is that epoch's, not the last one's.
    expect(rmse(fit.predict(validation), validation.target)).toBeCloseTo(curve[bestEpoch - 1], 12);
  });

  it('holds out a seeded share of the rows when no validation is given', () => {
    const { train } = xorData(false);
    const epochs: number[] = [];
    const fit = fitDeepFm(train, {
      task: 'regression',
      k: 4,
      hidden: [8],
      epochs: 3,
      validationFraction: 0.2,
      onEpoch: (e) => epochs.push(e),
    });
    expect(fit.curve).toHaveLength(3);
    expect(epochs).toEqual([1, 2, 3]);
    const none = fitDeepFm(train, {
      task: 'regression',
      k: 4,
      hidden: [8],
      epochs: 3,
      validationFraction: 0,
    });
    expect(none.curve).toHaveLength(0);
    expect(none.bestEpoch).toBe(3);
  });

  it('gives the same result for the same seed (dropout included), another for another seed', () => {
    const { train, test } = xorData(false);
    const run = (seed: number) =>
      fitDeepFm(train, { task: 'regression', k: 4, hidden: [8, 4], dropout: 0.3, epochs: 4, seed }).predict(
        test,
      );
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('rejects bad options with a message naming the option', () => {
    const { train } = xorData(false);
    const fit = (o: Partial<DeepFmOptions>) => () =>
      fitDeepFm(train, { task: 'regression', epochs: 1, ...o });
    expect(fit({ fm: false, hidden: [] })).toThrow(/at least one hidden layer/);
    expect(fit({ dropout: 1 })).toThrow(/dropout must be in \[0, 1\)/);
    expect(fit({ k: 0 })).toThrow(/k \(the embedding size\)/);
    expect(fit({ hidden: [8, 0] })).toThrow(/hidden layer sizes/);
    expect(fit({ batch: 0 })).toThrow(/batch/);
    expect(fit({ lr: 0 })).toThrow(/lr/);
    expect(fit({ validationFraction: 1 })).toThrow(/validationFraction/);
    expect(fit({ task: 'binary' })).toThrow(/binary targets must lie in \[0, 1\]/);
    expect(() => parseHidden('64,x')).toThrow(/hidden=64,x/);
    // DeepFM may go without hidden layers: its MLP is then one linear unit on the field embeddings.
    expect(fit({ hidden: [] })).not.toThrow();
    const other = new FeatureMatrixBuilder();
    other.add([0, 99], [1, 1], 1);
    const model = fitDeepFm(train, { task: 'regression', epochs: 1 });
    expect(() => model.predict(other.build(100))).toThrow(/trained on 48/);
  });
});

describe('DeepFM families', () => {
  it('fit through their parameters and report the fit', async () => {
    const { train, test } = xorData(true, 4);
    expect(DEEPFM_FAMILY.name).toBe('deepfm');
    expect(DEEP_FAMILY.name).toBe('deep');
    expect(DEEP_FAMILY.tasks).toEqual(['regression', 'binary']);
    const params = resolveParams(DEEPFM_FAMILY.params, {
      hidden: '16',
      factors: 4,
      lr: 0.02,
      batch: 32,
      dropout: 0,
    });
    const curve: number[] = [];
    const { model, report } = await DEEPFM_FAMILY.fit(train, params, {
      task: 'binary',
      seed: 1,
      validation: test,
      onEpoch: (_, loss) => curve.push(loss),
    });
    expect(report.fitSeconds).toBeGreaterThan(0);
    expect(report.epochSeconds.length).toBe(report.curve.length);
    expect(report.curve).toEqual(curve);
    expect(auc(model.predict(test), test.target)).toBeGreaterThan(0.95);
    expect(() => resolveParams(DEEP_FAMILY.params, { hidden: '' })).toThrow(/hidden/);
    expect(resolveParams(DEEPFM_FAMILY.params, { hidden: 'none' }).hidden).toBe('none');
  });

  it('stop between epochs when the signal aborts', async () => {
    const { train } = xorData(false);
    const controller = new AbortController();
    const params = resolveParams(DEEP_FAMILY.params, { epochs: 50, patience: 50 });
    const fit = DEEP_FAMILY.fit(train, params, {
      task: 'regression',
      seed: 1,
      signal: controller.signal,
      onEpoch: (epoch) => {
        if (epoch === 2) controller.abort();
      },
    });
    await expect(fit).rejects.toThrow(/aborted/);
  });
});
