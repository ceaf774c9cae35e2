import { sql } from 'kysely';
import type { Db } from '../db/schema.js';

/** Attempts counted per key in fixed windows, in the database so every API process sees the same count. */
interface RateLimitsTable {
  key: string;
  hits: number;
  window_start: number;
}

/**
 * Counts one attempt under `key` in a window of `windowMs`: returns the attempts in the current window
 * (this one included) and when the window started. One upsert, atomic on both databases.
 */
export async function countAttempt(
  db: Db,
  key: string,
  windowMs: number,
  nowMs = Date.now(),
): Promise<{ hits: number; windowStart: number }> {
  const expired = nowMs - windowMs;
  const row = await db
    .withTables<{ rate_limits: RateLimitsTable }>()
    .insertInto('rate_limits')
    .values({ key, hits: 1, window_start: nowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql<number>`case when rate_limits.window_start <= ${expired} then 1 else rate_limits.hits + 1 end`,
        window_start: sql<number>`case when rate_limits.window_start <= ${expired} then ${nowMs} else rate_limits.window_start end`,
      }),
    )
    .returning(['hits', 'window_start'])
    .executeTakeFirstOrThrow();
  return { hits: Number(row.hits), windowStart: Number(row.window_start) };
}

/** Forgets the counts of windows that ended before `beforeMs`. */
export async function purgeAttempts(db: Db, beforeMs: number): Promise<void> {
  await db
    .withTables<{ rate_limits: RateLimitsTable }>()
    .deleteFrom('rate_limits')
    .where('window_start', '<', beforeMs)
    .execute();
}
