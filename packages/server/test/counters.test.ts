import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/schema.js';
import { now } from '../src/db/schema.js';
import type { Choice } from '../src/domain/choices.js';
import { emptyCounts, ratingsSignature, recomputeCounters, scoreOf } from '../src/domain/counters.js';
import { createContext, DATABASES, type TestContext } from './harness.js';

describe('scoreOf', () => {
  it('follows docs/design.md', () => {
    const score = scoreOf({ favorite: 2, like: 3, neutral: 1, dislike: 2, willsee: 1, wontsee: 1 });
    expect(score.sum).toBeCloseTo(5 * 2 + 2.5 * 3 - 2 * 2 - 0.1 + 0.5 - 0.5, 12);
    expect(score.nbRatings).toBe(8);
    // (L + D)^min(L/D, D/L) = 5^(2/3)
    expect(score.controversy).toBeCloseTo(2.924017738212866, 12);
  });

  it('has no controversy without likes or without dislikes', () => {
    expect(scoreOf({ ...emptyCounts(), like: 10 }).controversy).toBe(0);
    expect(scoreOf({ ...emptyCounts(), dislike: 10, favorite: 5 }).controversy).toBe(0);
    // Evenly split: (L + D)^1.
    expect(scoreOf({ ...emptyCounts(), like: 7, dislike: 7 }).controversy).toBeCloseTo(14, 12);
  });
});

async function addWorks(db: Db, ids: string[]): Promise<void> {
  await db
    .insertInto('works')
    .values(
      ids.map((id) => ({
        id,
        title: id,
        title_search: id,
        category: 'anime',
        genres: '',
        created_at: now(),
      })),
    )
    .execute();
}

async function addUsers(db: Db, n: number, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let k = 0; k < n; k++) {
    const row = await db
      .insertInto('users')
      .values({ external_id: `${prefix}${k}`, created_at: now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

describe.each(DATABASES)('ranking counters (%s)', (dialect) => {
  let context: TestContext;
  let users: number[];
  beforeAll(async () => {
    context = await createContext(dialect);
    await addWorks(context.db, ['a', 'b', 'c']);
    users = await addUsers(context.db, 10, 'c');
  });
  afterAll(() => context.close());

  const rate = async (work: string, choices: Choice[]) => {
    await context.db
      .insertInto('ratings')
      .values(choices.map((choice, k) => ({ user_id: users[k], work_id: work, choice, updated_at: now() })))
      .execute();
  };

  it('counts each choice and computes sum, nb_ratings and controversy', async () => {
    await rate('a', [
      'favorite',
      'favorite',
      'like',
      'like',
      'like',
      'neutral',
      'dislike',
      'dislike',
      'willsee',
      'wontsee',
    ]);
    await rate('b', ['like', 'like', 'willsee']);
    await rate('c', ['dislike']);
    expect(await recomputeCounters(context.db)).toEqual({ works: 3, ratings: 14 });
    const rows = await context.db.selectFrom('work_counters').selectAll().orderBy('work_id').execute();
    expect(rows.map((r) => r.work_id)).toEqual(['a', 'b', 'c']);
    const [a, b, c] = rows;
    expect(a).toMatchObject({
      favorite: 2,
      like: 3,
      neutral: 1,
      dislike: 2,
      willsee: 1,
      wontsee: 1,
      nb_ratings: 8,
    });
    expect(a.sum).toBeCloseTo(13.4, 9);
    expect(a.controversy).toBeCloseTo(5 ** (2 / 3), 9);
    expect(b).toMatchObject({ like: 2, willsee: 1, nb_ratings: 2, controversy: 0 });
    expect(b.sum).toBeCloseTo(5.5, 9);
    expect(c).toMatchObject({ dislike: 1, nb_ratings: 1, controversy: 0 });
    expect(c.sum).toBeCloseTo(-2, 9);
  });

  it('drops the row of a work no longer rated, and is idempotent', async () => {
    await context.db.deleteFrom('ratings').where('work_id', '=', 'c').execute();
    expect(await recomputeCounters(context.db)).toEqual({ works: 2, ratings: 13 });
    expect(await recomputeCounters(context.db)).toEqual({ works: 2, ratings: 13 });
    const ids = await context.db.selectFrom('work_counters').select('work_id').orderBy('work_id').execute();
    expect(ids.map((r) => r.work_id)).toEqual(['a', 'b']);
  });

  it('has a ratings signature that changes with any write and only then', async () => {
    const before = await ratingsSignature(context.db);
    expect(await ratingsSignature(context.db)).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await context.db
      .updateTable('ratings')
      .set({ choice: 'like', updated_at: now() })
      .where('work_id', '=', 'b')
      .where('user_id', '=', users[2])
      .execute();
    const changed = await ratingsSignature(context.db);
    expect(changed).not.toBe(before);
    await context.db
      .deleteFrom('ratings')
      .where('work_id', '=', 'b')
      .where('user_id', '=', users[0])
      .execute();
    expect(await ratingsSignature(context.db)).not.toBe(changed);
  });

  it('recomputes 50,000 ratings', async () => {
    const many = Array.from({ length: 200 }, (_, k) => `m${k}`);
    await addWorks(context.db, many);
    const more = await addUsers(context.db, 250, 'm');
    const choices: Choice[] = ['favorite', 'like', 'neutral', 'dislike', 'willsee', 'wontsee'];
    const rows = more.flatMap((user, u) =>
      many.map((work, w) => ({
        user_id: user,
        work_id: work,
        choice: choices[(u * 7 + w) % 6],
        updated_at: now(),
      })),
    );
    for (let start = 0; start < rows.length; start += 2000) {
      await context.db
        .insertInto('ratings')
        .values(rows.slice(start, start + 2000))
        .execute();
    }
    const result = await recomputeCounters(context.db);
    expect(result.ratings).toBe(50_000 + 12);
    const counters = await context.db.selectFrom('work_counters').selectAll().execute();
    const total = counters.reduce(
      (n, r) => n + r.favorite + r.like + r.neutral + r.dislike + r.willsee + r.wontsee,
      0,
    );
    expect(total).toBe(50_000 + 12);
    // Every one of the 200 works got each choice from some users.
    const m0 = counters.find((r) => r.work_id === 'm0');
    expect(m0 && m0.favorite + m0.like + m0.neutral + m0.dislike + m0.willsee + m0.wontsee).toBe(250);
  });
});
