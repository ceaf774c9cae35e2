import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { trainJob } from '../src/engine/trainer.js';
import type { Job } from '../src/jobs/queue.js';
import { Client, createTrainingContext, DATABASES, type TestContext } from './harness.js';

describe.each(DATABASES)('training and serving (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainingContext(dialect);
  });
  afterAll(() => context.close());

  it('trains in a worker thread, records the version with held-out metrics, and serves it', async () => {
    const { jobs, engine, models } = context.services;
    const done = await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(done.status).toBe('done');
    const active = await models.active();
    expect(active?.status).toBe('active');
    expect(active?.metrics.rmse).toBeGreaterThan(0);
    expect(Array.isArray(active?.metrics.curve)).toBe(true);
    expect(engine.version).toBe(active?.id);
    // The map's layout was computed in the worker and came with the model file.
    expect(active?.metrics.mapSeconds).toBeGreaterThan(0);
    expect(engine.current?.layout?.xy.length).toBe(2 * (engine.current?.model.items.size ?? 0));
    expect((await context.app.inject({ url: '/ready' })).statusCode).toBe(200);
  });

  it('leaves the loading to the API processes when told to: the one that trained loads nothing', async () => {
    const { models } = context.services;
    // A process that serves no HTTP: its own engine, which must stay empty.
    const services = { ...context.services, engine: new Engine(context.db, models) };
    const activated: number[] = [];
    const train = trainJob(services, (version) => activated.push(version));
    // The handler reads nothing of its job row.
    await train({} as Job, () => {}, new AbortController().signal);
    const active = await models.active();
    expect(activated).toEqual([active?.id]);
    expect(services.engine.version).toBeUndefined();
    // The other processes load it when told (here: the test context's own engine).
    expect(await context.services.engine.refresh()).toBe(true);
    expect(context.services.engine.version).toBe(active?.id);
  });

  it('says once that a new version serves, however many callers asked for it at once', async () => {
    const active = await context.services.models.active();
    const engine = new Engine(context.db, context.services.models);
    const swaps: number[] = [];
    engine.onSwap((version) => swaps.push(version));
    // The primary's message and the periodic check may ask together: they share one load.
    expect(await Promise.all([engine.refresh(), engine.refresh()])).toEqual([true, true]);
    expect(await engine.refresh()).toBe(false);
    expect(swaps).toEqual([active?.id]);
  });

  it('queues one training at a time: asking again while one is queued returns it', async () => {
    const { jobs } = context.services;
    const [a, b] = await Promise.all([jobs.enqueue('train'), jobs.enqueue('train')]);
    expect(b.id).toBe(a.id);
    await jobs.waitFor(a.id);
  });

  it('keeps the previous model serving when a training fails, and reports the error', async () => {
    const { jobs, engine, models, config } = context.services;
    const serving = engine.version;
    config.model = { family: 'als', params: { factors: '-3' } };
    const failed = await jobs.waitFor((await jobs.enqueue('train')).id);
    config.model = { family: 'als', params: { factors: '8', epochs: '8' } };
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/factors/);
    expect(engine.version).toBe(serving);
    expect((await models.active())?.id).toBe(serving);
    const versions = await models.list();
    expect(versions[0].status).toBe('failed');
    expect(versions[0].error).toMatch(/factors/);
  });

  it('recommends to a visitor from their ratings, never a rated work, each with its why', async () => {
    const client = new Client(context.app);
    const before = await client.get('/api/recommendations?n=5');
    expect(before.statusCode).toBe(200);
    expect(before.json().items).toHaveLength(5);
    // The visitor likes the even works of the seeded catalogue (one taste group) and dislikes two odd ones.
    const rated: Record<string, string> = {
      w0: 'favorite',
      w2: 'like',
      w4: 'like',
      w6: 'like',
      w1: 'dislike',
      w3: 'dislike',
    };
    for (const [work, choice] of Object.entries(rated)) {
      const response = await client.put(`/api/ratings/${work}`, { choice, toggle: false });
      expect(response.statusCode).toBe(200);
    }
    const response = await client.get('/api/recommendations?n=5&category=anime');
    expect(response.statusCode).toBe(200);
    const { items } = response.json() as {
      items: {
        work: string;
        source: string;
        why?: { contributions: { work: string; choice: string | null }[] };
      }[];
    };
    expect(items).toHaveLength(5);
    for (const item of items) {
      expect(Object.keys(rated)).not.toContain(item.work);
      expect(item.work).not.toMatch(/^w\d*9$/);
    }
    const fromModel = items.filter((item) => item.source === 'model');
    expect(fromModel.length).toBeGreaterThan(0);
    for (const item of items) {
      if (item.source !== 'model') {
        expect(item.why).toBeUndefined();
        continue;
      }
      // The why names works the visitor rated, with the choices they made.
      expect(item.why?.contributions.length).toBeGreaterThan(0);
      for (const reason of item.why?.contributions ?? []) expect(reason.choice).toBe(rated[reason.work]);
    }
  });

  it('validates its query', async () => {
    const response = await context.app.inject({ url: '/api/recommendations?n=0' });
    expect(response.statusCode).toBe(400);
    expect((await context.app.inject({ url: '/api/recommendations?n=5&color=red' })).statusCode).toBe(400);
  });

  it('maps the most-rated works and places nobody without favorites', async () => {
    const response = await context.app.inject({ url: '/api/map?top=20' });
    expect(response.statusCode).toBe(200);
    const { points, you } = response.json();
    expect(points).toHaveLength(20);
    expect(Number.isFinite(points[0].x)).toBe(true);
    expect(you).toBeNull();
  });
});

