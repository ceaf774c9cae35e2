import type { Db } from '../db/schema.js';
import { isChoice } from '../domain/choices.js';
import type { RatingInput } from './serving-model.js';

/** A user's current ratings, as the engine folds them in on each request. */
export async function ratingsOf(db: Db, userId: number | undefined): Promise<RatingInput[]> {
  if (userId === undefined) return [];
  const rows = await db
    .selectFrom('ratings')
    .select(['work_id', 'choice'])
    .where('user_id', '=', userId)
    .execute();
  return rows.flatMap((r) => (isChoice(r.choice) ? [{ work: r.work_id, choice: r.choice }] : []));
}
