import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/math/rng.js';
import { BlendModel, fitBlend } from '../src/models/blend.js';
import { type Gate, gateData, gateLoss, gateWeights, learnGate } from '../src/models/blend-gate.js';
import { loadRecommender, saveRecommender } from '../src/models/model-io.js';
import { resolveParams } from '../src/models/params.js';
import { familyParams, familyParts, modelFamily } from '../src/models/registry.js';
import { lowRankRatings, rmseOn } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-blend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Held-out predictions of two models: the first is right on items rated often, the second on the others. */
function plantedGateData(seed = 1) {
  const rng = new Rng(seed);
  const n = 4000;
  const item = new Int32Array(n);
  const truth = new Float64Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const counts = Int32Array.from({ length: 200 }, (_, j) => j);
  for (let r = 0; r < n; r++) {
    item[r] = rng.int(200);
    truth[r] = 3 + rng.normal();
    const often = counts[item[r]] > 80;
    a[r] = truth[r] + (often ? 0.1 : 1.5) * rng.normal();
    b[r] = truth[r] + (often ? 1.5 : 0.3) * rng.normal();
  }
  return gateData([a, b], truth, item, counts);
}

describe('the BALSE gate', () => {
  it('weights are a softmax of β(R − γ), the last model the reference', () => {
    const gate: Gate = { kind: 'count', beta: [0.5], gamma: [10] };
    const w = gateWeights(gate, 10);
    expect(w[0]).toBeCloseTo(0.5, 12);
    expect(gateWeights(gate, 14)[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(w[0] + w[1]).toBeCloseTo(1, 12);
  });

  it('has a gradient that matches finite differences', () => {
    const data = plantedGateData();
    for (const gate of [
      { kind: 'count', beta: [0.07], gamma: [60] },
      { kind: 'count', beta: [-0.02], gamma: [120] },
    ] as Gate[]) {
      const { gradient } = gateLoss(gate, data);
      const h = 1e-6;
      const at = (beta: number, gamma: number) =>
        gateLoss({ ...gate, beta: [beta], gamma: [gamma] }, data).loss;
      const dBeta = (at(gate.beta[0] + h, gate.gamma[0]) - at(gate.beta[0] - h, gate.gamma[0])) / (2 * h);
      const dGamma = (at(gate.beta[0], gate.gamma[0] + h) - at(gate.beta[0], gate.gamma[0] - h)) / (2 * h);
      expect(gradient.beta[0]).toBeCloseTo(dBeta, 5);
      expect(gradient.gamma[0]).toBeCloseTo(dGamma, 5);
    }
    const fixed: Gate = { kind: 'fixed', beta: [0], gamma: [0.3] };
    const h = 1e-6;
    const numeric =
      (gateLoss({ ...fixed, gamma: [0.3 + h] }, data).loss -
        gateLoss({ ...fixed, gamma: [0.3 - h] }, data).loss) /
      (2 * h);
    expect(gateLoss(fixed, data).gradient.gamma[0]).toBeCloseTo(numeric, 5);
  });

  it('learns to trust the first model on items rated often and the second on the others', () => {
    const data = plantedGateData();
    const gate = learnGate('count', data, 1500);
    expect(gate.beta[0]).toBeGreaterThan(0);
    expect(gateWeights(gate, 150)[0]).toBeGreaterThan(0.8);
    expect(gateWeights(gate, 20)[0]).toBeLessThan(0.2);
    expect(gate.gamma[0]).toBeGreaterThan(40);
    expect(gate.gamma[0]).toBeLessThan(130);
    const constant = gateLoss({ kind: 'fixed', beta: [0], gamma: [0] }, data).loss;
    expect(gateLoss(gate, data).loss).toBeLessThan(constant);
  });
});

describe('a blend of models', async () => {
  const data = lowRankRatings({ users: 80, items: 50, rank: 3, density: 0.4, biases: true, noise: 0.3 });
  const families = [modelFamily('als'), modelFamily('biases')];
  const { model } = await fitBlend(families, data, { 'als.factors': 4, 'als.epochs': 8 }, { seed: 3 });

  it('predicts the weighted sum of its models', () => {
    const als = model.parts[0].model;
    const biases = model.parts[1].model;
    const gate = model.gateOf('i3');
    expect(model.predict('u2', 'i3')).toBeCloseTo(
      gate * als.predict(als.userVector('u2'), 'i3') +
        (1 - gate) * biases.predict(biases.userVector('u2'), 'i3'),
      9,
    );
    expect(rmseOn(model, data)).toBeLessThan(rmseOn(biases, data));
  });

  it('explains with each model’s parts scaled by its weight, summing to the score', () => {
    const newcomer = model.foldIn([
      { item: 'i0', value: 5 },
      { item: 'i1', value: 1 },
      { item: 'i7', value: 4 },
    ]);
    const why = model.explain(newcomer, 'i9', 50);
    const sum =
      why.mean +
      why.itemBias +
      why.rest +
      (why.tagRest ?? 0) +
      why.contributions.reduce((s, c) => s + c.weight, 0);
    expect(sum).toBeCloseTo(why.score, 9);
    expect(why.gate).toBeCloseTo(model.gateOf('i9'), 12);
    const [best] = model.recommend(newcomer, { n: 1, include: ['i9'] });
    expect(best.score).toBeCloseTo(why.score, 4);
  });

  it('predicts a work nobody rated from the last (content) model alone', async () => {
    const j = data.items.indexOf('i5');
    const positions = Array.from(data.item.keys()).filter((t) => data.item[t] !== j);
    const cold = (await fitBlend(families, data.subset(positions), { 'als.factors': 4 }, { seed: 3 })).model;
    expect(cold.gateOf('i5')).toBe(0);
    const content = cold.parts[1].model;
    expect(cold.predict('u2', 'i5')).toBeCloseTo(content.predict(content.userVector('u2'), 'i5'), 12);
    const why = cold.explain('u2', 'i5');
    expect(why.gate).toBe(0);
    expect(why.contributions).toEqual(content.explain(content.userVector('u2'), 'i5').contributions);
  });

  it('recommends nothing the user rated', () => {
    const rated = new Set(Array.from(model.userVector('u5').rated.items, (j) => model.items.idAt(j)));
    for (const { item } of model.recommend('u5', { n: 10 })) expect(rated.has(item)).toBe(false);
  });

  it('saves and reloads to identical predictions', async () => {
    const path = join(dir, 'blend.safetensors');
    await saveRecommender(path, model, { model: 'blend', params: {} });
    const { model: back } = await loadRecommender(path, { expectModel: 'blend' });
    expect(back).toBeInstanceOf(BlendModel);
    expect(Array.from(back.predictIndices(data.user, data.item))).toEqual(
      Array.from(model.predictIndices(data.user, data.item)),
    );
    expect(back.recommend('u1', { n: 5 })).toEqual(model.recommend('u1', { n: 5 }));
  });

  it('rejects parameters for models it does not blend', async () => {
    await expect(fitBlend(families, data, { 'sgd.factors': 3 }, {})).rejects.toThrow(/sgd.*not blended/);
  });

  it('reports its parts’ parameters with their defaults, not only the given ones', () => {
    const defaults = (name: string, given = {}) =>
      Object.entries(resolveParams(modelFamily(name).params, given)).map(([k, v]) => [`${name}.${k}`, v]);
    const balse = familyParams(modelFamily('balse'), { 'lasso.alpha': '0.1', holdout: 0.2 });
    expect(balse.holdout).toBe(0.2);
    expect(Object.entries(balse)).toEqual(
      expect.arrayContaining([...defaults('als'), ...defaults('lasso', { alpha: '0.1' })]),
    );
    expect(balse['als.factors']).toBeDefined();
    expect(balse['lasso.alpha']).toBe('0.1');
    const blend = familyParams(modelFamily('blend'), { models: 'biases,lasso', 'sgd.factors': 3 });
    expect(Object.entries(blend)).toEqual(
      expect.arrayContaining([...defaults('biases'), ...defaults('lasso')]),
    );
    expect(blend['als.factors']).toBeUndefined();
    // Not blended: passed on for the fit to refuse.
    expect(blend['sgd.factors']).toBe(3);
  });

  it('gives a blend’s parts with the parameters given to each, and no parts to other families', () => {
    const parts = familyParts(modelFamily('blend'), {
      models: 'biases,lasso',
      'lasso.alpha': '0.1',
      gateSteps: 9,
    });
    expect(parts.map(({ family, params }) => [family.name, params])).toEqual([
      ['biases', {}],
      ['lasso', { alpha: '0.1' }],
    ]);
    expect(familyParts(modelFamily('balse'), {}).map(({ family }) => family.name)).toEqual(['als', 'lasso']);
    expect(familyParts(modelFamily('als'), { factors: 8 })).toEqual([]);
  });
});

describe('BALSE top n', async () => {
  // One or two of twelve tags per item: the LASSO's item rows are sparse, so they are scored by column.
  const data = lowRankRatings({ users: 60, items: 90, rank: 3, density: 0.3, biases: true, noise: 0.3 });
  const rng = new Rng(4);
  const itemTags = new Map(
    data.items.toArray().map((id) => {
      const tags = new Set([rng.int(12), rng.int(12)]);
      return [id, [...tags].map((t) => ({ tag: `t${t}`, weight: 1 }))];
    }),
  );
  const families = [modelFamily('als'), modelFamily('lasso')];
  const { model } = await fitBlend(
    families,
    data,
    { 'als.factors': 4, 'lasso.alpha': 0.02 },
    { seed: 1, itemTags },
  );

  it('recommends the best items by its exact scores', () => {
    for (const ratings of [
      [
        { item: 'i0', value: 5 },
        { item: 'i4', value: 1 },
        { item: 'i9', value: 4 },
      ],
      data.items
        .toArray()
        .slice(20, 60)
        .map((item, k) => ({ item, value: 1 + (k % 5) })),
    ]) {
      const user = model.foldIn(ratings);
      const scores = model.scores(user);
      const rated = new Set(ratings.map((r) => r.item));
      const expected = data.items
        .toArray()
        .map((item, j) => ({ item, score: scores[j] }))
        .filter(({ item }) => !rated.has(item))
        .sort((a, b) => b.score - a.score)
        .slice(0, 8);
      const got = model.recommend(user, { n: 8 });
      expect(got.map((s) => s.score)).toEqual(expected.map((s) => s.score));
      for (const { item, score } of got) expect(score).toBeCloseTo(model.predict(user, item), 9);
    }
  });

  it('reports scores clipped to the rating scale, ranked by the unclipped ones', () => {
    // Far above the scale on every rating: the fold-in predicts above the top of the scale.
    const scale = model.scale as { min: number; max: number };
    const ratings = data.items
      .toArray()
      .slice(0, 30)
      .map((item) => ({ item, value: scale.max + 10 }));
    const user = model.foldIn(ratings);
    const scores = model.scores(user);
    const got = model.recommend(user, { n: 8 });
    expect(scores[data.items.indexOf(got[0].item)]).toBeGreaterThan(scale.max);
    for (const { score } of got) expect(score).toBeLessThanOrEqual(scale.max);
    const unclipped = got.map(({ item }) => scores[data.items.indexOf(item)]);
    expect(unclipped).toEqual([...unclipped].sort((a, b) => b - a));
  });
});
