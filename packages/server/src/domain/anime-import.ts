import type { Insertable } from 'kysely';
import { type Interactions, readAnime } from 'osusume';
import type { Database, Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { isAdultWork } from './adult.js';
import { alternateTitlesOf } from './alternate-titles.js';
import { choiceOfAnimeScore } from './choices.js';
import { searchKey } from './text.js';

/** The settings row that says the demo data is in (its value: when it was imported). */
export const DEMO_IMPORTED = 'demo_imported';

export interface AnimeImportResult {
  /** False when the data was already imported (nothing done). */
  imported: boolean;
  works: number;
  /** Other names of works (English, Japanese, synonyms), when anime.csv has those columns. */
  alternateTitles: number;
  tags: number;
  users: number;
  ratings: number;
  /** Ratings of anime that anime.csv does not list (left out). */
  skippedRatings: number;
  /** Wall-clock time of the whole import, reading included. */
  seconds: number;
}

/** Reports how far the import is (0..1) and what it is doing. */
export type ImportProgress = (fraction: number, message: string) => void;

/**
 * Bind parameters per statement: PostgreSQL allows 65,535, SQLite (3.32 and later) 32,766. Fewer, larger
 * statements are faster on both; rows per statement = this / columns.
 */
const PARAMETERS_PER_STATEMENT = 30_000;

function batches<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(PARAMETERS_PER_STATEMENT / columns));
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += size) result.push(rows.slice(start, start + size));
  return result;
}

/**
 * Imports the anime data folder (anime.csv and ratings.csv[.gz]): the works with their genres as tags,
 * their type/episodes/members, their year/studio/synopsis/link out/image address and other names
 * (alternate titles), when anime.csv has those columns, whether they are adult content (an `adult` column, else the genres), the data set's users
 * (external_id = their id; no password, so they cannot log in) and their ratings as choices (10
 * favorite, 7–9 like, 5–6 neutral, 1–4 dislike, −1 neutral). Everything, and the `demo_imported`
 * setting, is written in ONE transaction: a crash midway leaves nothing behind and the next start
 * imports again. Does nothing when the setting is present. Ranking counters are not computed here
 * (recomputeCounters does).
 */
