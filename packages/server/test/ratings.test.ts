import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHOICES } from '../src/domain/choices.js';
import { recomputeCounters } from '../src/domain/counters.js';
import { Client, createContext, DATABASES, seedCatalogue, type TestContext } from './harness.js';

describe.each(DATABASES)('ratings (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db);
  });
  afterAll(() => context.close());

  const myRatings = async (client: Client) => {
    const response = await client.get('/api/ratings');
    expect(response.statusCode).toBe(200);
    return response.json().items as { work: string; title: string; choice: string; updatedAt: string }[];
  };

  it('lets an anonymous visitor rate: an anonymous user is created for the session', async () => {
    const client = new Client(context.app);
    const users = async () =>
      Number(
        (
          await context.db
            .selectFrom('users')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await users();
    expect(await myRatings(client)).toEqual([]);
    const response = await client.put('/api/ratings/w1', { choice: 'like' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ work: 'w1', choice: 'like' });
    expect(await users()).toBe(before + 1);
    const session = await client.session();
    expect(session.user).toMatchObject({ isAnonymous: true });
    const row = await context.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', session.user?.id as number)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ is_anonymous: 1, username: null, password_hash: null });
    // The next writes reuse that user.
    await client.put('/api/ratings/w2', { choice: 'dislike' });
    expect(await users()).toBe(before + 1);
    const mine = await myRatings(client);
    expect(mine.map((r) => [r.work, r.choice]).sort()).toEqual([
      ['w1', 'like'],
      ['w2', 'dislike'],
    ]);
    expect(mine.find((r) => r.work === 'w1')?.title).toBe('Pokémon Ranger');
  });

  it('toggles: the same choice again removes the rating, another choice replaces it', async () => {
    const client = new Client(context.app);
    expect((await client.put('/api/ratings/w3', { choice: 'favorite' })).json()).toEqual({
      work: 'w3',
      choice: 'favorite',
    });
    expect((await client.put('/api/ratings/w3', { choice: 'wontsee' })).json()).toEqual({
      work: 'w3',
      choice: 'wontsee',
    });
    expect((await myRatings(client)).map((r) => r.choice)).toEqual(['wontsee']);
    expect((await client.put('/api/ratings/w3', { choice: 'wontsee' })).json()).toEqual({
      work: 'w3',
      choice: null,
    });
    expect(await myRatings(client)).toEqual([]);
    expect((await client.put('/api/ratings/w3', { choice: 'wontsee' })).json()).toEqual({
      work: 'w3',
      choice: 'wontsee',
    });
  });

  it('sets without toggling when asked (toggle: false): the same request twice keeps the rating', async () => {
    const client = new Client(context.app);
    for (let i = 0; i < 2; i++) {
      const response = await client.put('/api/ratings/w7', { choice: 'like', toggle: false });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ work: 'w7', choice: 'like' });
    }
    expect((await myRatings(client)).map((r) => [r.work, r.choice])).toEqual([['w7', 'like']]);
    expect((await client.put('/api/ratings/w7', { choice: 'neutral', toggle: false })).json().choice).toBe(
      'neutral',
    );
    // Without it, or with toggle: true, the same choice again still removes the rating.
    expect((await client.put('/api/ratings/w7', { choice: 'neutral', toggle: true })).json().choice).toBe(
      null,
    );
    for (const body of [{ choice: 'like', toggle: 'sometimes' }, { toggle: false }]) {
      const response = await client.put('/api/ratings/w7', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await myRatings(client)).toEqual([]);
  });

  it('takes every choice', async () => {
    const client = new Client(context.app);
    for (const [k, choice] of CHOICES.entries()) {
      expect((await client.put(`/api/ratings/w${10 + k}`, { choice })).json().choice).toBe(choice);
    }
    expect((await myRatings(client)).length).toBe(CHOICES.length);
  });

  it('removes with DELETE (twice is fine)', async () => {
    const client = new Client(context.app);
    await client.put('/api/ratings/w4', { choice: 'like' });
    const removed = await client.delete('/api/ratings/w4');
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ work: 'w4', choice: null });
    expect(await myRatings(client)).toEqual([]);
    expect((await client.delete('/api/ratings/w4')).statusCode).toBe(200);
    // A visitor who never rated: nothing to remove, and no user created for it.
    expect((await new Client(context.app).delete('/api/ratings/w4')).statusCode).toBe(200);
  });

  it('answers 404 for an unknown work and 400 for an invalid choice', async () => {
    const client = new Client(context.app);
    const unknown = await client.put('/api/ratings/nope', { choice: 'like' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/nope/);
    expect((await client.delete('/api/ratings/nope')).statusCode).toBe(404);
    for (const body of [{ choice: 'love' }, {}, { choice: 'like', extra: 1 }, { choice: 3 }]) {
      const response = await client.put('/api/ratings/w1', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(await myRatings(client)).toEqual([]);
  });

  it('refuses writes without the CSRF token (403)', async () => {
    const client = new Client(context.app);
    await client.session();
    expect((await client.put('/api/ratings/w1', { choice: 'like' }, { csrf: false })).statusCode).toBe(403);
    expect((await client.delete('/api/ratings/w1', { csrf: false })).statusCode).toBe(403);
    // No session at all.
    const bare = await context.app.inject({
      method: 'PUT',
      url: '/api/ratings/w1',
      payload: { choice: 'like' },
    });
    expect(bare.statusCode).toBe(403);
    expect(await myRatings(client)).toEqual([]);
  });

  it('never shows or changes another visitor’s ratings', async () => {
    const alice = new Client(context.app);
    const bob = new Client(context.app);
    await alice.put('/api/ratings/w5', { choice: 'favorite' });
    await bob.put('/api/ratings/w6', { choice: 'dislike' });
    // Bob choosing what Alice chose does not toggle Alice's rating off.
    await bob.put('/api/ratings/w5', { choice: 'favorite' });
    await bob.delete('/api/ratings/w5');
    expect((await myRatings(alice)).map((r) => [r.work, r.choice])).toEqual([['w5', 'favorite']]);
    expect((await myRatings(bob)).map((r) => [r.work, r.choice])).toEqual([['w6', 'dislike']]);
    // Without a session: nothing.
    expect((await context.app.inject({ url: '/api/ratings' })).json()).toEqual({ items: [] });
  });

  it('keeps every one of 200 parallel writes from 20 clients (counts exact afterwards)', async () => {
    const clients = Array.from({ length: 20 }, () => new Client(context.app));
    // Each client has its user already (its first write); then all write at once.
    await Promise.all(clients.map((client) => client.put('/api/ratings/w39', { choice: 'willsee' })));
    const before = await context.db
      .selectFrom('ratings')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const writes = clients.flatMap((client, c) =>
      Array.from({ length: 10 }, (_, k) => ({
        client,
        work: `w${(c + 3 * k) % 39}`,
        choice: CHOICES[(c + k) % 4],
      })),
    );
    const responses = await Promise.all(
      writes.map((w) => w.client.put(`/api/ratings/${w.work}`, { choice: w.choice })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(writes.map(() => 200));
    const after = await context.db
      .selectFrom('ratings')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(200);
    for (const [c, client] of clients.entries()) {
      const mine = await myRatings(client);
      expect(mine).toHaveLength(11);
      for (const w of writes.filter((x) => x.client === client)) {
        expect(mine.find((r) => r.work === w.work)?.choice, `client ${c} ${w.work}`).toBe(w.choice);
      }
    }
    // The counters, recomputed by the batch job, see every write.
    await recomputeCounters(context.db);
    const counted = await context.db.selectFrom('work_counters').selectAll().execute();
    const total = counted.reduce(
      (n, r) => n + r.favorite + r.like + r.neutral + r.dislike + r.willsee + r.wontsee,
      0,
    );
    expect(total).toBe(Number(after.n));
  });

  it('keeps every write when a new visitor’s first writes arrive in parallel', async () => {
    const clients = Array.from({ length: 5 }, () => new Client(context.app));
    await Promise.all(clients.map((client) => client.session()));
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: 6 }, (_, k) => client.put(`/api/ratings/w${20 + k}`, { choice: 'like' })),
      ),
    );
    for (const client of clients) expect((await myRatings(client)).length).toBe(6);
  });

  it('does not recompute counters on the request path', async () => {
    await recomputeCounters(context.db);
    const before = await context.db
      .selectFrom('work_counters')
      .selectAll()
      .where('work_id', '=', 'w38')
      .executeTakeFirst();
    const client = new Client(context.app);
    await client.put('/api/ratings/w38', { choice: 'favorite' });
    const after = await context.db
      .selectFrom('work_counters')
      .selectAll()
      .where('work_id', '=', 'w38')
      .executeTakeFirst();
    expect(after).toEqual(before);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await context.app.inject({ url: '/docs/json' })).json();
    expect(doc.paths['/api/ratings/{workId}'].put.summary).toBeTruthy();
    expect(doc.paths['/api/ratings/{workId}'].delete).toBeDefined();
    expect(doc.paths['/api/ratings'].get).toBeDefined();
  });
});
