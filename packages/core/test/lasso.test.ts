import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ItemTag } from '../src/data/dataset.js';
import { IdMap } from '../src/data/id-map.js';
import { Interactions } from '../src/data/interactions.js';
import { evaluate } from '../src/eval/evaluate.js';
import { holdout } from '../src/eval/splits.js';
import { LassoSolver, type SparseRows } from '../src/math/lasso-cd.js';
import { Rng } from '../src/math/rng.js';
import { fitLasso, LassoModel } from '../src/models/lasso.js';
import { loadRecommender, saveRecommender } from '../src/models/model-io.js';
import { modelFamily } from '../src/models/registry.js';
import { rmseOn } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-lasso-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Dense rows (n × p) as sparse rows, one row per "item". */
function sparse(x: number[][]): SparseRows {
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of x) {
    row.forEach((v, t) => {
      if (v !== 0) {
        indices.push(t);
        values.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return {
    indptr: Int32Array.from(indptr),
    indices: Int32Array.from(indices),
    values: Float64Array.from(values),
  };
}

/** Loads a design X (n × p) and ratings y into a solver: item l is row l. */
function loaded(x: number[][], y: number[], screen = true): LassoSolver {
  const solver = new LassoSolver(x[0].length, { screen });
  const items = Int32Array.from(y, (_, l) => l);
  solver.load(sparse(x), items, Float64Array.from(y), 0, y.length);
  return solver;
}

const softThreshold = (z: number, a: number) => Math.sign(z) * Math.max(0, Math.abs(z) - a);

/**
 * Users with a sparse taste over `tags` binary tags (two to three non-zero weights each) and an
 * intercept, rating a random share of the items: r = b_u + w_u·T_j + noise, rounded to a 1..10 scale.
 * The last `cold` items have tags but no rating.
 */
function tasteData(options: { users: number; items: number; tags: number; density: number; cold?: number }) {
  const rng = new Rng(11);
  const { users, items, tags } = options;
  const itemIds = Array.from({ length: items }, (_, j) => `i${j}`);
  const itemTags = new Map<string, ItemTag[]>();
  const t = itemIds.map(() => new Float64Array(tags));
  itemIds.forEach((id, j) => {
    const list: ItemTag[] = [];
    for (let k = 0; k < tags; k++) {
      if (rng.uniform() < 0.3) {
        t[j][k] = 1;
        list.push({ tag: `tag${k}`, weight: 1 });
      }
    }
    itemTags.set(id, list);
  });
  const rows: [string, string, number][] = [];
  const rated = items - (options.cold ?? 0);
  for (let u = 0; u < users; u++) {
    const w = new Float64Array(tags);
    for (let k = 0; k < 2 + (u % 2); k++)
      w[rng.int(tags)] = (rng.uniform() < 0.5 ? -1 : 1) * (1 + 2 * rng.uniform());
    const b = 5 + rng.normal();
    for (let j = 0; j < rated; j++) {
      if (rng.uniform() >= options.density) continue;
      let r = b + 0.7 * rng.normal();
      for (let k = 0; k < tags; k++) r += w[k] * t[j][k];
      rows.push([`u${u}`, itemIds[j], Math.min(10, Math.max(1, Math.round(r)))]);
    }
  }
  const data = Interactions.fromRows(rows, { items: IdMap.from(itemIds) });
  return { data, itemTags };
}

/** The LASSO's optimality (KKT) conditions at w: the gradient is α·sign(w_t) on the support, ≤ α off it. */
function expectOptimal(
  x: number[][],
  y: number[],
  solver: LassoSolver,
  w: Float64Array,
  alpha: number,
): void {
  const [n, p] = [x.length, w.length];
  const b = solver.intercept(w);
  for (let t = 0; t < p; t++) {
    let g = 0;
    for (let l = 0; l < n; l++) {
      let residual = y[l] - b;
      for (let s = 0; s < p; s++) residual -= x[l][s] * w[s];
      g += x[l][t] * residual;
    }
    g /= n;
    if (w[t] === 0) expect(Math.abs(g)).toBeLessThanOrEqual(alpha + 1e-8);
    else expect(g).toBeCloseTo(alpha * Math.sign(w[t]), 8);
  }
}

describe('LASSO coordinate descent', () => {
  it('equals the soft-thresholded least squares on an orthogonal design (XᵀX/n = I)', () => {
    // Columns of a Hadamard matrix: ±1, centered, orthogonal, each with xᵀx/n = 1.
    const h = [
      [1, 1, 1, 1],
      [1, -1, 1, -1],
      [1, 1, -1, -1],
      [1, -1, -1, 1],
    ];
    const x: number[][] = [];
    for (let r = 0; r < 8; r++) x.push([h[r % 4][1], h[r % 4][2], h[r % 4][3] * (r < 4 ? 1 : -1)]);
    const y = [3, 7, 1, 4, 9, 2, 5, 6];
    const n = y.length;
    const solver = loaded(x, y);
    for (const alpha of [0.01, 0.3, 0.9, 5]) {
      const w = new Float64Array(3);
      solver.solve(alpha, w, 1e-14, 1000);
      for (let t = 0; t < 3; t++) {
        const xty = x.reduce((s, row, l) => s + row[t] * y[l], 0) / n;
        expect(w[t]).toBeCloseTo(softThreshold(xty, alpha), 12);
      }
      expect(solver.intercept(w)).toBeCloseTo(y.reduce((a, b) => a + b) / n, 12);
    }
  });

  it('satisfies the KKT conditions on random designs, n > p and n < p, from cold and warm starts', () => {
    const rng = new Rng(5);
    for (const [n, p] of [
      [40, 8],
      [60, 15],
      [6, 10],
    ]) {
      const x = Array.from({ length: n }, () =>
        Array.from({ length: p }, (_, t) => (t % 2 ? (rng.uniform() < 0.35 ? 1 : 0) : rng.normal())),
      );
      const y = Array.from({ length: n }, (_, l) => 2 + x[l][0] - 0.5 * x[l][1] + rng.normal());
      const solver = loaded(x, y);
      const w = new Float64Array(p);
      for (const alpha of [1, 0.3, 0.1, 0.03, 0.01]) {
        solver.solve(alpha, w, 1e-13, 100_000); // warm: from the previous α's solution
        expectOptimal(x, y, solver, w, alpha);
        const cold = new Float64Array(p);
        solver.solve(alpha, cold, 1e-13, 100_000);
        if (n > p) for (let t = 0; t < p; t++) expect(cold[t]).toBeCloseTo(w[t], 8);
      }
    }
  });

  it('finishes in a few sweeps on correlated tags, where coordinate descent alone crawls', () => {
    const rng = new Rng(9);
    const [n, p] = [30, 12];
    // Tags that mostly come together: an ill-conditioned Gram matrix.
    const x = Array.from({ length: n }, () => {
      const z = rng.uniform() < 0.5 ? 1 : 0;
      return Array.from({ length: p }, () => (rng.uniform() < 0.85 ? z : 1 - z));
    });
    const y = x.map((row) => 1 + row[0] + 0.5 * row[3] - row[7] + 0.3 * rng.normal());
    const solver = loaded(x, y);
    for (const alpha of [0.05, 0.01, 0.002]) {
      const w = new Float64Array(p);
      const sweeps = solver.solve(alpha, w, 1e-12, 100_000);
      expectOptimal(x, y, solver, w, alpha);
      expect(sweeps).toBeLessThanOrEqual(12);
    }
  });

  it('gives w = 0 at α ≥ max |c_t|, and no weight to a tag constant over the rated items', () => {
    const x = [
      [1, 1, 0],
      [0, 1, 1],
      [1, 1, 0],
      [0, 1, 0],
    ];
    const solver = loaded(x, [5, 2, 4, 3]);
    const w = new Float64Array(3);
    solver.solve(solver.maxCovariance(), w, 1e-12, 100);
    expect(Array.from(w)).toEqual([0, 0, 0]);
    solver.solve(1e-6, w, 1e-12, 1000);
    expect(w[1]).toBe(0);
    expect(w[0]).toBeGreaterThan(0);
  });
});

describe('LASSO tag screening', () => {
  // 300 ratings on 5 useful tags and 80 useless ones (each item has 3 of them): more ratings than tags,
  // so the solution is unique and both solvers must find it.
  const rng = new Rng(8);
  const x = Array.from({ length: 300 }, () => {
    const row = Array.from({ length: 85 }, (_, t): number => (t < 5 && rng.uniform() < 0.4 ? 1 : 0));
    for (let k = 0; k < 3; k++) row[5 + rng.int(80)] = 1 + rng.uniform();
    return row;
  });
  const y = x.map((row) => 5 + 2 * row[0] - 1.5 * row[1] + row[2] - 0.5 * row[3] + 0.8 * rng.normal());

  it('gives the unscreened coefficients along a path (warm starts) and at a single α', () => {
    const screened = loaded(x, y);
    const full = loaded(x, y, false);
    const top = screened.maxCovariance();
    const [a, b] = [new Float64Array(85), new Float64Array(85)];
    for (let g = 0; g < 12; g++) {
      const alpha = top * 1e-3 ** (g / 11);
      screened.solve(alpha, a, 1e-12, 100_000);
      full.solve(alpha, b, 1e-12, 100_000);
      for (let t = 0; t < 85; t++) expect(a[t]).toBeCloseTo(b[t], 7);
      expectOptimal(x, y, screened, a, alpha);
    }
    for (const alpha of [top / 3, top / 30]) {
      const fresh = loaded(x, y);
      const [c, d] = [new Float64Array(85), new Float64Array(85)];
      fresh.solve(alpha, c, 1e-12, 100_000);
      loaded(x, y, false).solve(alpha, d, 1e-12, 100_000);
      for (let t = 0; t < 85; t++) expect(c[t]).toBeCloseTo(d[t], 7);
      expect(c[0]).toBeGreaterThan(0);
    }
  });
});

describe('LASSO model', () => {
  const { data, itemTags } = tasteData({ users: 70, items: 60, tags: 10, density: 0.45, cold: 4 });
  const fit = (params: Record<string, string | number>, threads = 1) =>
    fitLasso(data, params, { itemTags, threads, seed: 1 });

  it('gives the same model with 1 and 3 threads', async () => {
    const one = await fit({});
    const three = await fit({}, 3);
    expect(three.model.alpha).toBe(one.model.alpha);
    expect(three.model.selection).toEqual(one.model.selection);
    expect(Array.from(three.model.userRows)).toEqual(Array.from(one.model.userRows));
  });

  it('predicts works nobody rated from their tags, clipped to the rating range', async () => {
    const { model } = await fit({ alpha: 0.05, weighting: 'binary' });
    expect(model.ratingCounts()[model.items.indexOf('i59')]).toBe(0);
    const tags = itemTags.get('i59')?.map((t) => t.tag) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    let predictedSome = false;
    for (const user of ['u0', 'u1', 'u2', 'u3', 'u4']) {
      const row = model.userVector(user).row;
      let expected = row[model.layout.userBiasSlot];
      for (const tag of tags) expected += row[model.tags.indexOf(tag)];
      expect(model.predict(user, 'i59')).toBeCloseTo(Math.min(10, Math.max(1, expected)), 5);
      if (Math.abs(expected - row[model.layout.userBiasSlot]) > 0.1) predictedSome = true;
    }
    expect(predictedSome).toBe(true);
    const counts = model.ratingCounts();
    const recommended = model.recommend('u0', { n: 60 }).map((s) => s.item);
    expect(recommended.some((item) => counts[model.items.indexOf(item)] === 0)).toBe(true);
    for (const u of [0, 1]) {
      const p = model.predictIndices(Int32Array.of(u, u), Int32Array.of(0, 59));
      for (const v of p) expect(v).toBeGreaterThanOrEqual(1);
      for (const v of p) expect(v).toBeLessThanOrEqual(10);
    }
  });

  it('ranks a newcomer with no tag preference by training ratings, not by id; scores clipped', async () => {
    const { model } = await fit({ alpha: 0.05 });
    // One rating: the tags are constant over what the newcomer rated, so no tag gets a weight and every
    // work has the same score, the intercept.
    const newcomer = model.foldIn([{ item: 'i3', value: 12 }]);
    const top = model.recommend(newcomer, { n: 15 });
    expect(new Set(top.map((s) => s.score)).size).toBe(1);
    const counts = model.ratingCounts();
    const count = (item: string) => counts[model.items.indexOf(item)];
    const expected = model.items
      .toArray()
      .filter((item) => item !== 'i3')
      .sort((a, b) => count(b) - count(a) || model.items.indexOf(a) - model.items.indexOf(b))
      .slice(0, 15);
    expect(top.map((s) => s.item)).toEqual(expected);
    // The intercept (12) is above the 1–10 scale: the score shown is the scale's top.
    expect(top[0].score).toBe(10);
    expect(model.explain(newcomer, top[0].item).score).toBeCloseTo(12, 5);
  });

  it('explains a score by the tags that carry the largest |w·T|, summing to the score', async () => {
    const { model } = await fit({ alpha: 0.02 });
    const scores = model.scores('u3');
    for (const item of ['i0', 'i7', 'i59']) {
      const j = model.items.indexOf(item);
      const why = model.explain('u3', item, 2);
      const row = model.userVector('u3').row;
      const terms = model.tags
        .map((tag, t) => ({ tag, weight: row[t] * model.itemRows[j * model.layout.stride + t] }))
        .filter((term) => term.weight !== 0)
        .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
      expect(why.tags?.map((t) => t.tag)).toEqual(terms.slice(0, 2).map((t) => t.tag));
      expect(why.mean).toBeCloseTo(row[model.layout.userBiasSlot], 6);
      expect(why.itemBias).toBe(0);
      expect(why.contributions).toEqual([]);
      const sum =
        why.mean + (why.tags ?? []).reduce((s, t) => s + t.weight, 0) + (why.tagRest ?? 0) + why.rest;
      expect(sum).toBeCloseTo(why.score, 10);
      expect(why.score).toBeCloseTo(scores[j], 4);
    }
  });

  it('names the tags a user likes and dislikes: the largest positive and negative weights', async () => {
    const { model } = await fit({ alpha: 0.02 });
    const row = Array.from(model.userVector('u5').row.subarray(0, model.tags.length));
    const prefs = model.tagPreferences('u5', 2);
    const positive = row.map((w, t) => ({ tag: model.tags[t], w })).filter((x) => x.w > 0);
    const negative = row.map((w, t) => ({ tag: model.tags[t], w })).filter((x) => x.w < 0);
    positive.sort((a, b) => b.w - a.w);
    negative.sort((a, b) => a.w - b.w);
    expect(prefs.likes.map((t) => t.tag)).toEqual(positive.slice(0, 2).map((x) => x.tag));
    expect(prefs.dislikes.map((t) => t.tag)).toEqual(negative.slice(0, 2).map((x) => x.tag));
    expect(prefs.likes.length + prefs.dislikes.length).toBeGreaterThan(0);
    for (const t of prefs.likes) expect(t.weight).toBeGreaterThan(0);
    for (const t of prefs.dislikes) expect(t.weight).toBeLessThan(0);
  });

  it('alpha=auto picks a value of its grid that beats silly ones on held-out ratings', async () => {
    const split = holdout(data, 0.2, 3);
    const auto = await fitLasso(split.train, {}, { itemTags, threads: 2 });
    const selection = auto.model.selection;
    expect(selection).toBeDefined();
    expect(selection?.grid).toContain(auto.model.alpha);
    expect(selection?.rmse.length).toBe(selection?.grid.length);
    const autoRmse = rmseOn(auto.model, split.test);
    for (const alpha of [1e-6, 50]) {
      const silly = await fitLasso(split.train, { alpha }, { itemTags, threads: 2 });
      expect(autoRmse).toBeLessThan(rmseOn(silly.model, split.test));
    }
    expect(auto.report.epochSeconds).toEqual([]);
  });

  it('folds a training user in to (nearly) their trained row; no ratings give the training mean', async () => {
    const { model } = await fit({ alpha: 0.03, tol: 1e-9 });
    for (const user of ['u0', 'u9', 'u33']) {
      const trained = model.userVector(user);
      const ratings = Array.from(trained.rated.items, (j, l) => ({
        item: model.items.idAt(j),
        value: trained.rated.values[l],
      })).reverse();
      const folded = model.foldIn(ratings);
      for (let c = 0; c < trained.row.length; c++) expect(folded.row[c]).toBeCloseTo(trained.row[c], 5);
      expect(model.predict(folded, 'i59')).toBeCloseTo(model.predict(user, 'i59'), 5);
    }
    const nobody = model.foldIn([{ item: 'unknown-work', value: 3 }]);
    expect(nobody.unknownItems).toEqual(['unknown-work']);
    expect(model.predict(nobody, 'i1')).toBeCloseTo(data.mean(), 5);
    expect(model.tagPreferences(nobody)).toEqual({ likes: [], dislikes: [] });
  });

  it('saves and loads: the same predictions, tags, α and explanations', async () => {
    const { model } = await fit({ weighting: 'tfidf' });
    const path = join(dir, 'lasso.osusume');
    await saveRecommender(path, model, { model: 'lasso', params: {} });
    const { model: loaded } = await loadRecommender(path);
    expect(loaded).toBeInstanceOf(LassoModel);
    const back = loaded as LassoModel;
    expect(back.tags).toEqual(model.tags);
    expect(back.alpha).toBe(model.alpha);
    expect(back.weighting).toBe('tfidf');
    expect(back.selection).toEqual(model.selection);
    const users = Int32Array.from({ length: 200 }, (_, t) => t % data.users.size);
    const items = Int32Array.from({ length: 200 }, (_, t) => (t * 7) % data.items.size);
    expect(Array.from(back.predictIndices(users, items))).toEqual(
      Array.from(model.predictIndices(users, items)),
    );
    expect(back.explain('u2', 'i5')).toEqual(model.explain('u2', 'i5'));
    const ratings = [
      { item: 'i1', value: 9 },
      { item: 'i2', value: 2 },
      { item: 'i3', value: 7 },
    ];
    expect(Array.from(back.foldIn(ratings).row)).toEqual(Array.from(model.foldIn(ratings).row));
    expect(back.similarItems('i4', 3)).toEqual(model.similarItems('i4', 3));
  });

  it('reports no epochs: its one solve per user is not an epoch, so evaluate gives no epoch time', async () => {
    const { report } = await fit({ alpha: 0.1 });
    expect(report.epochSeconds).toEqual([]);
    expect(report.fitSeconds).toBeGreaterThan(0);
    const result = await evaluate(modelFamily('lasso'), { alpha: '0.1' }, [holdout(data, 0.2, 1)], {
      itemTags,
      threads: 1,
    });
    expect(result.folds[0].epochs).toBe(0);
    expect(result.folds[0].epochSeconds).toBeNaN();
    expect(result.folds[0].fitSeconds).toBeGreaterThan(0);
  });

  it('is the registry’s "lasso" family', async () => {
    const { model } = await modelFamily('lasso').fit(data, { alpha: '0.1' }, { itemTags, threads: 1 });
    expect(model).toBeInstanceOf(LassoModel);
    expect((model as LassoModel).alpha).toBe(0.1);
  });

  it('fails clearly without tags, with tags of other items, and with a bad α', async () => {
    await expect(fitLasso(data, {}, {})).rejects.toThrow(
      /lasso needs item tags: the data has none; pass --tags/,
    );
    const elsewhere = new Map([['other', [{ tag: 'x', weight: 1 }]]]);
    await expect(fitLasso(data, {}, { itemTags: elsewhere })).rejects.toThrow(/do the item ids match/);
    for (const alpha of ['0', '-1', 'abc', '']) {
      await expect(fitLasso(data, { alpha }, { itemTags })).rejects.toThrow(/alpha=.*a number > 0 or auto/);
    }
    await expect(fitLasso(data, { weighting: 'idf' }, { itemTags })).rejects.toThrow(/binary, tfidf, given/);
  });
});
