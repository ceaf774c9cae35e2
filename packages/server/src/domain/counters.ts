import type { Db, WorkCountersTable } from '../db/schema.js';
import { now } from '../db/schema.js';
import { type Choice, isChoice } from './choices.js';

/** How many ratings of each choice a work has. */
export type ChoiceCounts = Record<Choice, number>;

/** The ranking numbers of one work (docs/design.md). */
export interface WorkScore {
  /** 5·favorite + 2.5·like − 2·dislike − 0.1·neutral + 0.5·willsee − 0.5·wontsee. */
  sum: number;
  /** Works seen: favorite + like + dislike + neutral. */
  nbRatings: number;
  /** 0 when likes or dislikes are 0, else (L + D)^min(L/D, D/L). */
  controversy: number;
}

/** Counter rows written per statement (12 columns: 6,000 bind parameters, under both databases' limits). */
const BATCH = 500;

export function emptyCounts(): ChoiceCounts {
  return { favorite: 0, like: 0, neutral: 0, dislike: 0, willsee: 0, wontsee: 0 };
}

/** The ranking numbers of a work from its counts per choice. */
export function scoreOf(counts: ChoiceCounts): WorkScore {
  const { favorite, like, neutral, dislike, willsee, wontsee } = counts;
  const sum = 5 * favorite + 2.5 * like - 2 * dislike - 0.1 * neutral + 0.5 * willsee - 0.5 * wontsee;
  const nbRatings = favorite + like + dislike + neutral;
  const controversy =
    like === 0 || dislike === 0 ? 0 : (like + dislike) ** Math.min(like / dislike, dislike / like);
  return { sum, nbRatings, controversy };
}

/**
 * Recomputes every work's counters from the ratings table: one GROUP BY query, then all rows replaced in
 * one transaction (works no longer rated lose their row), so readers see either the old counters or the
 * new ones. Meant for a batch job, never for the request path.
 */
export async function recomputeCounters(db: Db): Promise<{ works: number; ratings: number }> {
  const groups = await db
    .selectFrom('ratings')
    .select(['work_id', 'choice', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(['work_id', 'choice'])
    .execute();
  const counts = new Map<string, ChoiceCounts>();
  let ratings = 0;
  for (const { work_id, choice, n } of groups) {
    if (!isChoice(choice)) continue;
    let work = counts.get(work_id);
    if (!work) {
      work = emptyCounts();
      counts.set(work_id, work);
    }
    work[choice] += Number(n);
    ratings += Number(n);
  }
  const updatedAt = now();
  const rows: WorkCountersTable[] = [];
  for (const [workId, work] of counts) {
    const { sum, nbRatings, controversy } = scoreOf(work);
    rows.push({
      work_id: workId,
      ...work,
      // Rounded so that sums of tenths do not show binary noise (12.299999999999999).
      sum: Math.round(sum * 1e6) / 1e6,
      nb_ratings: nbRatings,
      controversy,
      updated_at: updatedAt,
    });
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('work_counters').execute();
    for (let start = 0; start < rows.length; start += BATCH) {
      await trx
        .insertInto('work_counters')
        .values(rows.slice(start, start + BATCH))
        .execute();
    }
  });
  return { works: rows.length, ratings };
}

/**
 * What the ratings table looks like right now, in one short string (count and latest change), so a
 * scheduler can tell whether anything changed since a job last ran. A removal changes the count; a new or
 * changed rating changes the latest time.
 */
export async function ratingsSignature(db: Db): Promise<string> {
  const row = await db
    .selectFrom('ratings')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('updated_at').as('last')])
    .executeTakeFirstOrThrow();
  return `${Number(row.n)}@${row.last ?? '-'}`;
}
