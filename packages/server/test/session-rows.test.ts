import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startScheduler } from '../src/jobs/scheduler.js';
import { Client, createContext, DATABASES, seedCatalogue, type TestContext } from './harness.js';

describe.each(DATABASES)('session rows (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db, { works: 5, users: 3 });
  });
  afterAll(() => context.close());

  const rows = async () =>
    Number(
      (
        await context.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('stores nothing for visitors who only read', async () => {
    const before = await rows();
    for (let i = 0; i < 50; i++) {
      const response = await context.app.inject({ url: '/api/session' });
      expect(response.statusCode).toBe(200);
    }
    const reader = new Client(context.app);
    const { csrfToken } = await reader.session();
    expect((await reader.session()).csrfToken).toBe(csrfToken);
    expect((await reader.get('/api/me')).statusCode).toBe(401);
    expect(await rows()).toBe(before);
  });

  it('stores the session at the first write, with the CSRF token the visitor was given', async () => {
    const before = await rows();
    const visitor = new Client(context.app);
    const { csrfToken } = await visitor.session();
    expect((await visitor.put('/api/ratings/w1', { choice: 'like' }, { csrf: false })).statusCode).toBe(403);
    expect(await rows()).toBe(before);
    const rated = await visitor.put('/api/ratings/w1', { choice: 'like' });
    expect(rated.statusCode).toBe(200);
    expect(await rows()).toBe(before + 1);
    expect((await visitor.put('/api/ratings/w2', { choice: 'dislike' })).statusCode).toBe(200);
    expect(await rows()).toBe(before + 1);
    const again = await visitor.session();
    expect(again.csrfToken).toBe(csrfToken);
    expect(again.user).not.toBeNull();
    expect((await visitor.get('/api/me')).json().total).toBe(2);
  });

  it('lets a visitor who only read sign up with the token it was given', async () => {
    const visitor = new Client(context.app);
    await visitor.session();
    expect((await visitor.enter('/api/signup', 'reader', 'a long password')).statusCode).toBe(201);
    expect((await visitor.session()).user?.username).toBe('reader');
  });

  it('deletes expired sessions periodically', async () => {
    const expired = new Date(Date.now() - 1000).toISOString();
    await context.db
      .insertInto('sessions')
      .values({ id: 'expired', user_id: null, csrf_token: 'x', created_at: expired, expires_at: expired })
      .execute();
    const stop = startScheduler(context.services);
    try {
      await vi.waitFor(
        async () => {
          const left = await context.db
            .selectFrom('sessions')
            .select('id')
            .where('id', '=', 'expired')
            .executeTakeFirst();
          expect(left).toBeUndefined();
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      stop();
    }
  });
});