export async function importAnimeData(
  db: Db,
  dir: string,
  progress: ImportProgress = () => {},
): Promise<AnimeImportResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) / 10) / 100;
  const notDone = {
    imported: false,
    works: 0,
    alternateTitles: 0,
    tags: 0,
    users: 0,
    ratings: 0,
    skippedRatings: 0,
  };
  if (await isImported(db)) return { ...notDone, seconds: elapsed() };

  progress(0, `reading ${dir}`);
  const data = await readAnime(dir);
  const created = now();

  const works = [...data.items].map(([id, info]) => {
    const title = info.title ?? id;
    const genres = info.genres ?? [];
    return {
      id,
      title,
      title_search: searchKey(title),
      category: 'anime',
      type: typeof info.type === 'string' ? info.type : null,
      episodes: typeof info.episodes === 'number' ? info.episodes : null,
      members: typeof info.members === 'number' ? info.members : null,
      genres: genres.join(', '),
      adult: isAdultWork(genres, typeof info.adult === 'number' ? info.adult === 1 : undefined) ? 1 : 0,
      // Checked by readAnime (packages/core/src/io/work-details.ts): addresses are absolute http(s).
      year: info.year ?? null,
      studio: info.studio ?? null,
      synopsis: info.synopsis ?? null,
      url: info.url ?? null,
      image_url: info.imageUrl ?? null,
      created_at: created,
    };
  });
  const alternateTitles = [...data.items].flatMap(([id, info]) =>
    alternateTitlesOf(info.title ?? id, info).map((alternate, position) => ({
      work_id: id,
      position,
      ...alternate,
    })),
  );
  const tags = [...data.items].flatMap(([id, info]) =>
    [...new Set(info.genres ?? [])].map((tag) => ({ work_id: id, tag, weight: 1 })),
  );
  const userIds = data.ratings.users.toArray();
  const sets: Interactions[] = data.unscored ? [data.ratings, data.unscored] : [data.ratings];
  const totalRatings = sets.reduce((n, set) => n + set.length, 0);
  // Rough shares of the work, for the progress line.
  const steps = works.length + alternateTitles.length + tags.length + userIds.length + totalRatings;
  let done = 0;
  const advance = (rows: number, message: string) => {
    done += rows;
    progress(Math.min(0.99, done / steps), message);
  };

  const result = await db.transaction().execute(async (trx) => {
    // Taken first: a second importer running at the same time waits here, then fails on the key.
    if (await isImported(trx)) return undefined;
    await trx.insertInto('settings').values({ key: DEMO_IMPORTED, value: created }).execute();

    await insertNew(trx, 'works', works, ['id'], (n) => advance(n, `works ${done}/${works.length}`));
    await insertNew(trx, 'alternate_titles', alternateTitles, ['work_id', 'position'], (n) =>
      advance(n, 'alternate titles'),
    );
    await insertNew(trx, 'work_tags', tags, ['work_id', 'tag'], (n) => advance(n, 'genres as tags'));

    // Data-set user id → database id (a user already known by that external id keeps theirs).
    const userKey = new Map<string, number>();
    for (const batch of batches(userIds, 3)) {
      const rows = await trx
        .insertInto('users')
        .values(batch.map((id) => ({ external_id: id, is_public: 1, created_at: created })))
        .onConflict((oc) =>
          oc.column('external_id').doUpdateSet((eb) => ({ external_id: eb.ref('excluded.external_id') })),
        )
        .returning(['id', 'external_id'])
        .execute();
      for (const row of rows) if (row.external_id !== null) userKey.set(row.external_id, row.id);
      advance(batch.length, `users ${userKey.size}/${userIds.length}`);
    }
    // By item index: the work id when anime.csv lists it, undefined otherwise.
    const workOf = data.ratings.items.toArray().map((id) => (data.items.has(id) ? id : undefined));
    const userOf = userIds.map((id) => userKey.get(id) as number);

    let ratings = 0;
    let skippedRatings = 0;
    const size = Math.floor(PARAMETERS_PER_STATEMENT / 4);
    let rows: { user_id: number; work_id: string; choice: string; updated_at: string }[] = [];
    const flush = async () => {
      if (rows.length === 0) return;
      const inserted = await trx
        .insertInto('ratings')
        .values(rows)
        .onConflict((oc) => oc.columns(['user_id', 'work_id']).doNothing())
        .executeTakeFirst();
      ratings += Number(inserted.numInsertedOrUpdatedRows ?? 0);
      advance(rows.length, `ratings ${ratings}/${totalRatings}`);
      rows = [];
    };
    // Explicit scores first: if a pair also has a −1 row, the score wins.
    for (const set of sets) {
      for (let t = 0; t < set.length; t++) {
        const work = workOf[set.item[t]];
        if (work === undefined) {
          skippedRatings++;
          continue;
        }
        rows.push({
          user_id: userOf[set.user[t]],
          work_id: work,
          choice: choiceOfAnimeScore(set.value[t]),
          updated_at: created,
        });
        if (rows.length >= size) await flush();
      }
    }
    await flush();
    return {
      works: works.length,
      alternateTitles: alternateTitles.length,
      tags: tags.length,
      users: userKey.size,
      ratings,
      skippedRatings,
    };
  });
  if (!result) return { ...notDone, seconds: elapsed() };
  progress(1, `imported ${result.works} works, ${result.users} users, ${result.ratings} ratings`);
  return { imported: true, ...result, seconds: elapsed() };
}

/**
 * Rows of one table in as few statements as the parameter limit allows, leaving alone the rows whose
 * key is already there; `inserted` hears of each statement's row count.
 */
async function insertNew<T extends 'works' | 'alternate_titles' | 'work_tags'>(
  db: Db,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  key: readonly (keyof Database[T] & string)[],
  inserted: (rows: number) => void,
): Promise<void> {
  for (const batch of batches(rows, Object.keys(rows[0] ?? {}).length)) {
    await db
      .insertInto(table)
      .values(batch)
      .onConflict((oc) => oc.columns(key).doNothing())
      .execute();
    inserted(batch.length);
  }
}

async function isImported(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', DEMO_IMPORTED)
    .executeTakeFirst();
  return row !== undefined;
}
