import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrations.js';
import { now } from '../src/db/schema.js';
import { importAnimeData } from '../src/domain/anime-import.js';
import {
  Client,
  createContext,
  createTrainedContext,
  DATABASES,
  markAdult,
  type TestContext,
} from './harness.js';

/** Seeded works marked adult for these tests: popular ones (low index), so every list would show them. */
const ADULT = ['w1', 'w2', 'w3', 'w4'];
const KEY = 'test-key';

async function signup(client: Client, username: string): Promise<void> {
  const response = await client.enter('/api/signup', username, 'a-long-password-1');
  expect(response.statusCode, response.body).toBe(201);
}

async function ok(client: Client, url: string) {
  const response = await client.get(url);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json();
}

/** Every work id a visitor is shown on the discovery surfaces. */
async function shown(client: Client): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const sort of ['top', 'pearls', 'popular', 'controversial', 'random', 'new', 'alphabetical']) {
    for (const w of (await ok(client, `/api/works?sort=${sort}&pageSize=100`)).items) ids.add(w.id);
  }
  for (const w of (await ok(client, '/api/works?q=work&pageSize=100')).items) ids.add(w.id);
  for (const card of (await ok(client, '/api/mosaic')).cards) if (card.work) ids.add(card.work.id);
  for (const item of (await ok(client, '/api/recommendations?n=100')).items) ids.add(item.work);
  for (const point of (await ok(client, '/api/map?top=40')).points) ids.add(point.work);
  for (const item of (await ok(client, '/api/watchlist')).items) ids.add(item.work);
  for (const item of (await ok(client, '/api/works/w0')).similar) ids.add(item.work);
  return ids;
}

/** The works the type filters count. */
async function facetTotal(client: Client): Promise<number> {
  const { types } = await ok(client, '/api/facets');
  return (types as { works: number }[]).reduce((sum, t) => sum + t.works, 0);
}

describe.each(DATABASES)('adult works (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainedContext(dialect, { apiKey: KEY, minRatings: 0 });
    await markAdult(context, ADULT);
    // Two trainings: on a loaded machine they take longer than the default 10 s hook timeout.
  }, 120_000);
  afterAll(() => context.close());

  it('are hidden from a visitor everywhere: lists, search, mosaic, recommendations, map, similar', async () => {
    const visitor = new Client(context.app);
    // A will-see of an adult work does not bring it back either.
    await visitor.put('/api/ratings/w4', { choice: 'willsee' });
    await visitor.put('/api/ratings/w0', { choice: 'favorite' });
    const ids = await shown(visitor);
    expect(ids.size).toBeGreaterThan(20);
    for (const work of ADULT) expect(ids.has(work), work).toBe(false);
    const page = await visitor.get('/api/works/w2');
    expect(page.statusCode).toBe(403);
    expect(page.json().message).toMatch(/adult content/);
    // The filters count only what the visitor can find.
    expect(await facetTotal(visitor)).toBe(40 - ADULT.length);
  });

  it('are hidden from an account until it opts in (off by default), then shown everywhere', async () => {
    const client = new Client(context.app);
    await signup(client, 'grown-up');
    expect((await ok(client, '/api/me')).adultOk).toBe(false);
    await client.put('/api/ratings/w4', { choice: 'willsee' });
    await client.put('/api/ratings/w0', { choice: 'favorite' });
    for (const work of ADULT) expect((await shown(client)).has(work), work).toBe(false);

    const opted = await client.request({ method: 'PATCH', url: '/api/me', payload: { adultOk: true } });
    expect(opted.statusCode, opted.body).toBe(200);
    expect(opted.json().adultOk).toBe(true);
    expect(opted.json().isPublic).toBe(true);
    const ids = await shown(client);
    for (const work of ADULT) expect(ids.has(work), work).toBe(true);
    const page = await ok(client, '/api/works/w2');
    expect(page.work.adult).toBe(true);
    expect(await facetTotal(client)).toBe(40);

    await client.request({ method: 'PATCH', url: '/api/me', payload: { adultOk: false } });
    for (const work of ADULT) expect((await shown(client)).has(work), work).toBe(false);
  });

  it('takes the setting from accounts only, as true or false', async () => {
    const anonymous = new Client(context.app);
    await anonymous.put('/api/ratings/w0', { choice: 'like' });
    expect(
      (await anonymous.request({ method: 'PATCH', url: '/api/me', payload: { adultOk: true } })).statusCode,
    ).toBe(401);
    const client = new Client(context.app);
    await signup(client, 'careful');
    for (const payload of [{ adultOk: 'yes' }, {}, { adultOk: true, nsfw: true }]) {
      const response = await client.request({ method: 'PATCH', url: '/api/me', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().message).toBeTruthy();
    }
    expect((await ok(client, '/api/me')).adultOk).toBe(false);
  });

  it('hides another user’s adult ratings on their public profile, not the owner’s own view', async () => {
    const owner = new Client(context.app);
    await signup(owner, 'collector');
    await owner.put('/api/ratings/w1', { choice: 'like' });
    await owner.put('/api/ratings/w5', { choice: 'like' });
    const mine = await ok(owner, '/api/users/collector');
    expect(mine.items.map((r: { work: string }) => r.work).sort()).toEqual(['w1', 'w5']);
    const other = await ok(new Client(context.app), '/api/users/collector');
    expect(other.items.map((r: { work: string }) => r.work)).toEqual(['w5']);
    expect(other.total).toBe(1);
  });

  it('are left out of the integration API unless the application asks for them', async () => {
    const inject = (method: 'GET' | 'POST', url: string, payload?: object) =>
      context.app.inject({ method, url, payload, headers: { 'x-api-key': KEY } });
    const ratings = [{ work: 'w0', choice: 'favorite' }];
    const hidden = (await inject('POST', '/api/v1/recommend', { ratings, n: 100 })).json();
    const asked = (await inject('POST', '/api/v1/recommend', { ratings, n: 100, adult: true })).json();
    const works = (answer: { items: { work: string }[] }) => new Set(answer.items.map((i) => i.work));
    for (const work of ADULT) {
      expect(works(hidden).has(work), work).toBe(false);
      expect(works(asked).has(work), work).toBe(true);
    }
    const similar = (await inject('GET', '/api/v1/works/w0/similar?n=100')).json();
    const similarAsked = (await inject('GET', '/api/v1/works/w0/similar?n=100&adult=true')).json();
    expect([...works(similar)].some((w) => ADULT.includes(w))).toBe(false);
    expect([...works(similarAsked)].some((w) => ADULT.includes(w))).toBe(true);
    expect((await inject('POST', '/api/v1/recommend', { ratings, adult: 'please' })).statusCode).toBe(400);
  });
});

