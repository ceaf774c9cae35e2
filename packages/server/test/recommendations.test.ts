import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAP_CACHE_SIZE, ServingModel } from '../src/engine/serving-model.js';
import {
  Client,
  createContext,
  createTrainedContext,
  DATABASES,
  seedCatalogue,
  type TestContext,
} from './harness.js';

const WORKS = Array.from({ length: 40 }, (_, w) => `w${w}`);
const isManga = (work: string) => Number(work.slice(1)) % 10 === 9;
const isOdd = (work: string) => Number(work.slice(1)) % 2 === 1;
const titleOf = (work: string) => (work === 'w1' ? 'Pokémon Ranger' : `Work ${work.slice(1)}`);

interface Why {
  score: number;
  mean: number;
  itemBias: number;
  rest: number;
  contributions: { work: string; title: string; choice: string | null; weight: number }[];
}

interface Item {
  work: string;
  title: string;
  score: number;
  source: 'model' | 'top' | 'pearls' | 'popular';
  /** Only for works from the model. */
  why?: Why;
}

interface Answer {
  items: Item[];
  model: number;
  fallback: 'none' | 'no-ratings' | 'few-liked';
  tastes: { likes: { tag: string }[]; dislikes: { tag: string }[] } | null;
}

interface MapAnswer {
  layout: 'tsne' | 'pca';
  clusters: { x: number; y: number; size: number; genres: string[] }[];
  points: { work: string; title: string; genres: string[]; x: number; y: number; cluster: number }[];
  you: { x: number; y: number; from: number } | null;
}

async function recommendations(client: Client, query = 'n=10'): Promise<Answer> {
  const response = await client.get(`/api/recommendations?${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

async function watchlist(
  client: Client,
  query = '',
): Promise<{ work: string; title: string; score: number }[]> {
  const response = await client.get(`/api/watchlist${query ? `?${query}` : ''}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items;
}

async function rate(client: Client, ratings: Record<string, string>): Promise<void> {
  for (const [work, choice] of Object.entries(ratings)) {
    const response = await client.put(`/api/ratings/${work}`, { choice });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().choice).toBe(choice);
  }
}

describe.each(DATABASES)('recommendations before any model (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db, { users: 6 });
  });
  afterAll(() => context.close());

  it('answers 503 until a model is trained', async () => {
    const client = new Client(context.app);
    await rate(client, { w0: 'favorite', w3: 'willsee' });
    for (const url of ['/api/recommendations', '/api/watchlist', '/api/map?top=10']) {
      const response = await client.get(url);
      expect(response.statusCode, url).toBe(503);
      expect(response.json().message).toMatch(/no model/);
    }
    expect((await client.get('/ready')).statusCode).toBe(503);
  });
});

