import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Interactions } from '../src/data/interactions.js';
import type { FactorModel } from '../src/models/factor-model.js';
import { fitBpr } from '../src/models/implicit/bpr.js';
import { fitEase } from '../src/models/implicit/ease.js';
import { fitIals } from '../src/models/implicit/ials.js';
import { loadRecommender, saveRecommender } from '../src/models/model-io.js';
import type { Recommender } from '../src/models/recommender.js';
import { heldOutAuc, plantedImplicit } from './implicit-synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-implicit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { train, test } = plantedImplicit({
  users: 120,
  items: 60,
  groups: 4,
  inside: 0.5,
  outside: 0.03,
  heldOut: 3,
});

/** A training user's own interactions, as a fold-in takes them. */
function ownItems(model: Recommender, user: string): { item: string; value: number }[] {
  const { items, values } = model.userVector(user).rated;
  return Array.from(items, (j, l) => ({ item: model.items.idAt(j), value: values[l] }));
}

async function roundTrip(model: Recommender, name: string): Promise<Recommender> {
  const path = join(dir, `${name}.osusume`);
  await saveRecommender(path, model, { model: name, params: {} });
  return (await loadRecommender(path)).model;
}

describe('implicit ALS', () => {
  const fit = (seed = 0, threads = 1) =>
    fitIals(train, { factors: 8, epochs: 15, lambda: 0.1, alpha: 5 }, { seed, threads });

  it('ranks held-out positives far above random (AUC vs 0.5)', async () => {
    const { model } = await fit();
    expect(model.scale).toBeUndefined();
    // Random scores give 0.5; the planted groups keep even a perfect model below 1 (unseen in-group items count as negatives).
    expect(heldOutAuc(model, train, test)).toBeGreaterThan(0.75);
  });

  it('folds a training user in to nearly their trained vector and scores', async () => {
    const { model } = await fit();
    for (const user of ['u0', 'u7', 'u33']) {
      const trained = model.userVector(user).row;
      const folded = model.foldIn(ownItems(model, user)).row;
      let diff = 0;
      let norm = 0;
      for (let c = 0; c < trained.length; c++) {
        diff += (trained[c] - folded[c]) ** 2;
        norm += trained[c] ** 2;
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(0.02);
    }
  });

  it('explains a score exactly: the contributions and the rest sum to the folded-in score', async () => {
    const { model } = await fit();
    const folded = model.foldIn(ownItems(model, 'u5'));
    const scores = model.scores(folded);
    for (const item of ['i0', 'i13', 'i42']) {
      const why = model.explain(folded, item, 3);
      expect(why.contributions).toHaveLength(3);
      const sum = why.contributions.reduce((s, t) => s + t.weight, why.rest);
      expect(sum).toBeCloseTo(why.score, 9);
      expect(why.score).toBeCloseTo(scores[model.items.indexOf(item)], 5);
    }
  });

  it('gives the same model for the same seed on any thread count, another for another seed', async () => {
    const a = (await fit(3, 1)).model as FactorModel;
    const b = (await fit(3, 2)).model as FactorModel;
    const c = (await fit(4, 1)).model as FactorModel;
    expect(Array.from(b.itemRows)).toEqual(Array.from(a.itemRows));
    expect(Array.from(c.itemRows)).not.toEqual(Array.from(a.itemRows));
  });

  it('saves and loads to the same scores, fold-in and explanations', async () => {
    const { model } = await fit();
    const loaded = await roundTrip(model, 'ials');
    expect(Array.from(loaded.scores('u9'))).toEqual(Array.from(model.scores('u9')));
    const items = ownItems(model, 'u9');
    expect(Array.from(loaded.scores(loaded.foldIn(items)))).toEqual(
      Array.from(model.scores(model.foldIn(items))),
    );
    expect(loaded.explain('u9', 'i2')).toEqual(model.explain('u9', 'i2'));
  });

  it('refuses negative weights with a message that says how to read implicit data', async () => {
    const bad = Interactions.fromRows([
      ['a', 'x', 1],
      ['b', 'y', -1],
    ]);
    await expect(fitIals(bad, { factors: 2 }, { threads: 1 })).rejects.toThrow(/--implicit/);
  });
});

describe('EASE', () => {
  const fit = () => fitEase(train, { lambda: 20 });

  it('ranks held-out positives far above random (AUC vs 0.5)', async () => {
    const { model } = await fit();
    expect(heldOutAuc(model, train, test)).toBeGreaterThan(0.75);
  });

  it('has a zero diagonal and folds a training user in to exactly their scores', async () => {
    const { model } = await fit();
    for (let j = 0; j < model.items.size; j++) expect(model.weights[j * model.items.size + j]).toBe(0);
    const trained = Array.from(model.scores('u3'));
    expect(Array.from(model.scores(model.foldIn(ownItems(model, 'u3'))))).toEqual(trained);
  });

  it('explains a score exactly, and predictIndices gives the same scores', async () => {
    const { model } = await fit();
    const scores = Array.from(model.scores('u8'));
    for (const item of ['i1', 'i20']) {
      const why = model.explain('u8', item, 2);
      const j = model.items.indexOf(item);
      expect(why.contributions.reduce((s, t) => s + t.weight, why.rest)).toBeCloseTo(why.score, 9);
      expect(why.score).toBeCloseTo(scores[j], 9);
      const u = Int32Array.of(model.users.indexOf('u8'));
      expect(model.predictIndices(u, Int32Array.of(j))[0]).toBeCloseTo(scores[j], 9);
    }
  });

  it('saves and loads to the same scores', async () => {
    const { model } = await fit();
    const loaded = await roundTrip(model, 'ease');
    expect(Array.from(loaded.scores('u4'))).toEqual(Array.from(model.scores('u4')));
    expect(loaded.similarItems('i3', 3)).toEqual(model.similarItems('i3', 3));
  });

  it('refuses a catalogue above maxItems and says why', async () => {
    await expect(fitEase(train, { maxItems: 10 })).rejects.toThrow(/60 items exceed maxItems=10.*ials/);
  });
});

describe('BPR', () => {
  const fit = (seed = 0) => fitBpr(train, { factors: 8, epochs: 60 }, { seed });

  it('ranks held-out positives far above random (AUC vs 0.5)', async () => {
    const { model } = await fit();
    expect(model.scale).toBeUndefined();
    expect(heldOutAuc(model, train, test)).toBeGreaterThan(0.75);
  });

  it('folds a training user in to scores that order items as their trained ones do', async () => {
    const { model } = await fit();
    for (const user of ['u2', 'u17']) {
      const trained = Array.from(model.scores(user));
      const folded = Array.from(model.scores(model.foldIn(ownItems(model, user))));
      expect(correlation(trained, folded)).toBeGreaterThan(0.9);
    }
  });

  it('explains the folded-in score: item bias plus contributions plus rest', async () => {
    const { model } = await fit();
    const folded = model.foldIn(ownItems(model, 'u6'));
    const scores = model.scores(folded);
    const why = model.explain(folded, 'i10', 3);
    const sum = why.contributions.reduce((s, t) => s + t.weight, why.itemBias + why.rest);
    expect(sum).toBeCloseTo(why.score, 9);
    expect(why.score).toBeCloseTo(scores[model.items.indexOf('i10')], 5);
  });

  it('gives the same model for the same seed, and saves and loads to the same scores and fold-in', async () => {
    const a = (await fit(5)).model;
    const b = (await fit(5)).model;
    expect(Array.from(b.itemRows)).toEqual(Array.from(a.itemRows));
    const loaded = await roundTrip(a, 'bpr');
    expect(Array.from(loaded.scores('u1'))).toEqual(Array.from(a.scores('u1')));
    const items = ownItems(a, 'u1');
    expect(Array.from(loaded.scores(loaded.foldIn(items)))).toEqual(Array.from(a.scores(a.foldIn(items))));
  });
});

function correlation(a: number[], b: number[]): number {
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let t = 0; t < a.length; t++) {
    ab += (a[t] - ma) * (b[t] - mb);
    aa += (a[t] - ma) ** 2;
    bb += (b[t] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
