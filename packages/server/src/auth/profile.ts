/** What a profile and the account export show of a user: their settings, counts per choice and rated works. */
import type { Db } from '../db/schema.js';
import { type Choice, isChoice } from '../domain/choices.js';
import { type ChoiceCounts, emptyCounts } from '../domain/counters.js';
import type { UserRating } from '../domain/ratings.js';
import { type Account, accountById } from './accounts.js';

/** The account's settings that the visitor changes themselves: a public profile, adult works shown. */
export async function updateSettings(
  db: Db,
  userId: number,
  settings: { isPublic?: boolean | undefined; adultOk?: boolean | undefined },
): Promise<void> {
  const set: { is_public?: number; adult_ok?: number } = {};
  if (settings.isPublic !== undefined) set.is_public = settings.isPublic ? 1 : 0;
  if (settings.adultOk !== undefined) set.adult_ok = settings.adultOk ? 1 : 0;
  if (Object.keys(set).length > 0) await db.updateTable('users').set(set).where('id', '=', userId).execute();
}

/** How many works the user rated with each choice. */
export async function choiceCounts(db: Db, userId: number): Promise<ChoiceCounts> {
  const rows = await db
    .selectFrom('ratings')
    .select((eb) => ['choice', eb.fn.countAll<number>().as('n')])
    .where('user_id', '=', userId)
    .groupBy('choice')
    .execute();
  const counts = emptyCounts();
  for (const row of rows) if (isChoice(row.choice)) counts[row.choice] = Number(row.n);
  return counts;
}

/** A page of the user's ratings, newest first; without `adult`, adult works are left out (another viewer). */
export async function ratingsPage(
  db: Db,
  userId: number,
  page: number,
  pageSize: number,
  adult = true,
): Promise<{ items: UserRating[]; total: number }> {
  const [items, total] = await Promise.all([
    ratedWorks(db, userId, adult)
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
    db
      .selectFrom('ratings')
      .innerJoin('works', 'works.id', 'ratings.work_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ratings.user_id', '=', userId)
      .$if(!adult, (q) => q.where('works.adult', '=', 0))
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

function ratedWorks(db: Db, userId: number, adult = true) {
  return (
    db
      .selectFrom('ratings')
      .innerJoin('works', 'works.id', 'ratings.work_id')
      .select([
        'ratings.work_id as work',
        'works.title as title',
        'works.category as category',
        'ratings.choice as choice',
        'ratings.updated_at as updatedAt',
      ])
      // Every write checks the choice, so what is stored is one.
      .$narrowType<{ choice: Choice }>()
      .where('ratings.user_id', '=', userId)
      .$if(!adult, (q) => q.where('works.adult', '=', 0))
      .orderBy('ratings.updated_at', 'desc')
      .orderBy('ratings.work_id')
  );
}

/** Everything the service keeps about a user, for the account export (never the password hash). */
export async function exportUser(
  db: Db,
  userId: number,
): Promise<{ user: Account; counts: ChoiceCounts; ratings: UserRating[] } | undefined> {
  const user = await accountById(db, userId);
  if (!user) return undefined;
  const [counts, ratings] = await Promise.all([choiceCounts(db, userId), ratedWorks(db, userId).execute()]);
  return { user, counts, ratings };
}
