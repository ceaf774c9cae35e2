import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/schema.js';
import { editDistance } from '../src/domain/edit-distance.js';
import { searchKey } from '../src/domain/text.js';
import { MATCH_TIERS, type TitleEntry, TitleIndex } from '../src/domain/title-index.js';
import { WorkSearch } from '../src/domain/work-search.js';
import { createContext, DATABASES, type TestContext } from './harness.js';

interface Work {
  id: string;
  title: string;
  type: string;
  genres: string;
  ratings: number;
  alternates?: { title: string; kind: string }[];
}

/** A small catalogue with the traps of real titles: punctuation, accents, look-alike words and genres. */
const WORKS: Work[] = [
  { id: 'naruto', title: 'Naruto', type: 'TV', genres: 'Action, Martial Arts, Shounen', ratings: 500 },
  { id: 'shippuden', title: 'Naruto: Shippuuden', type: 'TV', genres: 'Action, Shounen', ratings: 400 },
  { id: 'boruto', title: 'Boruto: Naruto the Movie', type: 'Movie', genres: 'Action, Shounen', ratings: 100 },
  { id: 'narutaru', title: 'Narutaru: Mukuro Naru Hoshi', type: 'TV', genres: 'Drama, Sci-Fi', ratings: 50 },
  { id: 'steins', title: 'Steins;Gate', type: 'TV', genres: 'Sci-Fi, Thriller', ratings: 300 },
  {
    id: 'snk',
    title: 'Shingeki no Kyojin',
    type: 'TV',
    genres: 'Action, Drama, Shounen',
    ratings: 450,
    alternates: [
      { title: 'Attack on Titan', kind: 'english' },
      { title: '進撃の巨人', kind: 'japanese' },
    ],
  },
  {
    id: 'snk-movie',
    title: 'Shingeki no Kyojin Movie 1',
    type: 'Movie',
    genres: 'Action, Drama',
    ratings: 20,
  },
  { id: 'hoshi', title: 'Kyojin no Hoshi', type: 'TV', genres: 'Drama, Sports', ratings: 30 },
  { id: 'pokemon', title: 'Pokémon', type: 'TV', genres: 'Adventure, Kids', ratings: 200 },
  { id: 'percent', title: '100% Pascal-sensei', type: 'TV', genres: 'Comedy', ratings: 1 },
  { id: 'heaven', title: 'Gakuen Heaven', type: 'OVA', genres: 'Comedy, Shounen Ai', ratings: 10 },
];

const entries: TitleEntry[] = WORKS.map((w) => ({
  id: w.id,
  titles: [w.title, ...(w.alternates ?? []).map((a) => a.title)],
  ratings: w.ratings,
  members: 0,
}));

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps, up to a bound', () => {
    expect(editDistance('naruto', 'naruto', 1)).toBe(0);
    expect(editDistance('nartuo', 'naruto', 1)).toBe(1);
    expect(editDistance('naruot', 'naruto', 1)).toBe(1);
    expect(editDistance('narto', 'naruto', 1)).toBe(1);
    expect(editDistance('narrut', 'narut', 1)).toBe(1);
    expect(editDistance('nbruto', 'naruto', 1)).toBe(1);
    expect(editDistance('ntruao', 'naruto', 2)).toBe(2);
    expect(editDistance('ntruao', 'naruto', 1)).toBe(Number.POSITIVE_INFINITY);
    expect(editDistance('gate', 'steinsgate', 2)).toBe(Number.POSITIVE_INFINITY);
  });

  it('measures a word being typed against the beginning of a word', () => {
    expect(editDistance('shingk', 'shingeki', 1, true)).toBe(1);
    expect(editDistance('shingk', 'shingeki', 1)).toBe(Number.POSITIVE_INFINITY);
    expect(editDistance('kyoj', 'kyojin', 0, true)).toBe(0);
    expect(editDistance('kyjo', 'kyojin', 1, true)).toBe(1);
  });
});

