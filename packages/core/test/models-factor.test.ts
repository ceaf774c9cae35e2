import { describe, expect, it } from 'vitest';
import { Interactions } from '../src/data/interactions.js';
import { holdout } from '../src/eval/splits.js';
import { fitAls } from '../src/models/als.js';
import { fitBiases, fitMean } from '../src/models/baseline.js';
import { projectItems } from '../src/models/projection.js';
import { fitSgd } from '../src/models/sgd.js';
import { TopN } from '../src/models/top-n.js';
import { lowRankRatings, rmseOn } from './synthetic.js';

const data = lowRankRatings({ users: 80, items: 50, rank: 3, density: 0.4, biases: true, noise: 0.1 });

describe('FactorModel queries', async () => {
  const { model } = await fitAls(data, { factors: 6, epochs: 10 }, { seed: 2 });

  it('recommends the best-scored unrated items, best first', () => {
    const vector = model.userVector('u3');
    const rated = new Set(Array.from(vector.rated.items, (j) => model.items.idAt(j)));
    const top = model.recommend('u3', { n: 5 });
    expect(top).toHaveLength(5);
    for (const { item } of top) expect(rated.has(item)).toBe(false);
    for (let k = 1; k < top.length; k++) expect(top[k - 1].score).toBeGreaterThanOrEqual(top[k].score);
    // Nothing unrated scores higher than the fifth recommendation.
    for (const item of model.items.toArray()) {
      if (!rated.has(item) && !top.some((t) => t.item === item)) {
        const [{ score }] = model.recommend('u3', { include: [item] });
        expect(score).toBeLessThanOrEqual(top[4].score);
      }
    }
  });

  it('honours excludeRated, include, exclude and filter', () => {
    const all = model.recommend('u3', { n: 1000, excludeRated: false });
    expect(all).toHaveLength(model.items.size);
    const only = model.recommend('u3', { n: 10, include: ['i1', 'i2', 'i3'], excludeRated: false });
    expect(only.map((s) => s.item).sort()).toEqual(['i1', 'i2', 'i3']);
    const best = model.recommend('u3', { n: 1 })[0].item;
    expect(model.recommend('u3', { n: 1, exclude: [best] })[0].item).not.toBe(best);
    const even = model.recommend('u3', { n: 5, filter: (id) => Number(id.slice(1)) % 2 === 0 });
    for (const { item } of even) expect(Number(item.slice(1)) % 2).toBe(0);
  });

  it('never recommends hidden items, with or without minRatings, and checks the mask', () => {
    const hidden = Uint8Array.from(model.items.toArray(), (id) => (Number(id.slice(1)) % 3 === 0 ? 1 : 0));
    const counts = model.ratingCounts();
    const threshold = Array.from(counts).sort((a, b) => a - b)[counts.length >> 2];
    for (const minRatings of [0, threshold, 0]) {
      const shown = model.recommend('u3', { n: 1000, hidden, minRatings });
      expect(shown.length).toBeGreaterThan(0);
      for (const { item } of shown) {
        expect(Number(item.slice(1)) % 3).not.toBe(0);
        expect(counts[model.items.indexOf(item)]).toBeGreaterThanOrEqual(minRatings);
      }
    }
    // Without the mask, they are candidates again (the mask is not kept from the last call).
    expect(model.recommend('u3', { n: 1000 }).some(({ item }) => Number(item.slice(1)) % 3 === 0)).toBe(true);
    expect(() => model.recommend('u3', { hidden: new Uint8Array(2) })).toThrow(/one flag per item/);
  });

  it('leaves out rarely rated items with minRatings', () => {
    const counts = model.ratingCounts();
    const threshold = Array.from(counts).sort((a, b) => a - b)[counts.length >> 1];
    for (const { item } of model.recommend('u3', { n: 20, minRatings: threshold })) {
      expect(counts[model.items.indexOf(item)]).toBeGreaterThanOrEqual(threshold);
    }
  });

  it('recommends for a folded-in newcomer, leaving out what they rated', () => {
    const newcomer = model.foldIn([
      { item: 'i0', value: 5 },
      { item: 'i7', value: 1 },
      { item: 'nope', value: 3 },
    ]);
    expect(newcomer.unknownItems).toEqual(['nope']);
    const top = model.recommend(newcomer, { n: 3 }).map((s) => s.item);
    expect(top).not.toContain('i0');
    expect(top).not.toContain('i7');
  });

  it('explains a score exactly: mean + item bias + the rated items’ weights', () => {
    const newcomer = model.foldIn([
      { item: 'i0', value: 5 },
      { item: 'i1', value: 4 },
      { item: 'i7', value: 1 },
    ]);
    const why = model.explain(newcomer, 'i9', 2);
    expect(why.contributions).toHaveLength(2);
    const listed = why.contributions.reduce((s, c) => s + c.weight, 0);
    expect(why.mean + why.itemBias + listed + why.rest).toBeCloseTo(why.score, 9);
    expect(why.score).toBeCloseTo(model.recommend(newcomer, { include: ['i9'] })[0].score, 4);
    expect(Math.abs(why.contributions[0].weight)).toBeGreaterThanOrEqual(
      Math.abs(why.contributions[1].weight),
    );
  });

  it('finds a duplicated item as the most similar one', async () => {
    const rows: [string, string, number][] = [];
    for (let t = 0; t < data.length; t++) {
      const u = data.users.idAt(data.user[t]);
      const i = data.items.idAt(data.item[t]);
      rows.push([u, i, data.value[t]]);
      if (i === 'i4') rows.push([u, 'twin', data.value[t]]);
    }
    const twin = (await fitAls(Interactions.fromRows(rows), { factors: 6, epochs: 10 })).model;
    const similar = twin.similarItems('i4', 3);
    expect(similar[0].item).toBe('twin');
    expect(similar[0].score).toBeGreaterThan(0.99);
  });

  it('projects item vectors on a plane, all of them or a chosen few', () => {
    const { points, projection } = projectItems(model);
    expect(points).toHaveLength(model.items.size);
    expect(projection.variance[0]).toBeGreaterThanOrEqual(projection.variance[1]);
    const few = projectItems(model, ['i1', 'i2', 'i3']);
    expect(few.points.map((p) => p.item)).toEqual(['i1', 'i2', 'i3']);
    // Centred on the chosen items: their coordinates average to zero.
    expect(few.points.reduce((s, p) => s + p.x, 0)).toBeCloseTo(0, 5);
    expect(() => projectItems(model, ['nothing'])).toThrow(/unknown item/);
  });

  it('gives clear errors for unknown ids', () => {
    expect(() => model.predict('nobody', 'i1')).toThrow(/unknown user "nobody".*fold in/);
    expect(() => model.predict('u1', 'nothing')).toThrow(/unknown item "nothing"/);
  });
});

