import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { recomputeCounters } from '../src/domain/counters.js';
import {
  DEFAULT_LIST_THRESHOLDS,
  type ListThresholds,
  listThresholds,
  listWorks,
  parseListThresholds,
  seededHash,
} from '../src/domain/lists.js';
import { searchKey } from '../src/domain/text.js';
import { Client, createContext, DATABASES, seedCatalogue, type TestContext } from './harness.js';

/** Small enough for the 60-user seeded catalogue. */
const SMALL: ListThresholds = {
  top: { minRatings: 30 },
  pearls: { minRatings: 15, maxRatings: 30, maxDislikes: 1, perLikes: 1 },
  random: { minRatings: 10, maxDislikes: 20, likesPerDislike: 1 },
};

interface Item {
  id: string;
  title: string;
  category: string;
  genres: string[];
  counters: Record<string, number>;
  myRating: string | null;
}

describe('list thresholds', () => {
  it('default to docs/design.md and parse from text', () => {
    expect(DEFAULT_LIST_THRESHOLDS.top.minRatings).toBe(80);
    expect(listThresholds({ top: { minRatings: 5 } }).pearls).toEqual(DEFAULT_LIST_THRESHOLDS.pearls);
    const parsed = parseListThresholds('top.minRatings=40, pearls.maxRatings=200');
    expect(parsed.top.minRatings).toBe(40);
    expect(parsed.pearls.maxRatings).toBe(200);
    expect(parsed.random).toEqual(DEFAULT_LIST_THRESHOLDS.random);
    expect(() => parseListThresholds('top.nothing=3')).toThrow(/top.minRatings/);
    expect(() => listThresholds({ top: { minRatings: Number.NaN } })).toThrow(/top.minRatings/);
  });

  it('shuffle with a seed-dependent, spread hash', () => {
    expect(seededHash('1', 'a')).toBe(seededHash('1', 'a'));
    expect(seededHash('1', 'a')).not.toBe(seededHash('2', 'a'));
  });
});