describe.each(DATABASES)('recommendations, watchlist and map (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainedContext(dialect);
  });
  afterAll(() => context.close());

  it('never recommends a work the visitor rated, whatever the choice', async () => {
    const client = new Client(context.app);
    const mine = {
      w0: 'favorite',
      w2: 'like',
      w4: 'neutral',
      w6: 'dislike',
      w8: 'willsee',
      w10: 'wontsee',
      w19: 'willsee',
      w21: 'wontsee',
    };
    await rate(client, mine);
    const all = await recommendations(client, 'n=100');
    expect(all.model).toBe(context.services.engine.version);
    // Every other work of the catalogue, and none of the rated ones.
    expect(all.items.map((i) => i.work).sort()).toEqual(WORKS.filter((w) => !(w in mine)).sort());
    for (const item of all.items) expect(item.title).toBe(titleOf(item.work));
    const scores = all.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const some = await recommendations(client, 'n=5');
    expect(some.items.map((i) => i.work)).toEqual(all.items.slice(0, 5).map((i) => i.work));
    // The default n is 10.
    expect((await recommendations(client, '')).items).toHaveLength(10);
  });

  it('filters by category', async () => {
    const client = new Client(context.app);
    await rate(client, { w9: 'like', w1: 'favorite' });
    const manga = await recommendations(client, 'n=10&category=manga');
    expect(manga.items.map((i) => i.work).sort()).toEqual(['w19', 'w29', 'w39']);
    const anime = await recommendations(client, 'n=100&category=anime');
    expect(anime.items).toHaveLength(40 - 4 - 1);
    for (const item of anime.items) expect(isManga(item.work), item.work).toBe(false);
    expect((await recommendations(client, 'category=novel')).items).toEqual([]);
  });

  it('gives each item the type and genres its card is drawn from', async () => {
    const client = new Client(context.app);
    await rate(client, { w9: 'like' });
    const response = await client.get('/api/recommendations?n=40');
    const works = await context.db.selectFrom('works').select(['id', 'type', 'genres']).execute();
    const byId = new Map(works.map((w) => [w.id, w]));
    for (const item of response.json().items as { work: string; type: string | null; genres: string[] }[]) {
      const work = byId.get(item.work);
      expect(item.type).toBe(work?.type ?? null);
      expect(item.genres.join(', ')).toBe(work?.genres ?? '');
    }
  });

  it('explains each item by the visitor’s own ratings', async () => {
    const client = new Client(context.app);
    const mine: Record<string, string> = {
      w0: 'favorite',
      w2: 'like',
      w4: 'like',
      w1: 'dislike',
      w3: 'neutral',
      w14: 'willsee',
      w17: 'wontsee',
    };
    await rate(client, mine);
    const { items } = await recommendations(client, 'n=10');
    expect(items).toHaveLength(10);
    for (const item of items) {
      expect(item.source).toBe('model');
      const why = item.why as Why;
      expect(why.score).toBeCloseTo(item.score, 4);
      const total = why.mean + why.itemBias + why.contributions.reduce((s, c) => s + c.weight, 0) + why.rest;
      expect(total).toBeCloseTo(why.score, 9);
      expect(why.contributions.length).toBeGreaterThan(0);
      expect(why.contributions.length).toBeLessThanOrEqual(3);
      for (const c of why.contributions) {
        expect(mine[c.work], c.work).toBeDefined();
        expect(c.choice).toBe(mine[c.work]);
        expect(c.title).toBe(titleOf(c.work));
      }
    }
    // Nothing rated: nothing to name, and no prediction dressed as one: the works everyone likes.
    const fresh = await recommendations(new Client(context.app), 'n=5');
    expect(fresh.fallback).toBe('no-ratings');
    expect(fresh.items).toHaveLength(5);
    for (const item of fresh.items) {
      expect(item.source).not.toBe('model');
      expect(item.why).toBeUndefined();
    }
  });

  it('follows the visitor’s ratings on each request, without retraining', async () => {
    const { engine, models, jobs } = context.services;
    const version = engine.version;
    const versions = (await models.list()).length;
    const jobCount = (await jobs.list()).length;
    const client = new Client(context.app);
    const cold = await recommendations(client, 'n=5');
    // Favorites among even works: the even works come first.
    await rate(client, { w0: 'favorite', w2: 'favorite', w4: 'like', w1: 'dislike' });
    const even = await recommendations(client, 'n=5');
    expect(even.items.map((i) => i.work)).not.toEqual(cold.items.map((i) => i.work));
    expect(even.items.filter((i) => !isOdd(i.work)).length).toBeGreaterThanOrEqual(4);
    // Then the visitor turns: odd works now.
    await rate(client, { w0: 'dislike', w2: 'dislike', w3: 'favorite', w5: 'favorite', w7: 'like' });
    const odd = await recommendations(client, 'n=5');
    expect(odd.items.filter((i) => isOdd(i.work)).length).toBeGreaterThanOrEqual(4);
    for (const item of odd.items) expect(['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w7']).not.toContain(item.work);
    // Same model all along: no new version, no job.
    for (const answer of [cold, even, odd]) expect(answer.model).toBe(version);
    expect(engine.version).toBe(version);
    expect((await models.list()).length).toBe(versions);
    expect((await jobs.list()).length).toBe(jobCount);
  });

  it('lists exactly the willsee works, best predicted first', async () => {
    const client = new Client(context.app);
    expect(await watchlist(client)).toEqual([]);
    const willsee = ['w3', 'w5', 'w12', 'w19', 'w20', 'w27'];
    await rate(client, Object.fromEntries(willsee.map((w) => [w, 'willsee'])));
    await rate(client, { w0: 'favorite', w2: 'like', w1: 'dislike', w7: 'wontsee', w9: 'like' });
    const items = await watchlist(client);
    expect(items.map((i) => i.work).sort()).toEqual([...willsee].sort());
    for (const item of items) {
      expect(item.title).toBe(titleOf(item.work));
      expect(Number.isFinite(item.score)).toBe(true);
    }
    const scores = items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Liking even works puts the even willsee works first.
    expect(
      items
        .slice(0, 3)
        .map((i) => i.work)
        .filter((w) => !isOdd(w)),
    ).toHaveLength(2);
    expect((await watchlist(client, 'category=manga')).map((i) => i.work)).toEqual(['w19']);
    // A willsee that becomes a like leaves the list; removing one too.
    await rate(client, { w3: 'like' });
    await client.delete('/api/ratings/w5');
    expect((await watchlist(client)).map((i) => i.work).sort()).toEqual(['w12', 'w19', 'w20', 'w27']);
  });

  it('maps the most-rated works and places the visitor among the works they like', async () => {
    const client = new Client(context.app);
    const response = await client.get('/api/map?top=20');
    expect(response.statusCode, response.body).toBe(200);
    const map: MapAnswer = response.json();
    expect(map.layout).toBe('tsne');
    expect(map.points).toHaveLength(20);
    expect(new Set(map.points.map((p) => p.work)).size).toBe(20);
    for (const point of map.points) {
      expect(Number.isFinite(point.x) && Number.isFinite(point.y)).toBe(true);
      expect(point.title).toBe(titleOf(point.work));
      expect(point.genres).toEqual(isOdd(point.work) ? ['Action', 'Comedy'] : ['Drama', 'Romance']);
    }
    expect(map.you).toBeNull();
    // The default covers the whole (small) catalogue.
    const whole: MapAnswer = (await client.get('/api/map')).json();
    expect(whole.points).toHaveLength(40);
    // Nobody without favorites or likes.
    await rate(client, { w1: 'dislike', w5: 'willsee' });
    expect(((await client.get('/api/map')).json() as MapAnswer).you).toBeNull();
    await rate(client, { w10: 'like' });
    const byLike: MapAnswer = (await client.get('/api/map')).json();
    const liked = byLike.points.find((p) => p.work === 'w10');
    expect(byLike.you).toEqual({ x: liked?.x, y: liked?.y, from: 1 });
    // Each vote moves the visitor: favorites weigh about twice a like (their values above neutral).
    const favorites = ['w0', 'w2', 'w4'];
    await rate(client, Object.fromEntries(favorites.map((w) => [w, 'favorite'])));
    const placed: MapAnswer = (await client.get('/api/map')).json();
    const you = placed.you as NonNullable<MapAnswer['you']>;
    expect(you.from).toBe(4);
    const weights: Record<string, number> = { w10: 1.9, w0: 3.9, w2: 3.9, w4: 3.9 };
    const anchors = placed.points.filter((p) => p.work in weights);
    expect(anchors).toHaveLength(4);
    const total = anchors.reduce((s, p) => s + weights[p.work], 0);
    expect(you.x).toBeCloseTo(anchors.reduce((s, p) => s + weights[p.work] * p.x, 0) / total, 4);
    expect(you.y).toBeCloseTo(anchors.reduce((s, p) => s + weights[p.work] * p.y, 0) / total, 4);
    expect([you.x, you.y]).not.toEqual([byLike.you?.x, byLike.you?.y]);
  });

  it('serves the t-SNE layout stored with the model, its clusters named by their genres', async () => {
    const map: MapAnswer = (await new Client(context.app).get('/api/map')).json();
    // Visitors like the works of their own parity: the layout splits odd (Action, Comedy) from even
    // (Drama, Romance) works, and each cluster is named by its works' genres.
    expect(map.clusters.length).toBeGreaterThanOrEqual(2);
    expect(map.clusters.reduce((s, c) => s + c.size, 0)).toBe(map.points.length);
    for (const [c, cluster] of map.clusters.entries()) {
      const members = map.points.filter((p) => p.cluster === c);
      expect(members).toHaveLength(cluster.size);
      const odd = members.filter((p) => isOdd(p.work)).length;
      const majority = odd * 2 > members.length ? ['Action', 'Comedy'] : ['Drama', 'Romance'];
      expect(cluster.genres).toEqual(majority);
      expect(cluster.x).toBeCloseTo(members.reduce((s, p) => s + p.x, 0) / members.length, 4);
    }
    const labels = new Set(map.clusters.map((c) => c.genres.join()));
    expect(labels).toEqual(new Set(['Action,Comedy', 'Drama,Romance']));
    // A smaller map is the same layout cut down, not a new one.
    const top: MapAnswer = (await new Client(context.app).get('/api/map?top=10')).json();
    for (const p of top.points) {
      const same = map.points.find((q) => q.work === p.work);
      expect([p.x, p.y]).toEqual([same?.x, same?.y]);
    }
  });

  it('names regions by adult genres only for visitors who opted in to adult works', () => {
    const serving = context.services.engine.current as ServingModel;
    const layout = serving.layout as NonNullable<ServingModel['layout']>;
    const tagged = {
      ...layout,
      clusters: layout.clusters.map((c) => ({ ...c, genres: ['Hentai', ...c.genres] })),
    };
    const model = new ServingModel(
      serving.version,
      serving.model,
      serving.catalogue,
      serving.trainedAt,
      tagged,
    );
    for (const cluster of model.map(40).clusters) expect(cluster.genres).not.toContain('Hentai');
    for (const cluster of model.map(40, true).clusters) expect(cluster.genres[0]).toBe('Hentai');
    expect(model.map(40).clusters.map((c) => c.genres)).toEqual(
      serving.map(40).clusters.map((c) => c.genres),
    );
  });

  it('falls back to PCA for a model saved without a layout', async () => {
    const serving = context.services.engine.current as ServingModel;
    const old = new ServingModel(serving.version, serving.model, serving.catalogue, serving.trainedAt);
    const pca = old.map(20);
    expect(pca.layout).toBe('pca');
    expect(pca.clusters).toEqual([]);
    expect(pca.points.map((p) => p.work)).toEqual(serving.map(20).points.map((p) => p.work));
    // PCA is linear: the point of the mean is the mean of the points.
    const [a, b] = pca.points;
    const mid = old.map(20).place([
      { work: a.work, weight: 1 },
      { work: b.work, weight: 1 },
    ]);
    expect(mid?.[0]).toBeCloseTo((a.x + b.x) / 2, 6);
    expect(mid?.[1]).toBeCloseTo((a.y + b.y) / 2, 6);
    expect(old.map(20).place([{ work: 'no-such-work', weight: 1 }])).toBeUndefined();
  });

  it('keeps a few map projections per process, however many sizes are asked for', async () => {
    const client = new Client(context.app);
    // Each projection of the full catalogue costs megabytes: a client asking for every size must not
    // make the process keep one per size.
    for (let top = 10; top < 50; top++) {
      expect((await client.get(`/api/map?top=${top}`)).statusCode).toBe(200);
    }
    const serving = context.services.engine.current as ServingModel;
    expect(serving.cachedMaps).toBeLessThanOrEqual(MAP_CACHE_SIZE);
    // The sizes asked for last are still cached: asking again answers from the cache.
    expect(serving.map(49)).toBe(serving.map(49));
  });

  it('answers 400 for a bad query', async () => {
    const client = new Client(context.app);
    for (const url of [
      '/api/recommendations?n=0',
      '/api/recommendations?n=101',
      '/api/recommendations?n=abc',
      '/api/recommendations?n=5&color=red',
      `/api/recommendations?category=${'x'.repeat(41)}`,
      '/api/watchlist?n=5',
      '/api/watchlist?sort=score',
      '/api/map?top=5',
      '/api/map?top=20001',
      '/api/map?top=many',
      '/api/map?top=20&zoom=2',
    ]) {
      const response = await client.get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().message).toBeTruthy();
    }
  });

  it('never shows nor changes one visitor’s ratings for another', async () => {
    const a = new Client(context.app);
    const b = new Client(context.app);
    const aRatings = { w1: 'favorite', w3: 'willsee', w5: 'like', w8: 'dislike' };
    await rate(a, aRatings);
    const stranger = await recommendations(new Client(context.app), 'n=100');
    const aSession = await a.session();
    await b.session();

    // Reading: nothing of A's shows anywhere for B.
    expect((await b.get('/api/ratings')).json().items).toEqual([]);
    expect(await watchlist(b)).toEqual([]);
    const bRecs = await recommendations(b, 'n=100');
    expect(bRecs.items.map((i) => [i.work, i.score])).toEqual(stranger.items.map((i) => [i.work, i.score]));
    for (const item of bRecs.items) expect(item.why?.contributions ?? []).toEqual([]);
    expect(bRecs.items.map((i) => i.work)).toEqual(expect.arrayContaining(Object.keys(aRatings)));
    for (const work of Object.keys(aRatings)) {
      const body = (await b.get(`/api/works/${work}`)).json();
      expect(body.work.myRating, work).toBeNull();
      expect(body.why.contributions).toEqual([]);
    }
    expect(((await b.get('/api/map')).json() as MapAnswer).you).toBeNull();

    // Writing: B's writes land on B only, whatever B does to the same works.
    await rate(b, { w1: 'favorite' });
    await b.put('/api/ratings/w1', { choice: 'favorite' });
    await rate(b, { w3: 'willsee' });
    expect((await b.delete('/api/ratings/w5')).statusCode).toBe(200);
    expect((await b.delete('/api/ratings/w8')).statusCode).toBe(200);
    // B's cookie with A's CSRF token is refused.
    const forged = await b.request({
      method: 'PUT',
      url: '/api/ratings/w8',
      payload: { choice: 'like' },
      headers: { 'x-csrf-token': aSession.csrfToken },
      csrf: false,
    });
    expect(forged.statusCode).toBe(403);
    // A's token without A's cookie is no key either.
    const noCookie = await context.app.inject({
      method: 'DELETE',
      url: '/api/ratings/w1',
      headers: { 'x-csrf-token': aSession.csrfToken },
    });
    expect(noCookie.statusCode).toBe(403);

    const aNow = (await a.get('/api/ratings')).json().items as { work: string; choice: string }[];
    expect(Object.fromEntries(aNow.map((r) => [r.work, r.choice]))).toEqual(aRatings);
    expect((await a.get('/api/works/w1')).json().work.myRating).toBe('favorite');
    expect((await watchlist(a)).map((i) => i.work)).toEqual(['w3']);
    const bNow = (await b.get('/api/ratings')).json().items as { work: string; choice: string }[];
    expect(Object.fromEntries(bNow.map((r) => [r.work, r.choice]))).toEqual({ w3: 'willsee' });
    expect((await watchlist(b)).map((i) => i.work)).toEqual(['w3']);
    const aRecs = await recommendations(a, 'n=100');
    for (const item of aRecs.items) {
      for (const c of item.why?.contributions ?? []) expect(Object.keys(aRatings)).toContain(c.work);
    }
  });
});
