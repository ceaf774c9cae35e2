import { type Explanation, explanationTotal } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Client, createTrainingContext, DATABASES, type TestContext } from './harness.js';

// What OSUSUME_MODEL says for a factorization machine on users, works and the works' genres.
const FM_MODEL = 'fm:features=irt+tags,solver=als,factors=4,iterations=15';

describe.each(DATABASES)('a factorization machine with genres serving (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainingContext(dialect, { model: loadConfig({ OSUSUME_MODEL: FM_MODEL }).model });
  });
  afterAll(() => context.close());

  it('trains the FM from OSUSUME_MODEL, then recommends with an explanation by ratings and genres', async () => {
    const { jobs, models } = context.services;
    const done = await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(done.status, done.error ?? '').toBe('done');
    const active = await models.active();
    expect(active?.family).toBe('fm');
    expect(active?.metrics.rmse).toBeGreaterThan(0);
    const client = new Client(context.app);
    const mine: Record<string, string> = { w0: 'favorite', w2: 'like', w1: 'dislike' };
    for (const [work, choice] of Object.entries(mine)) await client.put(`/api/ratings/${work}`, { choice });
    const response = await client.get('/api/recommendations?n=5');
    expect(response.statusCode, response.body).toBe(200);
    const { items } = response.json();
    expect(items).toHaveLength(5);
    for (const item of items) {
      expect(Object.keys(mine)).not.toContain(item.work);
      const why = item.why as Explanation;
      expect(explanationTotal(why)).toBeCloseTo(why.score, 6);
      // The seeded works' genres are Action, Comedy or Drama, Romance: each explanation names two.
      expect(why.tags?.map((t) => t.tag).sort()).toSatisfy(
        (tags: string[]) => tags.join() === 'Action,Comedy' || tags.join() === 'Drama,Romance',
      );
      for (const c of why.contributions) expect(Object.keys(mine)).toContain((c as { work?: string }).work);
    }
  });
});

describe('OSUSUME_MODEL', () => {
  it('names every model family, rating and feature models, when the family is unknown', () => {
    expect(() => loadConfig({ OSUSUME_MODEL: 'nope:x=1' })).toThrow(
      /OSUSUME_MODEL=nope:x=1: unknown model "nope"; available: mean, biases, als, .*balse.*fm, .*irt, elo, lmf, deepfm/,
    );
    expect(loadConfig({ OSUSUME_MODEL: FM_MODEL }).model).toEqual({
      family: 'fm',
      params: { features: 'irt+tags', solver: 'als', factors: '4', iterations: '15' },
    });
  });
});
