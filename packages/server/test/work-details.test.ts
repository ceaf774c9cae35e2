import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError } from 'osusume';
import { describe, expect, it, onTestFinished } from 'vitest';
import { migrate } from '../src/db/migrations.js';
import { now } from '../src/db/schema.js';
import { getSetting } from '../src/db/settings.js';
import { DEMO_IMPORTED, importAnimeData } from '../src/domain/anime-import.js';
import { createContext, DATABASES, type TestContext } from './harness.js';

/** A catalogue with the detail columns under headers other data sets use; work 3 says nothing more. */
const DETAILS_CSV = `anime_id,name,genre,type,episodes,Aired,studios,synopsis,link,image_url
1,Cowboy Bebop,"Action, Sci-Fi",TV,26,"Apr 3, 1998 to Apr 24, 1999",Sunrise,"In 2071, bounty hunters <b>roam</b> the solar system.",https://example.org/anime/1,https://img.example.org/1.jpg
2,Perfect Blue,"Drama, Horror",Movie,1,1998-02-28,Madhouse,,,http://img.example.org/2.png
3,Plain,Comedy,OVA,Unknown,,,,,
`;

/** A fresh database (its own schema on PostgreSQL) and a folder of data files, both removed after the test. */
async function setUp(
  dialect: (typeof DATABASES)[number],
  files: Record<string, string>,
  migrateTo?: string,
): Promise<{ context: TestContext; dir: string }> {
  const context = await createContext(dialect, migrateTo ? { migrateTo } : {});
  const dir = mkdtempSync(join(tmpdir(), 'osusume-details-'));
  onTestFinished(async () => {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { context, dir };
}

describe.each(DATABASES)('work details (%s)', (dialect) => {
  it('imports year, studio, synopsis, link and image, and the work page answers them when known', async () => {
    const { context, dir } = await setUp(dialect, {
      'anime.csv': DETAILS_CSV,
      'ratings.csv': 'user_id,anime_id,rating\n10,1,9\n10,2,8\n',
    });
    expect(await importAnimeData(context.db, dir)).toMatchObject({ imported: true, works: 3 });
    const rows = await context.db
      .selectFrom('works')
      .select(['id', 'type', 'episodes', 'year', 'studio', 'synopsis', 'url', 'image_url'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        id: '1',
        type: 'TV',
        episodes: 26,
        year: 1998,
        studio: 'Sunrise',
        synopsis: 'In 2071, bounty hunters <b>roam</b> the solar system.',
        url: 'https://example.org/anime/1',
        image_url: 'https://img.example.org/1.jpg',
      },
      {
        id: '2',
        type: 'Movie',
        episodes: 1,
        year: 1998,
        studio: 'Madhouse',
        synopsis: null,
        url: null,
        image_url: 'http://img.example.org/2.png',
      },
      {
        id: '3',
        type: 'OVA',
        episodes: null,
        year: null,
        studio: null,
        synopsis: null,
        url: null,
        image_url: null,
      },
    ]);

    const detail = async (id: string) => (await context.app.inject({ url: `/api/works/${id}` })).json();
    const first = await detail('1');
    expect(first.details).toEqual({
      year: 1998,
      studio: 'Sunrise',
      synopsis: 'In 2071, bounty hunters <b>roam</b> the solar system.',
      url: 'https://example.org/anime/1',
      imageUrl: 'https://img.example.org/1.jpg',
    });
    expect(first.work).toMatchObject({ type: 'TV', episodes: 26 });
    expect((await detail('2')).details).toEqual({
      year: 1998,
      studio: 'Madhouse',
      imageUrl: 'http://img.example.org/2.png',
    });
    // Nothing known, nothing answered: no nulls or empty strings standing in for the fields.
    expect((await detail('3')).details).toEqual({});
  });

  it('a bad value stops the import before anything is written, naming the file and line', async () => {
    const bad = DETAILS_CSV.replace('https://example.org/anime/1', 'javascript:alert(1)');
    const { context, dir } = await setUp(dialect, {
      'anime.csv': bad,
      'ratings.csv': 'user_id,anime_id,rating\n10,1,9\n',
    });
    const error = await importAnimeData(context.db, dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error).toMatchObject({
      file: join(dir, 'anime.csv'),
      line: 2,
      reason: 'url "javascript:alert(1)" is not an http(s) address (javascript: is refused)',
    });
    const works = await context.db.selectFrom('works').select('id').execute();
    expect(works).toEqual([]);
    expect(await getSetting(context.db, DEMO_IMPORTED)).toBeUndefined();
  });

  it('migration 008 adds the columns and leaves the works already there as they were', async () => {
    const { context } = await setUp(dialect, {}, '006_fleet');
    const before = {
      id: 'old',
      title: 'Old',
      title_search: 'old',
      category: 'anime',
      type: 'TV',
      episodes: 12,
      members: 34,
      genres: 'Comedy',
      adult: 0,
      created_at: now(),
    };
    await context.db.insertInto('works').values(before).execute();
    await migrate(context.services.storage);
    const row = await context.db
      .selectFrom('works')
      .selectAll()
      .where('id', '=', 'old')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      ...before,
      year: null,
      studio: null,
      synopsis: null,
      url: null,
      image_url: null,
    });
  });
});