describe('TitleIndex', () => {
  const index = new TitleIndex(entries);
  const ids = (text: string, limit = 100) => index.search(text, limit).map((m) => m.id);

  it('forgives typos: a swap, a missing or an extra letter', () => {
    expect(ids('nartuo')[0]).toBe('naruto');
    expect(ids('nartuo')).toEqual(['naruto', 'shippuden', 'boruto']);
    expect(ids('shingki no kyojn')).toEqual(['snk', 'snk-movie']);
    expect(ids('stiens;gate')).toEqual(['steins']);
    expect(index.search('nartuo', 1)[0]).toMatchObject({ tier: MATCH_TIERS.fuzzy });
    // Short words must be right: "nsruto" is one typo, "xy" is not "no".
    expect(ids('shingeki xy kyojin')).toEqual([]);
  });

  it('ignores case, accents and punctuation', () => {
    expect(ids('POKEMON')).toEqual(['pokemon']);
    expect(ids('pokémon')).toEqual(['pokemon']);
    expect(ids('steins gate')).toEqual(['steins']);
    expect(ids('Steins;Gate')).toEqual(['steins']);
    expect(ids('steinsgate')).toEqual(['steins']);
    expect(ids('  Steins  ;  GATE ')).toEqual(['steins']);
  });

  it('matches words in any order and from their beginning, as they are typed', () => {
    expect(ids('shingeki')).toEqual(['snk', 'snk-movie']);
    expect(ids('kyojin shingeki')).toEqual(['snk', 'snk-movie']);
    expect(ids('shin')).toEqual(['snk', 'snk-movie']);
    expect(ids('shingeki no k')).toEqual(['snk', 'snk-movie']);
  });

  it('matches alternate titles, in any script', () => {
    expect(ids('attack on titan')).toEqual(['snk']);
    expect(ids('atack on titan')).toEqual(['snk']);
    expect(ids('進撃')).toEqual(['snk']);
    expect(ids('巨人')).toEqual(['snk']);
  });

  it('ranks the whole title, then all words, then text inside, then typos; ties by popularity', () => {
    const matches = index.search('naruto', 100);
    expect(matches.map((m) => [m.id, m.tier])).toEqual([
      ['naruto', MATCH_TIERS.exact],
      ['shippuden', MATCH_TIERS.words],
      ['boruto', MATCH_TIERS.words],
      ['narutaru', MATCH_TIERS.fuzzy],
    ]);
    // "kyojin": two works have the word; the more rated one first, though the other begins with it.
    expect(ids('kyojin')).toEqual(['snk', 'hoshi', 'snk-movie']);
    // "ruto" is inside words only.
    expect(index.search('ruto', 100).map((m) => [m.id, m.tier])).toEqual([
      ['naruto', MATCH_TIERS.within],
      ['shippuden', MATCH_TIERS.within],
      ['boruto', MATCH_TIERS.within],
    ]);
    expect(ids('naruto', 2)).toEqual(['naruto', 'shippuden']);
  });

  it('finds signs as they are, and nothing for blank text or unknown words', () => {
    expect(ids('%')).toEqual(['percent']);
    expect(ids('100%')).toEqual(['percent']);
    expect(ids('   ')).toEqual([]);
    expect(ids('zzzzzz')).toEqual([]);
  });
});

async function insertWorks(db: Db, works: Work[]): Promise<void> {
  const created = new Date().toISOString();
  await db
    .insertInto('works')
    .values(
      works.map((w) => ({
        id: w.id,
        title: w.title,
        title_search: searchKey(w.title),
        category: 'anime',
        type: w.type,
        genres: w.genres,
        created_at: created,
      })),
    )
    .execute();
  await db
    .insertInto('work_counters')
    .values(
      works.map((w) => ({
        work_id: w.id,
        favorite: 0,
        like: w.ratings,
        neutral: 0,
        dislike: 0,
        willsee: 0,
        wontsee: 0,
        sum: 2 * w.ratings,
        nb_ratings: w.ratings,
        controversy: 0,
        updated_at: created,
      })),
    )
    .execute();
  const alternates = works.flatMap((w) =>
    (w.alternates ?? []).map((a, position) => ({ work_id: w.id, position, ...a })),
  );
  if (alternates.length > 0) await db.insertInto('alternate_titles').values(alternates).execute();
}