describe.each(DATABASES)('the default model choice (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainingContext(dialect, { model: { family: 'auto', params: {} } });
  });
  afterAll(() => context.close());

  it('measures ALS and BALSE on held-out ratings and serves the better one', async () => {
    const { jobs, models } = context.services;
    const done = await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(done.status, done.error ?? '').toBe('done');
    const active = await models.active();
    if (!active) throw new Error('no model serves after training');
    const { rmse_als: als, rmse_balse: balse } = active.metrics as Record<string, number>;
    expect(active.family).toBe(balse < als ? 'balse' : 'als');
    expect(active.metrics.rmse).toBe(Math.min(als, balse));
  });

  it('explains with tags and tells the visitor’s tastes when BALSE serves', async () => {
    context.services.config.model = { family: 'balse', params: { 'als.factors': '4' } };
    const { jobs } = context.services;
    expect((await jobs.waitFor((await jobs.enqueue('train')).id)).status).toBe('done');
    const client = new Client(context.app);
    for (const work of ['w0', 'w2', 'w4']) await client.put(`/api/ratings/${work}`, { choice: 'favorite' });
    for (const work of ['w1', 'w3']) await client.put(`/api/ratings/${work}`, { choice: 'dislike' });
    const body = (await client.get('/api/recommendations?n=5')).json();
    expect(
      body.tastes.likes
        .map((t: { tag: string }) => t.tag)
        .concat(body.tastes.dislikes.map((t: { tag: string }) => t.tag)),
    ).not.toEqual([]);
    for (const item of body.items) {
      const why = item.why;
      const sum =
        why.mean +
        why.itemBias +
        why.rest +
        why.tagRest +
        why.contributions.reduce((s: number, c: { weight: number }) => s + c.weight, 0) +
        why.tags.reduce((s: number, t: { weight: number }) => s + t.weight, 0);
      expect(sum).toBeCloseTo(why.score, 6);
      expect(why.gate).toBeGreaterThanOrEqual(0);
    }
  });

  it('falls back to ALS alone when the works have no tags', async () => {
    await context.db.deleteFrom('work_tags').execute();
    context.services.config.model = { family: 'auto', params: {} };
    const { jobs, models } = context.services;
    const done = await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(done.status, done.error ?? '').toBe('done');
    expect((await models.active())?.family).toBe('als');
    expect(JSON.stringify(done.result?.skipped)).toMatch(/balse: lasso needs item tags/);
  });
});
