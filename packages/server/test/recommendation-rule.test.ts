import type { Recommender } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEUTRAL_POINT } from '../src/domain/choices.js';
import { recomputeCounters } from '../src/domain/counters.js';
import { Catalogue } from '../src/engine/catalogue.js';
import { ServingModel } from '../src/engine/serving-model.js';
import { Client, createTrainedContext, DATABASES, type TestContext } from './harness.js';

interface Item {
  work: string;
  score: number;
  source: 'model' | 'top' | 'pearls' | 'popular';
  why?: { contributions: { work: string; choice: string | null; weight: number }[]; gate: number | null };
}

interface Answer {
  items: Item[];
  fallback: 'none' | 'no-ratings' | 'few-liked';
}

async function rate(client: Client, ratings: Record<string, string>): Promise<void> {
  for (const [work, choice] of Object.entries(ratings)) {
    const response = await client.put(`/api/ratings/${work}`, { choice });
    expect(response.statusCode, response.body).toBe(200);
  }
}

async function recommendations(client: Client, n = 10): Promise<Answer> {
  const response = await client.get(`/api/recommendations?n=${n}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Works whose training ratings (the seeded ones, before any visitor) number fewer than `count`. */
async function rarelyRated(context: TestContext, count: number): Promise<Set<string>> {
  const rows = await context.db
    .selectFrom('ratings')
    .innerJoin('users', 'users.id', 'ratings.user_id')
    .where('users.external_id', 'is not', null)
    .select(['ratings.work_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy('ratings.work_id')
    .execute();
  return new Set(rows.filter((r) => Number(r.n) < count).map((r) => r.work_id));
}

describe.each(DATABASES)('the recommendation rule (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    // A support floor that some seeded works (the least rated) miss.
    context = await createTrainedContext(dialect, { minRatings: 20, apiKey: 'key' });
    await recomputeCounters(context.db);
  });
  afterAll(() => context.close());

  it('never shows a work predicted at or below neutral as a recommendation: the lists fill in, marked', async () => {
    const client = new Client(context.app);
    // Dislikes only, on both taste groups: nothing should look likeable.
    await rate(client, { w0: 'dislike', w1: 'dislike', w2: 'dislike', w3: 'dislike', w5: 'dislike' });
    const serving = context.services.engine.current as ServingModel;
    const ratings = ['w0', 'w1', 'w2', 'w3', 'w5'].map((work) => ({ work, choice: 'dislike' as const }));
    // The model alone would have recommended works it predicts below neutral.
    const raw = serving.recommend(ratings, { n: 10, minRatings: 20 });
    expect(raw.some((w) => w.score <= NEUTRAL_POINT)).toBe(true);

    const answer = await recommendations(client, 10);
    expect(answer.fallback).toBe('few-liked');
    expect(answer.items).toHaveLength(10);
    for (const item of answer.items) {
      expect(['w0', 'w1', 'w2', 'w3', 'w5']).not.toContain(item.work);
      if (item.source === 'model') expect(item.score).toBeGreaterThan(NEUTRAL_POINT);
      else expect(item.why).toBeUndefined();
    }
    expect(new Set(answer.items.map((i) => i.work)).size).toBe(10);
    // The model's works come first, then the lists' best predicted for this visitor first.
    const firstListed = answer.items.findIndex((i) => i.source !== 'model');
    expect(firstListed).toBeGreaterThanOrEqual(0);
    expect(answer.items.slice(firstListed).every((i) => i.source !== 'model')).toBe(true);
    const listed = answer.items.slice(firstListed).map((i) => i.score);
    expect(listed).toEqual([...listed].sort((a, b) => b - a));
  });

  it('recommends from the model alone when it predicts enough works above neutral', async () => {
    const client = new Client(context.app);
    await rate(client, { w0: 'favorite', w2: 'favorite', w4: 'like', w1: 'dislike' });
    const answer = await recommendations(client, 5);
    expect(answer.fallback).toBe('none');
    for (const item of answer.items) {
      expect(item.source).toBe('model');
      expect(item.score).toBeGreaterThan(NEUTRAL_POINT);
    }
  });

  it('recommends only works with the configured number of training ratings', async () => {
    const rare = await rarelyRated(context, 20);
    expect(rare.size).toBeGreaterThan(0);
    const client = new Client(context.app);
    await rate(client, { w0: 'favorite', w2: 'like', w3: 'dislike' });
    const answer = await recommendations(client, 100);
    const fromModel = answer.items.filter((i) => i.source === 'model').map((i) => i.work);
    expect(fromModel.length).toBeGreaterThan(0);
    for (const work of fromModel) expect(rare.has(work), work).toBe(false);
  });

  it('never lists a disliked work as a reason to watch another', async () => {
    const client = new Client(context.app);
    const mine = { w0: 'favorite', w2: 'favorite', w4: 'like', w1: 'dislike', w3: 'dislike', w7: 'wontsee' };
    await rate(client, mine);
    const serving = context.services.engine.current as ServingModel;
    const ratings = Object.entries(mine).map(([work, choice]) => ({ work, choice: choice as 'like' }));
    const answer = await recommendations(client, 10);
    let hidden = 0;
    for (const item of answer.items.filter((i) => i.source === 'model')) {
      const why = item.why as NonNullable<Item['why']>;
      for (const c of why.contributions) {
        if (c.choice === 'dislike' || c.choice === 'wontsee') expect(c.weight, c.work).toBeLessThan(0);
      }
      // The model's own explanation does name them: the rule is what keeps them out.
      const raw = serving.explain(ratings, item.work, ratings.length);
      hidden += (raw?.contributions ?? []).filter(
        (c) => c.weight > 0 && ['w1', 'w3', 'w7'].includes(c.item),
      ).length;
    }
    expect(hidden).toBeGreaterThan(0);
  });

  it('answers the integration API with the same rule, each item saying where it comes from', async () => {
    const response = await context.app.inject({
      method: 'POST',
      url: '/api/v1/recommend',
      headers: { 'x-api-key': 'key' },
      payload: { ratings: [{ work: 'w0', choice: 'dislike' }], n: 6 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as Answer;
    expect(body.items).toHaveLength(6);
    for (const item of body.items) {
      if (item.source === 'model') expect(item.score).toBeGreaterThan(NEUTRAL_POINT);
    }
    if (body.items.some((i) => i.source !== 'model')) expect(body.fallback).toBe('few-liked');
  });
});

describe('taste chips', () => {
  /** A model that claims the visitor dislikes Action and likes Drama, whatever they rated. */
  const stubborn = {
    items: { has: () => true },
    foldIn: () => ({ rated: { items: new Int32Array(), values: new Float64Array() }, unknownItems: [] }),
    tagPreferences: () => ({
      likes: [
        { tag: 'Drama', weight: 0.5 },
        { tag: 'Comedy', weight: 0.2 },
      ],
      dislikes: [
        { tag: 'Action', weight: -0.4 },
        { tag: 'Horror', weight: -0.1 },
      ],
    }),
    // biome-ignore lint/suspicious/noExplicitAny: a stub of the few methods tastes() calls.
  } as any as Recommender;
  const catalogue = Catalogue.of([
    { id: 'a1', title: 'A1', category: 'anime', type: 'TV', genres: ['Action', 'Comedy'], adult: false },
    { id: 'a2', title: 'A2', category: 'anime', type: 'TV', genres: ['Action'], adult: false },
    { id: 'd1', title: 'D1', category: 'anime', type: 'TV', genres: ['Drama'], adult: false },
  ]);
  const serving = new ServingModel(1, stubborn, catalogue, '');

  it('never say "but not Action" to someone whose favorites are Action, nor "likes Drama" after dislikes', () => {
    const tastes = serving.tastes([
      { work: 'a1', choice: 'favorite' },
      { work: 'a2', choice: 'favorite' },
      { work: 'd1', choice: 'dislike' },
    ]);
    expect(tastes?.dislikes.map((t) => t.tag)).toEqual(['Horror']);
    expect(tastes?.likes.map((t) => t.tag)).toEqual(['Comedy']);
  });

  it('keep what the visitor’s own opinions do not contradict (a will-see is no opinion)', () => {
    const tastes = serving.tastes([
      { work: 'a1', choice: 'willsee' },
      { work: 'd1', choice: 'like' },
    ]);
    expect(tastes?.dislikes.map((t) => t.tag)).toEqual(['Action', 'Horror']);
    expect(tastes?.likes.map((t) => t.tag)).toEqual(['Drama', 'Comedy']);
  });
});
