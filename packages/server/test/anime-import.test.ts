import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Db } from '../src/db/schema.js';
import { getSetting } from '../src/db/settings.js';
import { DEMO_IMPORTED, importAnimeData } from '../src/domain/anime-import.js';
import { recomputeCounters } from '../src/domain/counters.js';
import { DEFAULT_LIST_THRESHOLDS, listWorks } from '../src/domain/lists.js';
import { WorkSearch } from '../src/domain/work-search.js';
import { createContext, DATABASES, type TestContext } from './harness.js';

const REAL_DATA = fileURLToPath(new URL('../../../../data/anime', import.meta.url));

const ANIME_CSV = `anime_id,name,genre,type,episodes,rating,members
1,Cowboy Bebop,"Action, Adventure, Comedy, Sci-Fi",TV,26,8.82,486824
2,Pokémon Ranger,"Adventure, Kids",Special,1,7.10,1000
3,Tom &amp; Jerry&#039;s Movie,Comedy,Movie,Unknown,6.50,50
4,No Genre,,TV,12,,10
`;

const RATINGS_CSV = `user_id,anime_id,rating
10,1,10
10,2,8
10,3,5
10,4,2
11,1,-1
11,2,7
11,99,9
12,99,3
`;

async function count(db: Db, table: 'works' | 'work_tags' | 'users' | 'ratings'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(DATABASES)('anime data import (%s)', (dialect) => {
  let context: TestContext;
  let fixture: string;
  beforeAll(async () => {
    context = await createContext(dialect);
    fixture = mkdtempSync(join(tmpdir(), 'osusume-anime-'));
    writeFileSync(join(fixture, 'anime.csv'), ANIME_CSV);
    writeFileSync(join(fixture, 'ratings.csv'), RATINGS_CSV);
  });
  afterAll(async () => {
    await context.close();
    rmSync(fixture, { recursive: true, force: true });
  });

  it('leaves nothing behind when the import fails midway (one transaction)', async () => {
    await expect(
      importAnimeData(context.db, fixture, (_fraction, message) => {
        if (message.startsWith('ratings')) throw new Error('simulated crash');
      }),
    ).rejects.toThrow(/simulated crash/);
    expect(await count(context.db, 'works')).toBe(0);
    expect(await count(context.db, 'users')).toBe(0);
    expect(await count(context.db, 'ratings')).toBe(0);
    expect(await getSetting(context.db, DEMO_IMPORTED)).toBeUndefined();
  });

  it('leaves nothing behind when the importing process is killed (kill -9)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'osusume-kill-'));
    const script = join(home, 'import.mjs');
    const module = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
    writeFileSync(
      script,
      `import { openStorage } from ${module('../src/db/connect.js')};
import { importAnimeData } from ${module('../src/domain/anime-import.js')};
const storage = await openStorage(${JSON.stringify(context.services.storage.options)});
await importAnimeData(storage.db, ${JSON.stringify(REAL_DATA)}, (fraction, message) => {
  if (message.startsWith('ratings') && fraction > 0.3) process.stdout.write('MIDWAY\\n');
});
process.stdout.write('DONE\\n');
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const outcome = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (text.includes('MIDWAY')) {
          child.kill('SIGKILL');
          resolve('killed');
        } else if (text.includes('DONE')) resolve('done');
      });
      child.on('exit', () => resolve('exited'));
    });
    expect(outcome, stderr).toBe('killed');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(home, { recursive: true, force: true });
    expect(await getSetting(context.db, DEMO_IMPORTED)).toBeUndefined();
    expect(await count(context.db, 'works')).toBe(0);
    expect(await count(context.db, 'ratings')).toBe(0);
    expect(await count(context.db, 'users')).toBe(0);
  });

  it('imports works, genres as tags, users who cannot log in and their ratings as choices', async () => {
    const progress: number[] = [];
    const result = await importAnimeData(context.db, fixture, (fraction) => progress.push(fraction));
    expect(result).toMatchObject({
      imported: true,
      works: 4,
      tags: 7,
      users: 3,
      ratings: 6,
      skippedRatings: 2,
    });
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const works = await context.db.selectFrom('works').selectAll().orderBy('id').execute();
    expect(
      works.map((w) => [w.id, w.title, w.title_search, w.category, w.type, w.episodes, w.members, w.genres]),
    ).toEqual([
      ['1', 'Cowboy Bebop', 'cowboy bebop', 'anime', 'TV', 26, 486824, 'Action, Adventure, Comedy, Sci-Fi'],
      ['2', 'Pokémon Ranger', 'pokemon ranger', 'anime', 'Special', 1, 1000, 'Adventure, Kids'],
      ['3', "Tom & Jerry's Movie", "tom & jerry's movie", 'anime', 'Movie', null, 50, 'Comedy'],
      ['4', 'No Genre', 'no genre', 'anime', 'TV', 12, 10, ''],
    ]);
    const tags = await context.db
      .selectFrom('work_tags')
      .selectAll()
      .orderBy('work_id')
      .orderBy('tag')
      .execute();
    expect(tags.filter((t) => t.work_id === '2').map((t) => [t.tag, t.weight])).toEqual([
      ['Adventure', 1],
      ['Kids', 1],
    ]);

    const users = await context.db.selectFrom('users').selectAll().orderBy('external_id').execute();
    expect(users.map((u) => u.external_id)).toEqual(['10', '11', '12']);
    for (const user of users) {
      expect(user).toMatchObject({
        username: null,
        password_hash: null,
        is_public: 1,
        is_anonymous: 0,
        is_admin: 0,
      });
    }

    const ratings = await context.db
      .selectFrom('ratings')
      .innerJoin('users', 'users.id', 'ratings.user_id')
      .select(['users.external_id', 'ratings.work_id', 'ratings.choice'])
      .orderBy('users.external_id')
      .orderBy('ratings.work_id')
      .execute();
    expect(ratings.map((r) => [r.external_id, r.work_id, r.choice])).toEqual([
      ['10', '1', 'favorite'],
      ['10', '2', 'like'],
      ['10', '3', 'neutral'],
      ['10', '4', 'dislike'],
      ['11', '1', 'neutral'],
      ['11', '2', 'like'],
    ]);
    expect(await getSetting(context.db, DEMO_IMPORTED)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('does nothing the second time', async () => {
    const again = await importAnimeData(context.db, fixture);
    expect(again).toMatchObject({ imported: false, works: 0, ratings: 0 });
    expect(await count(context.db, 'works')).toBe(4);
    expect(await count(context.db, 'work_tags')).toBe(7);
    expect(await count(context.db, 'users')).toBe(3);
    expect(await count(context.db, 'ratings')).toBe(6);
  });
});

/** A catalogue in the shape of richer data sets: other names in optional columns, under their usual headers. */
const ALTERNATES_CSV = `anime_id,name,English name,japanese_name,synonyms,genre,type,episodes,rating,members
16498,Shingeki no Kyojin,Attack on Titan,進撃の巨人,AoT|SHINGEKI NO KYOJIN|Shingeki no Kyojin,"Action, Drama",TV,25,8.54,896229
9253,Steins;Gate,Steins;Gate,,"Steins Gate, シュタインズ・ゲート",Sci-Fi,TV,24,9.17,673572
1,Cowboy Bebop,Unknown,,,Action,TV,26,8.82,486824
`;

describe.each(DATABASES)('anime data import with alternate titles (%s)', (dialect) => {
  it('imports the other names, without those that repeat the title, and search finds works by them', async () => {
    const context = await createContext(dialect);
    const fixture = mkdtempSync(join(tmpdir(), 'osusume-anime-'));
    onTestFinished(async () => {
      await context.close();
      rmSync(fixture, { recursive: true, force: true });
    });
    writeFileSync(join(fixture, 'anime.csv'), ALTERNATES_CSV);
    writeFileSync(join(fixture, 'ratings.csv'), 'user_id,anime_id,rating\n10,1,8\n10,9253,9\n');
    const result = await importAnimeData(context.db, fixture);
    expect(result).toMatchObject({ imported: true, works: 3, alternateTitles: 5 });
    const rows = await context.db
      .selectFrom('alternate_titles')
      .selectAll()
      .orderBy('work_id')
      .orderBy('position')
      .execute();
    expect(rows.map((r) => [r.work_id, r.position, r.title, r.kind])).toEqual([
      ['16498', 0, 'Attack on Titan', 'english'],
      ['16498', 1, '進撃の巨人', 'japanese'],
      ['16498', 2, 'AoT', 'synonym'],
      ['9253', 0, 'Steins Gate', 'synonym'],
      ['9253', 1, 'シュタインズ・ゲート', 'synonym'],
    ]);
    const search = async (q: string) =>
      (await context.app.inject({ url: `/api/works?q=${encodeURIComponent(q)}` }))
        .json()
        .items.map((i: { id: string }) => i.id);
    expect(await search('attack on titan')).toEqual(['16498']);
    expect(await search('シュタインズ')).toEqual(['9253']);
    const detail = (await context.app.inject({ url: '/api/works/16498' })).json();
    expect(detail.alternateTitles).toEqual([
      { title: 'Attack on Titan', kind: 'english' },
      { title: '進撃の巨人', kind: 'japanese' },
      { title: 'AoT', kind: 'synonym' },
    ]);
  });
});

describe('the bundled anime data (sqlite)', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext('sqlite');
  });
  afterAll(() => context.close());

  it('imports in seconds, and its top and pearls lists are not empty with the default thresholds', async () => {
    const started = performance.now();
    const result = await importAnimeData(context.db, REAL_DATA);
    const seconds = (performance.now() - started) / 1000;
    expect(result).toMatchObject({
      imported: true,
      works: 12_294,
      users: 5_000,
      ratings: 520_609,
      skippedRatings: 0,
    });
    expect(seconds).toBeLessThan(30);
    const counters = await recomputeCounters(context.db);
    expect(counters).toEqual({ works: 7_390, ratings: 520_609 });
    for (const sort of ['top', 'pearls', 'random', 'controversial'] as const) {
      const list = await listWorks(context.db, { sort, page: 1, pageSize: 5 }, DEFAULT_LIST_THRESHOLDS);
      expect(list.total, sort).toBeGreaterThan(100);
    }
    const matches = (await new WorkSearch(context.db).current()).titles.search('POKÉMON', 1000);
    const pokemon = await listWorks(
      context.db,
      { sort: 'popular', matches, page: 1, pageSize: 1 },
      DEFAULT_LIST_THRESHOLDS,
    );
    expect(pokemon.total).toBeGreaterThan(10);
  });

  it('finds its titles despite typos, case and punctuation (and says how fast)', async () => {
    const { titles } = await new WorkSearch(context.db).current();
    const first = (q: string) => titles.search(q, 1000)[0]?.id;
    expect(first('nartuo')).toBe('20'); // Naruto
    expect(first('steins gate')).toBe('9253'); // Steins;Gate
    expect(first('Steins;Gate')).toBe('9253');
    expect(first('shingeki')).toBe('16498'); // Shingeki no Kyojin
    expect(first('fulmetal alchemist brotherhod')).toBe('5114'); // Fullmetal Alchemist: Brotherhood
    expect(first('NAUSICAA')).toBe('572'); // Kaze no Tani no Nausicaä
    // What a visitor types, letter by letter, with and without typos.
    const typed = [
      'nartuo',
      'steins gate',
      'shingeki no kyojin',
      'fulmetal alchemist',
      'one piece',
      'pokemon',
    ];
    const queries = typed.flatMap((q) => Array.from({ length: q.length }, (_, k) => q.slice(0, k + 1)));
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const q of queries) {
        const started = performance.now();
        titles.search(q, 1000);
        times.push(performance.now() - started);
      }
    }
    times.sort((a, b) => a - b);
    const at = (share: number) => times[Math.floor(share * (times.length - 1))].toFixed(2);
    console.info(
      `search: ${titles.size} works, ${times.length} queries typed letter by letter: median ${at(0.5)} ms, ` +
        `p90 ${at(0.9)} ms, max ${at(1)} ms per query`,
    );
  });
});