describe('SGD', () => {
  it('learns low-rank ratings, and repeats itself for a seed', async () => {
    const params = { factors: 6, epochs: 60, lr: 0.02, reg: 0.01, init: 0.1 };
    const a = await fitSgd(data, params, { seed: 5 });
    const b = await fitSgd(data, params, { seed: 5 });
    expect(rmseOn(a.model, data)).toBeLessThan(0.25);
    expect(Array.from(b.model.itemRows)).toEqual(Array.from(a.model.itemRows));
    expect(a.report.epochSeconds).toHaveLength(60);
  });

  it('chooses the number of epochs by early stopping when epochs=0', async () => {
    const { epochs, report } = await fitSgd(data, { factors: 6, lr: 0.02, maxEpochs: 80 }, { seed: 1 });
    expect(epochs).toBeGreaterThan(0);
    expect(epochs).toBeLessThanOrEqual(80);
    expect(report.epochSeconds).toHaveLength(epochs);
  });

  it('does not stop on the biases-only plateau before the factors learn (epochs=0)', async () => {
    // Strong taste factors: from the small random start the factors stay near 0 for tens of epochs while
    // the held-out RMSE stalls at the biases' level; a patience counted from epoch 1 stopped there (epoch 8,
    // RMSE 1.845 against the biases model's 1.852).
    const tasteful = lowRankRatings({
      users: 300,
      items: 200,
      rank: 3,
      density: 0.2,
      biases: true,
      noise: 0.5,
      seed: 11,
    });
    const split = holdout(tasteful, 0.2, 3);
    const biases = await fitBiases(split.train);
    const sgd = await fitSgd(split.train, { factors: 20 }, { seed: 0 });
    expect(rmseOn(sgd.model, split.test)).toBeLessThan(0.6 * rmseOn(biases.model, split.test));
    expect(sgd.epochs).toBeGreaterThan(20);
  });

  it('says so when it diverges', async () => {
    await expect(fitSgd(data, { factors: 6, epochs: 50, lr: 5 })).rejects.toThrow(
      /diverged.*lower the learning rate/,
    );
  });
});

describe('baselines', () => {
  const tiny = Interactions.fromRows([
    ['a', 'x', 5],
    ['a', 'y', 3],
    ['b', 'x', 4],
  ]);

  it('mean predicts the global mean', async () => {
    const { model } = await fitMean(tiny);
    expect(model.predict('a', 'y')).toBeCloseTo(4, 12);
  });

  it('biases follow the closed-form alternation', async () => {
    // mean 4. One pass with λ_i = λ_u = 1: b_x = ((5-4)+(4-4))/(1+2) = 1/3, b_y = (3-4)/(1+1) = -1/2;
    // b_a = ((5-4-1/3)+(3-4+1/2))/(1+2) = (2/3 - 1/2)/3 = 1/18, b_b = (4-4-1/3)/(1+1) = -1/6.
    const { model } = await fitBiases(tiny, { lambdaUser: 1, lambdaItem: 1, epochs: 1 });
    expect(model.predict('a', 'x')).toBeCloseTo(4 + 1 / 18 + 1 / 3, 6);
    expect(model.predict('b', 'y')).toBeCloseTo(4 - 1 / 6 - 1 / 2, 6);
    // Fold-in of a newcomer uses the same penalty: b = Σ(r − μ − b_i)/(λ_u + n).
    const newcomer = model.foldIn([{ item: 'x', value: 5 }]);
    expect(model.predict(newcomer, 'y')).toBeCloseTo(4 - 1 / 2 + (5 - 4 - 1 / 3) / 2, 6);
  });
});

describe('TopN', () => {
  it('orders equal scores by the second key (larger first), then by index, whatever the push order', () => {
    const second = [5, 9, 9, 1, 7];
    for (const order of [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [2, 0, 4, 1, 3],
    ]) {
      const top = new TopN(3, second);
      for (const i of order) top.push(i, i === 3 ? 2 : 1);
      expect(top.sorted().map((p) => p.index)).toEqual([3, 1, 2]);
    }
  });

  it('keeps the n best, sorted', () => {
    const top = new TopN(3);
    [5, 1, 9, 3, 7, 9].forEach((s, i) => {
      top.push(i, s);
    });
    expect(top.sorted()).toEqual([
      { index: 2, score: 9 },
      { index: 5, score: 9 },
      { index: 4, score: 7 },
    ]);
  });
});