describe.each(DATABASES)('search through the API (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await insertWorks(context.db, WORKS);
  });
  afterAll(() => context.close());

  const list = async (query: string) => {
    const response = await context.app.inject({ url: `/api/works?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { items: { id: string; type: string; genres: string[] }[]; total: number };
  };
  const ids = async (query: string) => (await list(query)).items.map((i) => i.id);

  it('orders a search by relevance unless told otherwise', async () => {
    expect(await ids('q=nartuo')).toEqual(['naruto', 'shippuden', 'boruto']);
    expect(await ids('q=naruto')).toEqual(['naruto', 'shippuden', 'boruto', 'narutaru']);
    expect(await ids('q=naruto&sort=alphabetical')).toEqual(['boruto', 'narutaru', 'naruto', 'shippuden']);
    expect(await ids('q=attack%20on%20titan')).toEqual(['snk']);
    expect(await ids('q=steins%20gate')).toEqual(['steins']);
    // Without a search, relevance is popularity.
    expect((await ids('sort=relevance&pageSize=3')).slice(0, 3)).toEqual(['naruto', 'snk', 'shippuden']);
  });

  it('pages a search without overlap, with the total of its matches', async () => {
    const all = await list('q=naruto');
    expect(all.total).toBe(4);
    const first = await list('q=naruto&pageSize=3&page=1');
    const second = await list('q=naruto&pageSize=3&page=2');
    expect(first.total).toBe(4);
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(all.items.map((i) => i.id));
  });

  it('filters by type and genre, with or without a search', async () => {
    expect(await ids('q=naruto&type=Movie')).toEqual(['boruto']);
    expect(await ids('q=naruto&genre=Martial%20Arts')).toEqual(['naruto']);
    expect(await ids('q=kyojin&type=TV&genre=Drama')).toEqual(['snk', 'hoshi']);
    // A genre is a whole name: Shounen is not Shounen Ai.
    const shounen = await list('genre=Shounen&pageSize=100');
    expect(shounen.items.map((i) => i.id).sort()).toEqual(['boruto', 'naruto', 'shippuden', 'snk']);
    expect(shounen.items.every((i) => i.genres.includes('Shounen'))).toBe(true);
    expect(await ids('genre=Shounen%20Ai')).toEqual(['heaven']);
    const movies = await list('type=Movie&sort=popular');
    expect(movies.items.map((i) => i.id)).toEqual(['boruto', 'snk-movie']);
    expect(await ids('type=Special')).toEqual([]);
    expect(await ids('genre=100%25')).toEqual([]);
  });

  it('lists the types and genres to filter by', async () => {
    const response = await context.app.inject({ url: '/api/facets' });
    expect(response.statusCode).toBe(200);
    const { types, genres } = response.json();
    expect(types).toEqual([
      { type: 'TV', works: 8 },
      { type: 'Movie', works: 2 },
      { type: 'OVA', works: 1 },
    ]);
    expect(genres.map((g: { genre: string }) => g.genre)).toEqual(
      [...genres.map((g: { genre: string }) => g.genre)].sort(),
    );
    expect(genres).toContainEqual({ genre: 'Shounen', works: 4 });
    expect(genres).toContainEqual({ genre: 'Shounen Ai', works: 1 });
  });

  it('finds works added after the index was built, and their other names', async () => {
    expect(await ids('q=gaiden')).toEqual([]);
    await insertWorks(context.db, [
      {
        id: 'gaiden',
        title: 'Naruto Gaiden',
        type: 'OVA',
        genres: 'Action',
        ratings: 0,
        alternates: [{ title: 'The Seventh Hokage', kind: 'english' }],
      },
    ]);
    expect(await ids('q=gaiden')).toEqual(['gaiden']);
    expect(await ids('q=seventh%20hokage')).toEqual(['gaiden']);
    const facets = (await context.app.inject({ url: '/api/facets' })).json();
    expect(facets.types).toContainEqual({ type: 'OVA', works: 2 });
    await context.db.deleteFrom('works').where('id', '=', 'gaiden').execute();
    expect(await ids('q=gaiden')).toEqual([]);
  });

  it('looks at the works again only once its recheck interval is over', async () => {
    const patient = new WorkSearch(context.db, 60_000);
    const before = await patient.current();
    await insertWorks(context.db, [
      { id: 'late', title: 'Late Arrival', type: 'TV', genres: '', ratings: 0 },
    ]);
    expect(await patient.current()).toBe(before);
    const eager = new WorkSearch(context.db, 0);
    expect((await eager.current()).titles.search('late arrival', 10).map((m) => m.id)).toEqual(['late']);
    await context.db.deleteFrom('works').where('id', '=', 'late').execute();
  });

  it('shows a work’s other names on its page', async () => {
    const snk = (await context.app.inject({ url: '/api/works/snk' })).json();
    expect(snk.alternateTitles).toEqual([
      { title: 'Attack on Titan', kind: 'english' },
      { title: '進撃の巨人', kind: 'japanese' },
    ]);
    const naruto = (await context.app.inject({ url: '/api/works/naruto' })).json();
    expect(naruto.alternateTitles).toEqual([]);
  });

  it('refuses bad filters with 400 and a message', async () => {
    for (const query of [
      'type=',
      'genre=',
      `genre=${'x'.repeat(41)}`,
      `type=${'x'.repeat(41)}`,
      'sort=best',
    ]) {
      const response = await context.app.inject({ url: `/api/works?${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().message).toBeTruthy();
    }
  });
});
