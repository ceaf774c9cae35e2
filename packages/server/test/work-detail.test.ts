import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/schema.js';
import { now } from '../src/db/schema.js';
import { recomputeCounters } from '../src/domain/counters.js';
import {
  Client,
  createContext,
  createTrainedContext,
  DATABASES,
  seedCatalogue,
  type TestContext,
} from './harness.js';

/** The seeded titles. */
const titleOf = (work: string) => (work === 'w1' ? 'Pokémon Ranger' : `Work ${work.slice(1)}`);

interface Why {
  score: number;
  mean: number;
  itemBias: number;
  rest: number;
  contributions: { work: string; title: string; choice: string | null; weight: number }[];
}

interface Detail {
  work: {
    id: string;
    title: string;
    category: string;
    type: string | null;
    episodes: number | null;
    genres: string[];
    counters: Record<string, number>;
    myRating: string | null;
  };
  members: number | null;
  prediction: number | null;
  why: Why | null;
  similar: { work: string; title: string; score: number }[];
}

async function detail(client: Client, id: string): Promise<Detail> {
  const response = await client.get(`/api/works/${id}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** What the ratings table holds for a work, per choice. */
async function countsOf(db: Db, work: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('ratings')
    .select(['choice', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('work_id', '=', work)
    .groupBy('choice')
    .execute();
  const counts: Record<string, number> = {
    favorite: 0,
    like: 0,
    neutral: 0,
    dislike: 0,
    willsee: 0,
    wontsee: 0,
  };
  for (const row of rows) counts[row.choice] = Number(row.n);
  counts.nbRatings = counts.favorite + counts.like + counts.neutral + counts.dislike;
  return counts;
}

/** The explanation adds up: mean + item bias + the listed contributions + the rest = the score. */
function expectSums(why: Why): void {
  const total = why.mean + why.itemBias + why.contributions.reduce((sum, c) => sum + c.weight, 0) + why.rest;
  expect(total).toBeCloseTo(why.score, 9);
}

describe.each(DATABASES)('a work before any model (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db, { users: 6 });
  });
  afterAll(() => context.close());

  it('shows the card with no prediction, no why and no similar works', async () => {
    const client = new Client(context.app);
    await client.put('/api/ratings/w1', { choice: 'like' });
    const body = await detail(client, 'w1');
    expect(body.work).toMatchObject({
      id: 'w1',
      title: 'Pokémon Ranger',
      category: 'anime',
      type: 'TV',
      episodes: 12,
      genres: ['Action', 'Comedy'],
      myRating: 'like',
    });
    expect(body.members).toBe(39000);
    expect(body.prediction).toBeNull();
    expect(body.why).toBeNull();
    expect(body.similar).toEqual([]);
    expect((await client.get('/api/works/nope')).statusCode).toBe(404);
  });
});

describe.each(DATABASES)('a work (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainedContext(dialect);
    await recomputeCounters(context.db);
  });
  afterAll(() => context.close());

  it('shows the card with its counters and members, and the visitor’s rating once they rated', async () => {
    const client = new Client(context.app);
    const before = await detail(client, 'w9');
    expect(before.work).toMatchObject({
      id: 'w9',
      title: 'Work 9',
      category: 'manga',
      type: 'TV',
      myRating: null,
    });
    expect(before.members).toBe(31000);
    expect(before.work.counters).toEqual(await countsOf(context.db, 'w9'));
    expect(before.work.counters.nbRatings).toBeGreaterThan(0);

    await client.put('/api/ratings/w9', { choice: 'favorite' });
    const after = await detail(client, 'w9');
    expect(after.work.myRating).toBe('favorite');
    // Counters follow after the batch job, not per request.
    expect(after.work.counters).toEqual(before.work.counters);
    await recomputeCounters(context.db);
    const counted = await detail(client, 'w9');
    expect(counted.work.counters.favorite).toBe(before.work.counters.favorite + 1);
    expect(counted.work.counters.nbRatings).toBe(before.work.counters.nbRatings + 1);
    expect(counted.work.counters).toEqual(await countsOf(context.db, 'w9'));

    await client.put('/api/ratings/w9', { choice: 'favorite' });
    expect((await detail(client, 'w9')).work.myRating).toBeNull();
  });

  it('predicts from the model alone for a visitor who rated nothing', async () => {
    const body = await detail(new Client(context.app), 'w4');
    expect(typeof body.prediction).toBe('number');
    const why = body.why as Why;
    expect(why.score).toBe(body.prediction);
    expect(why.contributions).toEqual([]);
    expect(why.rest).toBe(0);
    expect(why.score).toBeCloseTo(why.mean + why.itemBias, 9);
  });

  it('predicts from the visitor’s ratings and explains it by them', async () => {
    const client = new Client(context.app);
    const mine: Record<string, string> = {
      w0: 'favorite',
      w2: 'favorite',
      w6: 'like',
      w8: 'like',
      w1: 'dislike',
      w3: 'dislike',
      w12: 'willsee',
      w15: 'wontsee',
    };
    for (const [work, choice] of Object.entries(mine)) {
      expect((await client.put(`/api/ratings/${work}`, { choice })).statusCode).toBe(200);
    }
    const even = await detail(client, 'w10');
    const odd = await detail(client, 'w11');
    for (const body of [even, odd]) {
      expect(typeof body.prediction).toBe('number');
      const why = body.why as Why;
      expect(why.score).toBe(body.prediction);
      expectSums(why);
      expect(why.contributions.length).toBeGreaterThan(0);
      expect(why.contributions.length).toBeLessThanOrEqual(5);
      for (const c of why.contributions) {
        expect(mine[c.work], c.work).toBeDefined();
        expect(c.choice).toBe(mine[c.work]);
        expect(c.title).toBe(titleOf(c.work));
      }
      const weights = why.contributions.map((c) => Math.abs(c.weight));
      expect(weights).toEqual([...weights].sort((a, b) => b - a));
    }
    // The seeded tastes: liking even works and disliking odd ones predicts an even work above an odd one.
    expect(even.prediction as number).toBeGreaterThan(odd.prediction as number);
    expect(even.prediction).not.toBeCloseTo(
      (await detail(new Client(context.app), 'w10')).prediction as number,
      3,
    );
  });

  it('leaves the work’s own rating out of its prediction', async () => {
    const client = new Client(context.app);
    await client.put('/api/ratings/w0', { choice: 'favorite' });
    await client.put('/api/ratings/w3', { choice: 'dislike' });
    const before = await detail(client, 'w2');
    expect(before.work.myRating).toBeNull();
    await client.put('/api/ratings/w2', { choice: 'dislike' });
    const after = await detail(client, 'w2');
    expect(after.work.myRating).toBe('dislike');
    expect(after.prediction).toBeCloseTo(before.prediction as number, 9);
    expect((after.why as Why).contributions.map((c) => c.work)).not.toContain('w2');
    expect((after.why as Why).contributions.map((c) => c.work).sort()).toEqual(['w0', 'w3']);
  });

  it('lists similar works, never the work itself, best first', async () => {
    const body = await detail(new Client(context.app), 'w5');
    expect(body.similar.length).toBe(10);
    expect(body.similar.map((s) => s.work)).not.toContain('w5');
    const scores = body.similar.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Taste groups: most of an odd work's neighbours are odd.
    const odd = body.similar.slice(0, 5).filter((s) => Number(s.work.slice(1)) % 2 === 1);
    expect(odd.length).toBeGreaterThanOrEqual(4);
  });

  it('shows a work the model does not know yet without a prediction', async () => {
    await context.db
      .insertInto('works')
      .values({
        id: 'fresh',
        title: 'Fresh',
        title_search: 'fresh',
        category: 'anime',
        genres: '',
        created_at: now(),
      })
      .execute();
    const client = new Client(context.app);
    await client.put('/api/ratings/w0', { choice: 'like' });
    const body = await detail(client, 'fresh');
    expect(body.work).toMatchObject({ id: 'fresh', title: 'Fresh', genres: [], myRating: null });
    expect(body.prediction).toBeNull();
    expect(body.why).toBeNull();
    expect(body.similar).toEqual([]);
  });

  it('answers 404 for an unknown work and 400 for a bad id', async () => {
    const client = new Client(context.app);
    const unknown = await client.get('/api/works/nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/nope/);
    expect((await client.get(`/api/works/${'w'.repeat(65)}`)).statusCode).toBe(400);
  });
});
