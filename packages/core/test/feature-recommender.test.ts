import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dataset, ItemTag } from '../src/data/dataset.js';
import { FeatureEncoder } from '../src/data/feature-spec.js';
import { Interactions } from '../src/data/interactions.js';
import { Rng } from '../src/math/rng.js';
import type { FeatureRecommender, FeatureUser } from '../src/models/features/feature-recommender.js';
import { loadRecommender, saveRecommender } from '../src/models/model-io.js';
import { resolveParams } from '../src/models/params.js';
import { explanationTotal } from '../src/models/recommender.js';
import { featureModelFamily, modelFamily } from '../src/models/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-feature-recommender-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * 40 users × 30 items, each item one of three genres, rating = 5 + the user's taste for the genre + a
 * rank-2 interaction + noise (binary: whether that is above 5); a fifth of the pairs unrated.
 */
function planted(binary = false) {
  const rng = new Rng(11);
  const genres = ['action', 'drama', 'comedy'];
  const taste = Array.from({ length: 40 * 3 }, () => 1.5 * rng.normal());
  const u = Array.from({ length: 80 }, () => rng.normal());
  const v = Array.from({ length: 60 }, () => rng.normal());
  const rows: [string, string, number][] = [];
  for (let a = 0; a < 40; a++) {
    for (let b = 0; b < 30; b++) {
      if (rng.uniform() < 0.2) continue;
      const score = taste[a * 3 + (b % 3)] + u[2 * a] * v[2 * b] + u[2 * a + 1] * v[2 * b + 1];
      const y = 5 + score + 0.3 * rng.normal();
      rows.push([`u${a}`, `i${b}`, binary ? (y > 5 ? 1 : 0) : y]);
    }
  }
  const itemTags = new Map<string, ItemTag[]>(
    Array.from({ length: 30 }, (_, b) => [`i${b}`, [{ tag: genres[b % 3], weight: 1 }]]),
  );
  return { data: Interactions.fromRows(rows), itemTags };
}

const asDataset = (data: Interactions, tags: Map<string, ItemTag[]>): Dataset => ({
  kind: 'ratings',
  source: 'test',
  ratings: data,
  items: new Map(),
  tags,
  scale: { min: 0, max: 10 },
  skipped: 0,
});

async function fitted(family: string, params: Record<string, string | number>, binary = false) {
  const { data, itemTags } = planted(binary);
  const { model } = await modelFamily(family).fit(data, params, { itemTags, seed: 3 });
  return { model: model as FeatureRecommender, data, itemTags };
}

/** An explanation and the sum of its parts, which must equal its score. */
function explained(model: FeatureRecommender, user: string | FeatureUser, item: string, top: number) {
  const e = model.explain(user, item, top);
  return { e, parts: explanationTotal(e) };
}

