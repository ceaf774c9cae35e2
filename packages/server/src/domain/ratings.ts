import type { Db } from '../db/schema.js';
import { now } from '../db/schema.js';
import { type Choice, isChoice } from './choices.js';

/** Rating rows written per statement (4 columns: 2,000 bind parameters). */
const BATCH = 500;

export interface UserRating {
  work: string;
  title: string;
  category: string;
  choice: Choice;
  updatedAt: string;
}

export async function workExists(db: Db, workId: string): Promise<boolean> {
  const row = await db.selectFrom('works').select('id').where('id', '=', workId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Sets a user's rating of a work, Mangaki's way: choosing the choice the work already has removes it.
 * Returns the rating now in place (null when removed). Each step is one atomic statement (an upsert on
 * the (user, work) key), so concurrent writes never fail nor lose a rating. The work must exist.
 */
export async function toggleRating(
  db: Db,
  userId: number,
  workId: string,
  choice: Choice,
): Promise<Choice | null> {
  const removed = await db
    .deleteFrom('ratings')
    .where('user_id', '=', userId)
    .where('work_id', '=', workId)
    .where('choice', '=', choice)
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) > 0) return null;
  await upsertRatings(db, userId, [{ work: workId, choice }]);
  return choice;
}

/** Removes a user's rating of a work; whether there was one. */
export async function removeRating(db: Db, userId: number, workId: string): Promise<boolean> {
  const removed = await db
    .deleteFrom('ratings')
    .where('user_id', '=', userId)
    .where('work_id', '=', workId)
    .executeTakeFirst();
  return Number(removed.numDeletedRows) > 0;
}

/**
 * Sets ratings of one user (replacing the ones in place, or with `keepExisting` leaving them as they
 * are), in batches of multi-row upserts. Works must exist and appear once each (PostgreSQL refuses to
 * update a row twice in one statement). Pass a transaction to make several calls atomic. Returns the
 * number of rows written.
 */
export async function upsertRatings(
  db: Db,
  userId: number,
  ratings: readonly { work: string; choice: Choice }[],
  options: { keepExisting?: boolean } = {},
): Promise<number> {
  const updatedAt = now();
  let written = 0;
  for (let start = 0; start < ratings.length; start += BATCH) {
    const result = await db
      .insertInto('ratings')
      .values(
        ratings.slice(start, start + BATCH).map((r) => ({
          user_id: userId,
          work_id: r.work,
          choice: r.choice,
          updated_at: updatedAt,
        })),
      )
      .onConflict((oc) =>
        options.keepExisting
          ? oc.columns(['user_id', 'work_id']).doNothing()
          : oc.columns(['user_id', 'work_id']).doUpdateSet((eb) => ({
              choice: eb.ref('excluded.choice'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
      )
      .executeTakeFirst();
    written += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return written;
}

/** The works a user rated most recently, most recent first. */
export async function recentlyRated(db: Db, userId: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('ratings')
    .select('work_id')
    .where('user_id', '=', userId)
    .orderBy('updated_at', 'desc')
    .orderBy('work_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.work_id);
}

/** A user's ratings, most recent first, with the works' titles. */
export async function ratingsOfUser(db: Db, userId: number): Promise<UserRating[]> {
  const rows = await db
    .selectFrom('ratings')
    .innerJoin('works', 'works.id', 'ratings.work_id')
    .select(['ratings.work_id', 'works.title', 'works.category', 'ratings.choice', 'ratings.updated_at'])
    .where('ratings.user_id', '=', userId)
    .orderBy('ratings.updated_at', 'desc')
    .orderBy('ratings.work_id')
    .execute();
  return rows.flatMap((row) =>
    isChoice(row.choice)
      ? [
          {
            work: row.work_id,
            title: row.title,
            category: row.category,
            choice: row.choice,
            updatedAt: row.updated_at,
          },
        ]
      : [],
  );
}