describe.each(DATABASES)('marking adult works (%s)', (dialect) => {
  it('migration 004 marks works already imported from their genres', async () => {
    const context = await createContext(dialect, { migrateTo: '003_accounts' });
    try {
      const works = [
        ['h', 'Hentai, Romance'],
        ['y', 'Yaoi'],
        ['u', 'Comedy, Yuri'],
        ['e', 'Ecchi, Comedy'],
        ['s', 'Shounen Ai, Drama'],
        ['n', ''],
      ];
      // Inserted as the schema stood before 004 (no adult column yet).
      await context.db
        .insertInto('works')
        .values(
          works.map(([id, genres]) => ({
            id,
            title: id,
            title_search: id,
            category: 'anime',
            type: null,
            episodes: null,
            members: null,
            genres,
            created_at: now(),
          })),
        )
        .execute();
      await migrate(context.services.storage);
      const rows = await context.db.selectFrom('works').select(['id', 'adult']).orderBy('id').execute();
      expect(Object.fromEntries(rows.map((r) => [r.id, r.adult]))).toEqual({
        e: 0,
        h: 1,
        n: 0,
        s: 0,
        u: 1,
        y: 1,
      });
      const user = await context.db
        .insertInto('users')
        .values({ created_at: now() })
        .returning('adult_ok')
        .executeTakeFirstOrThrow();
      expect(user.adult_ok).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('the anime import marks works from an adult column, else from their genres', async () => {
    const context = await createContext(dialect);
    const dir = mkdtempSync(join(tmpdir(), 'osusume-adult-'));
    try {
      writeFileSync(
        join(dir, 'anime.csv'),
        [
          'anime_id,name,genre,type,episodes,rating,members,adult',
          '1,By genre,"Hentai, Romance",OVA,1,6.0,10,',
          '2,Declared,Drama,OVA,1,6.0,10,1',
          '3,Declared not,"Yuri, Drama",TV,12,7.0,10,0',
          '4,Mainstream,"Ecchi, Comedy",TV,12,7.0,10,',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'ratings.csv'), 'user_id,anime_id,rating\n1,1,8\n');
      await importAnimeData(context.db, dir);
      const rows = await context.db.selectFrom('works').select(['id', 'adult']).orderBy('id').execute();
      expect(rows.map((r) => [r.id, r.adult])).toEqual([
        ['1', 1],
        ['2', 1],
        ['3', 0],
        ['4', 0],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await context.close();
    }
  });
});