describe('feature models as recommenders', () => {
  it('an FM with genres predicts what the fitted FM predicts on the encoded rows', async () => {
    const { model, data, itemTags } = await fitted('fm', {
      features: 'irt+tags',
      solver: 'als',
      factors: 3,
      iterations: 20,
    });
    const encoder = FeatureEncoder.forData('user,item,tags', asDataset(data, itemTags));
    const family = featureModelFamily('fm');
    const params = resolveParams(family.params, { solver: 'als', factors: 3, iterations: 20 });
    const direct = await family.fit(encoder.encode(data), params, { task: 'regression', seed: 3 });
    const expected = direct.model.predict(encoder.encode(data));
    const got = model.predictIndices(data.user, data.item);
    for (let t = 0; t < expected.length; t++) expect(got[t]).toBeCloseTo(expected[t], 9);
    // The scores of all items for a user are the same predictions, item by item.
    const scores = model.scores('u3');
    const { min, max } = model.scale ?? { min: 0, max: 10 };
    for (const j of [0, 7, 29]) {
      expect(model.predict('u3', model.items.idAt(j))).toBeCloseTo(
        Math.min(max, Math.max(min, scores[j])),
        9,
      );
    }
  });

  it('recommends by score with the shared candidate rules, and explains every term', async () => {
    const { model } = await fitted('fm', { features: 'irt+tags', solver: 'als', factors: 3, iterations: 20 });
    const user = model.foldIn([
      { item: 'i0', value: 9 },
      { item: 'i3', value: 8 },
      { item: 'i1', value: 2 },
      { item: 'i4', value: 3 },
      { item: 'nope', value: 5 },
    ]);
    expect(user.unknownItems).toEqual(['nope']);
    const top = model.recommend(user, { n: 30, exclude: ['i6'] });
    const ids = top.map((r) => r.item);
    for (const gone of ['i0', 'i3', 'i1', 'i4', 'i6']) expect(ids).not.toContain(gone);
    expect(ids).toHaveLength(25);
    const scores = model.scores(user);
    const ranked = ids.map((id) => scores[model.items.indexOf(id)]);
    expect(ranked).toEqual([...ranked].sort((a, b) => b - a));
    // The user loves the genre of i0 and i3 (action) and dislikes i1 and i4's (drama).
    const action = model.predict(user, 'i9');
    const drama = model.predict(user, 'i10');
    expect(action).toBeGreaterThan(drama);
    // A folded-in user's part splits exactly over their ratings; all parts add up to the predictor.
    const { e, parts } = explained(model, user, 'i9', 10);
    expect(parts).toBeCloseTo(e.score, 9);
    expect(e.score).toBeCloseTo(scores[model.items.indexOf('i9')], 9);
    expect(e.contributions).toHaveLength(4);
    expect(Math.abs(e.rest)).toBeLessThan(1e-9);
    expect(e.tags?.map((t) => t.tag)).toEqual(['action']);
    expect(model.similarItems('i0', 3)).toHaveLength(3);
    expect(model.mapVectors()?.dim).toBe(3);
  });

  it('tells the genres a user likes from their taste ⟨v_u, v_g⟩, when the penalty leaves genres to the tags', async () => {
    // With a small penalty the items' own factors take the genres over, and the tags' factors say little.
    const { model } = await fitted('fm', {
      features: 'irt+tags',
      solver: 'als',
      factors: 3,
      iterations: 20,
      reg: 5,
    });
    const user = model.foldIn([
      { item: 'i0', value: 9 },
      { item: 'i3', value: 8 },
      { item: 'i1', value: 2 },
      { item: 'i4', value: 3 },
    ]);
    const tastes = model.tagPreferences(user, 3);
    expect(tastes.likes[0]?.tag).toBe('action');
    expect(tastes.dislikes[0]?.tag).toBe('drama');
    // The trained users' favourite genre by taste against the planted one: chance would agree for about 13.
    const rng = new Rng(11);
    const planted = Array.from({ length: 40 * 3 }, () => 1.5 * rng.normal());
    let agree = 0;
    for (let a = 0; a < 40; a++) {
      const [best] = model.tagPreferences(`u${a}`, 3).likes;
      const truth = ['action', 'drama', 'comedy'][
        [0, 1, 2].reduce((p, g) => (planted[a * 3 + g] > planted[a * 3 + p] ? g : p))
      ];
      if (best?.tag === truth) agree++;
    }
    expect(agree).toBeGreaterThanOrEqual(28);
  });

  it('folds in a user by the ridge solve: a trained user’s ratings give back nearly the trained user', async () => {
    const { model } = await fitted('fm', { features: 'irt', solver: 'als', factors: 2, iterations: 30 });
    const trained = model.userVector('u5');
    const folded = model.foldIn(
      Array.from(trained.rated.items, (j, l) => ({
        item: model.items.idAt(j),
        value: trained.rated.values[l],
      })),
    );
    const a = model.scores(trained).slice();
    const b = model.scores(folded);
    let gap = 0;
    for (let j = 0; j < a.length; j++) gap = Math.max(gap, Math.abs(a[j] - b[j]));
    expect(gap).toBeLessThan(0.5);
  });

  it('writes a model file that reads back with the same scores and explanations', async () => {
    const { model } = await fitted('fm', { features: 'irt+tags', solver: 'als', factors: 3, iterations: 5 });
    const file = join(dir, 'fm.osm');
    await saveRecommender(file, model, { model: 'fm', params: {} });
    const { model: back, info } = await loadRecommender(file);
    expect(info.model).toBe('fm');
    expect(Array.from(back.scores('u1'))).toEqual(Array.from(model.scores('u1')));
    const ratings = [{ item: 'i2', value: 7 }];
    expect(back.explain(back.foldIn(ratings), 'i5')).toEqual(model.explain(model.foldIn(ratings), 'i5'));
  });

  for (const [family, params] of [
    ['irt', { pl: 2 }],
    ['lmf', { factors: 2, epochs: 60, lr: 0.05 }],
    ['elo', { passes: 5 }],
    ['lr', {}],
  ] as const) {
    it(`${family}: predicts as fitted, folds a user in by IRLS, and round-trips`, async () => {
      const { model, data, itemTags } = await fitted(family, { ...params, task: 'binary' }, true);
      const encoder = FeatureEncoder.forData('irt', asDataset(data, itemTags));
      const direct = await featureModelFamily(family).fit(
        encoder.encode(data),
        resolveParams(featureModelFamily(family).params, params),
        { task: 'binary', seed: 3 },
      );
      const expected = direct.model.predict(encoder.encode(data));
      const got = model.predictIndices(data.user, data.item);
      for (let t = 0; t < expected.length; t += 7) expect(got[t]).toBeCloseTo(expected[t], 9);
      const rights = ['i0', 'i1', 'i2', 'i3', 'i4'];
      const keen = model.foldIn(rights.map((item) => ({ item, value: 1 })));
      const shy = model.foldIn(rights.map((item) => ({ item, value: 0 })));
      expect(model.predict(keen, 'i20')).toBeGreaterThan(model.predict(shy, 'i20'));
      const { e, parts } = explained(model, keen, 'i20', 10);
      expect(parts).toBeCloseTo(e.score, 9);
      expect(Math.abs(e.rest)).toBeLessThan(1e-6);
      const file = join(dir, `${family}.osm`);
      await saveRecommender(file, model, { model: family, params: {} });
      const { model: back } = await loadRecommender(file);
      expect(back.recommend(keen, { n: 5 })).toEqual(model.recommend(keen, { n: 5 }));
    });
  }

  it('refuses what cannot recommend, saying why', async () => {
    const { data, itemTags } = planted();
    await expect(modelFamily('deepfm').fit(data, {}, { itemTags })).rejects.toThrow(
      /deepfm cannot recommend/,
    );
    await expect(modelFamily('fm').fit(data, { features: 'item,tags' }, { itemTags })).rejects.toThrow(
      /needs the features user and item/,
    );
    await expect(
      modelFamily('fm').fit(data, { features: 'irt', solver: 'sgd', order: 3 }, { itemTags }),
    ).rejects.toThrow(/cannot recommend/);
    expect(() => modelFamily('nope')).toThrow(/als.*lasso.*fm.*irt.*elo.*lmf.*deepfm/);
  });
});