describe.each(DATABASES)('works lists (%s)', (dialect) => {
  let context: TestContext;
  let counters: Map<
    string,
    { favorite: number; like: number; dislike: number; nb: number; sum: number; controversy: number }
  >;
  beforeAll(async () => {
    context = await createContext(dialect, { config: { listThresholds: SMALL } as Partial<Config> });
    await seedCatalogue(context.db);
    const extra = ['100% Pure', 'snake_case Story', 'Ça Va Bien', 'POKÉMON Origins'];
    await context.db
      .insertInto('works')
      .values(
        extra.map((title, k) => ({
          id: `x${k}`,
          title,
          title_search: searchKey(title),
          category: 'anime',
          genres: 'Comedy',
          created_at: new Date(Date.now() + 60_000 * (k + 1)).toISOString(),
        })),
      )
      .execute();
    await recomputeCounters(context.db);
    const rows = await context.db.selectFrom('work_counters').selectAll().execute();
    counters = new Map(
      rows.map((r) => [
        r.work_id,
        {
          favorite: r.favorite,
          like: r.like,
          dislike: r.dislike,
          nb: r.nb_ratings,
          sum: r.sum,
          controversy: r.controversy,
        },
      ]),
    );
  });
  afterAll(() => context.close());

  const list = async (
    query: string,
    client?: Client,
  ): Promise<{ items: Item[]; total: number; seed?: string }> => {
    const response = client
      ? await client.get(`/api/works?${query}`)
      : await context.app.inject({ url: `/api/works?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const ids = (items: Item[]) => items.map((i) => i.id);
  const counterOf = (id: string) => {
    const c = counters.get(id);
    if (!c) throw new Error(`no counters for ${id}`);
    return c;
  };

  it('lists works with their counters, genres and no rating for a new visitor', async () => {
    const body = await list('sort=popular&pageSize=5');
    expect(body).toMatchObject({ page: 1, pageSize: 5, total: 44 });
    expect(body.items).toHaveLength(5);
    const first = body.items[0];
    expect(first.counters.nbRatings).toBe(counterOf(first.id).nb);
    expect(first.myRating).toBeNull();
    expect(first.genres.length).toBe(2);
  });

  it('orders popular by number of ratings, then id', async () => {
    const { items } = await list('sort=popular&pageSize=100');
    const expected = [...ids(items)].sort(
      (a, b) => (counters.get(b)?.nb ?? 0) - (counters.get(a)?.nb ?? 0) || (a < b ? -1 : 1),
    );
    expect(ids(items)).toEqual(expected);
  });

  it('keeps top to works with enough ratings, by sum per rating', async () => {
    const { items, total } = await list('sort=top&pageSize=100');
    const eligible = [...counters].filter(([, c]) => c.nb >= SMALL.top.minRatings).map(([id]) => id);
    expect(total).toBe(eligible.length);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(40);
    const score = (id: string) => counterOf(id).sum / counterOf(id).nb;
    expect(ids(items)).toEqual([...eligible].sort((a, b) => score(b) - score(a) || (a < b ? -1 : 1)));
  });

  it('finds pearls: liked, few ratings, hardly disliked, best ratio first', async () => {
    const { items, total } = await list('sort=pearls&pageSize=100');
    const { minRatings, maxRatings, maxDislikes, perLikes } = SMALL.pearls;
    const eligible = [...counters]
      .filter(
        ([, c]) =>
          c.like > 0 &&
          c.nb >= minRatings &&
          c.nb <= maxRatings &&
          c.dislike * perLikes <= c.like * maxDislikes,
      )
      .map(([id]) => id);
    expect(total).toBe(eligible.length);
    expect(total).toBeGreaterThan(0);
    expect(new Set(ids(items))).toEqual(new Set(eligible));
    const ratios = items.map((i) => i.counters.dislike / i.counters.like);
    expect(ratios).toEqual([...ratios].sort((a, b) => a - b));
  });

  it('orders controversial by controversy', async () => {
    const { items } = await list('sort=controversial&pageSize=10');
    const values = items.map((i) => counters.get(i.id)?.controversy ?? 0);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(values[0]).toBeGreaterThan(0);
  });

  it('shuffles random the same way for one seed, over the eligible works only', async () => {
    const a = await list('sort=random&seed=42&pageSize=100');
    const b = await list('sort=random&seed=42&pageSize=100');
    const c = await list('sort=random&seed=43&pageSize=100');
    expect(ids(a.items)).toEqual(ids(b.items));
    expect(new Set(ids(c.items))).toEqual(new Set(ids(a.items)));
    expect(ids(c.items)).not.toEqual(ids(a.items));
    const { minRatings, maxDislikes, likesPerDislike } = SMALL.random;
    for (const item of a.items) {
      const k = item.counters;
      expect(k.nbRatings).toBeGreaterThanOrEqual(minRatings);
      expect(k.dislike).toBeLessThanOrEqual(maxDislikes);
      expect(k.like).toBeGreaterThanOrEqual(likesPerDislike * k.dislike);
    }
    // Without a seed, one is made up and returned to page on.
    const fresh = await list('sort=random&pageSize=3');
    expect(fresh.seed).toMatch(/^\d+$/);
    const again = await list(`sort=random&pageSize=3&seed=${fresh.seed}`);
    expect(ids(again.items)).toEqual(ids(fresh.items));
  });

  it('pages without overlap or gap, with the total of all pages', async () => {
    for (const sort of ['popular', 'top', 'alphabetical', 'random', 'new']) {
      const all = await list(`sort=${sort}&pageSize=100&seed=7`);
      const paged: string[] = [];
      for (let page = 1; page <= Math.ceil(all.total / 7) + 1; page++) {
        const part = await list(`sort=${sort}&pageSize=7&page=${page}&seed=7`);
        expect(part.total).toBe(all.total);
        paged.push(...ids(part.items));
      }
      expect(paged).toEqual(ids(all.items));
    }
  });

  it('sorts new by creation time and alphabetical by title', async () => {
    const recent = await list('sort=new&pageSize=4');
    expect(ids(recent.items)).toEqual(['x3', 'x2', 'x1', 'x0']);
    const { items } = await list('sort=alphabetical&pageSize=100');
    const keys = items.map((i) => searchKey(i.title));
    expect(keys).toEqual([...keys].sort());
    expect(items[0].title).toBe('100% Pure');
  });

  it('searches titles ignoring case and accents, % and _ taken literally', async () => {
    const titles = async (q: string) =>
      (await list(`sort=alphabetical&q=${encodeURIComponent(q)}`)).items.map((i) => i.title);
    expect(await titles('pokemon')).toEqual(['POKÉMON Origins', 'Pokémon Ranger']);
    expect(await titles('PoKéMoN rAnGeR')).toEqual(['Pokémon Ranger']);
    expect(await titles('ca va')).toEqual(['Ça Va Bien']);
    expect(await titles('%')).toEqual(['100% Pure']);
    expect(await titles('_')).toEqual(['snake_case Story']);
    expect(await titles('nothing like this')).toEqual([]);
    // Work 10..19 (w1 is Pokémon Ranger).
    expect((await list('sort=popular&q=work%201&pageSize=100')).total).toBe(10);
  });

  it('filters by category and lists the categories', async () => {
    const manga = await list('category=manga&pageSize=100');
    expect(ids(manga.items).sort()).toEqual(['w19', 'w29', 'w39', 'w9']);
    expect(manga.items.every((i) => i.category === 'manga')).toBe(true);
    const response = await context.app.inject({ url: '/api/categories' });
    expect(response.json()).toEqual({
      items: [
        { category: 'anime', works: 40 },
        { category: 'manga', works: 4 },
      ],
    });
  });

  it('shows the visitor’s own rating', async () => {
    const client = new Client(context.app);
    expect((await client.put('/api/ratings/w0', { choice: 'willsee' })).statusCode).toBe(200);
    const { items } = await list('sort=popular&pageSize=100', client);
    expect(items.find((i) => i.id === 'w0')?.myRating).toBe('willsee');
    expect(items.filter((i) => i.myRating !== null)).toHaveLength(1);
    const other = await list('sort=popular&pageSize=100', new Client(context.app));
    expect(other.items.filter((i) => i.myRating !== null)).toHaveLength(0);
  });

  it('refuses bad sorts and paging with 400', async () => {
    for (const query of [
      'sort=best',
      'page=0',
      'page=-1',
      'page=abc',
      'pageSize=0',
      'pageSize=1000',
      'pageSize=2.5',
      'colour=red',
      `q=${'x'.repeat(201)}`,
    ]) {
      const response = await context.app.inject({ url: `/api/works?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().message).toBeTruthy();
    }
  });

  it('gives an empty page past the end', async () => {
    const body = await list('page=99&pageSize=100');
    expect(body.items).toEqual([]);
    expect(body.total).toBe(44);
  });

  it('applies the domain thresholds given (defaults leave this small catalogue out of top)', async () => {
    const small = await listWorks(context.db, { sort: 'top', page: 1, pageSize: 100 }, SMALL);
    expect(small.total).toBeGreaterThan(0);
    const defaults = await listWorks(
      context.db,
      { sort: 'top', page: 1, pageSize: 100 },
      DEFAULT_LIST_THRESHOLDS,
    );
    expect(defaults.total).toBe(0);
    // Fractional thresholds work on both databases.
    const fractional = listThresholds({
      top: { minRatings: 29.5 },
      pearls: { minRatings: 14.5, maxRatings: 30.5, maxDislikes: 1.5, perLikes: 1.5 },
      random: { minRatings: 9.5, maxDislikes: 20.5, likesPerDislike: 1.5 },
    });
    for (const sort of ['top', 'pearls', 'random'] as const) {
      await listWorks(context.db, { sort, page: 1, pageSize: 5 }, fractional);
    }
    const top = await listWorks(context.db, { sort: 'top', page: 1, pageSize: 100 }, fractional);
    expect(top.total).toBe(small.total);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await context.app.inject({ url: '/docs/json' })).json();
    expect(doc.paths['/api/works'].get.summary).toBeTruthy();
    expect(doc.paths['/api/categories']).toBeDefined();
  });
});
