import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_RATE_LIMIT } from '../src/http/routes/accounts.js';
import {
  anonymousVisitor,
  Client,
  createContext,
  DATABASES,
  seedCatalogue,
  type TestContext,
} from './harness.js';

/** A browser with the profile tests' shortcuts. */
class Browser extends Client {
  async signup(username: string, password = PASSWORD): Promise<number> {
    const response = await this.enter('/api/signup', username, password);
    expect(response.statusCode).toBe(201);
    return response.json().user.id;
  }

  deleteMe(payload?: unknown, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    return this.request({
      method: 'DELETE',
      url: '/api/me',
      payload: payload as InjectOptions['payload'],
      ...options,
    });
  }

  patch(url: string, payload: unknown): Promise<LightMyRequestResponse> {
    return this.request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'] });
  }
}

const PASSWORD = 'correct horse battery';

describe.each(DATABASES)('profiles, export and deletion (%s)', (dialect) => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db, { works: 12, users: 3 });
  });
  afterAll(() => context.close());

  async function rate(userId: number, ratings: Record<string, string>) {
    let second = 0;
    for (const [work, choice] of Object.entries(ratings)) {
      // Distinct times, so the order of the ratings list is known (latest first).
      const updated = new Date(Date.UTC(2024, 0, 1, 0, 0, second++)).toISOString();
      await context.db
        .insertInto('ratings')
        .values({ user_id: userId, work_id: work, choice, updated_at: updated })
        .execute();
    }
  }

  /** How many rows of `table` belong to the user (`users`: the user's own row). */
  async function countRows(table: 'users' | 'ratings' | 'sessions', userId: number): Promise<number> {
    const { db } = context;
    const rows =
      table === 'users'
        ? await db.selectFrom('users').select('id').where('id', '=', userId).execute()
        : table === 'ratings'
          ? await db.selectFrom('ratings').select('user_id').where('user_id', '=', userId).execute()
          : await db.selectFrom('sessions').select('user_id').where('user_id', '=', userId).execute();
    return rows.length;
  }

  it('GET /api/me: 401 for a new visitor, counts for an anonymous visitor and for an account', async () => {
    const browser = new Browser(context.app);
    await browser.session();
    const nobody = await browser.get('/api/me');
    expect(nobody.statusCode).toBe(401);
    expect(nobody.json().message).toMatch(/sign up or log in/);

    // An anonymous visitor (made the way a first rating makes one).
    const id = await anonymousVisitor(context, browser);
    await rate(id, { w0: 'like', w1: 'like', w2: 'wontsee' });
    const anonymous = await browser.get('/api/me');
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({
      id,
      username: null,
      isAdmin: false,
      isAnonymous: true,
      isPublic: false,
      adultOk: false,
      createdAt: expect.any(String),
      counts: { favorite: 0, like: 2, neutral: 0, dislike: 0, willsee: 0, wontsee: 1 },
      total: 3,
    });

    const account = new Browser(context.app);
    const accountId = await account.signup('Olivia');
    await rate(accountId, { w3: 'favorite', w4: 'dislike' });
    const me = await account.get('/api/me');
    expect(me.json()).toMatchObject({
      username: 'Olivia',
      isAnonymous: false,
      isPublic: true,
      counts: { favorite: 1, dislike: 1, like: 0 },
      total: 2,
    });
    expect(me.body).not.toMatch(/scrypt|password/i);
  });

  it('shows a public profile to anyone, paged, latest first; 404 for unknown, anonymous and imported users', async () => {
    const owner = new Browser(context.app);
    const id = await owner.signup('Paul');
    await rate(id, { w0: 'favorite', w1: 'like', w2: 'like', w3: 'dislike', w4: 'willsee' });
    const stranger = new Browser(context.app);
    const all = await stranger.get('/api/users/paul');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({
      username: 'Paul',
      counts: { favorite: 1, like: 2, dislike: 1, willsee: 1, neutral: 0, wontsee: 0 },
      total: 5,
      page: 1,
      pageSize: 50,
    });
    expect(all.json().items.map((r: { work: string }) => r.work)).toEqual(['w4', 'w3', 'w2', 'w1', 'w0']);
    expect(all.json().items[4]).toMatchObject({ work: 'w0', title: 'Work 0', choice: 'favorite' });
    const second = await stranger.get('/api/users/Paul?page=2&pageSize=2');
    expect(second.json()).toMatchObject({ page: 2, pageSize: 2, total: 5 });
    expect(second.json().items.map((r: { work: string }) => r.work)).toEqual(['w2', 'w1']);
    expect((await stranger.get('/api/users/Paul?page=9&pageSize=2')).json().items).toEqual([]);

    for (const query of ['pageSize=101', 'pageSize=0', 'page=0', 'page=x', 'sort=title']) {
      expect((await stranger.get(`/api/users/Paul?${query}`)).statusCode, query).toBe(400);
    }
    for (const username of ['nobody', 'u0', 'null', '%20']) {
      const response = await stranger.get(`/api/users/${username}`);
      expect(response.statusCode, username).toBe(404);
    }
  });

  it('keeps a private profile from everyone but its owner (403 "this profile is private")', async () => {
    const owner = new Browser(context.app);
    await owner.signup('quinn');
    const patch = await owner.patch('/api/me', { isPublic: false });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ username: 'quinn', isPublic: false });

    const other = new Browser(context.app);
    await other.signup('rita');
    for (const viewer of [other, new Browser(context.app)]) {
      const response = await viewer.get('/api/users/quinn');
      expect(response.statusCode).toBe(403);
      expect(response.json().message).toBe('this profile is private');
    }
    const self = await owner.get('/api/users/QUINN');
    expect(self.statusCode).toBe(200);
    expect(self.json()).toMatchObject({ username: 'quinn', isPublic: false });

    expect((await owner.patch('/api/me', { isPublic: true })).json().isPublic).toBe(true);
    expect((await other.get('/api/users/quinn')).statusCode).toBe(200);
  });

  it('PATCH /api/me: only for an account, only its own, with a valid body and the CSRF token', async () => {
    const alice = new Browser(context.app);
    await alice.signup('sam');
    await alice.patch('/api/me', { isPublic: false });
    const bob = new Browser(context.app);
    await bob.signup('tess');
    // Bob's change is Bob's: there is no way to name Alice's account.
    expect((await bob.patch('/api/me', { isPublic: true })).json().username).toBe('tess');
    expect((await bob.get('/api/users/sam')).statusCode).toBe(403);
    for (const payload of [{ isPublic: 'yes' }, {}, { isPublic: true, username: 'sam' }]) {
      const response = await bob.patch('/api/me', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(
      (await bob.request({ method: 'PATCH', url: '/api/users/sam', payload: { isPublic: true } })).statusCode,
    ).toBe(404);
    const noCsrf = await bob.request({
      method: 'PATCH',
      url: '/api/me',
      payload: { isPublic: false },
      csrf: false,
    });
    expect(noCsrf.statusCode).toBe(403);
    const visitor = new Browser(context.app);
    expect((await visitor.patch('/api/me', { isPublic: false })).statusCode).toBe(401);
    expect((await bob.get('/api/users/sam')).statusCode).toBe(403);
  });

  it('exports the account as a JSON download: user fields and every rating, never the password hash', async () => {
    const browser = new Browser(context.app);
    const id = await browser.signup('Uma');
    await rate(id, { w1: 'favorite', w5: 'wontsee' });
    const response = await browser.get('/api/me/export');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toBe('attachment; filename="osusume-Uma.json"');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(body.user).toEqual({
      id,
      username: 'Uma',
      isAdmin: false,
      isAnonymous: false,
      isPublic: true,
      adultOk: false,
      createdAt: expect.any(String),
    });
    expect(body.ratings).toEqual([
      {
        work: 'w5',
        title: 'Work 5',
        category: 'anime',
        choice: 'wontsee',
        updatedAt: '2024-01-01T00:00:01.000Z',
      },
      {
        work: 'w1',
        title: 'Pokémon Ranger',
        category: 'anime',
        choice: 'favorite',
        updatedAt: '2024-01-01T00:00:00.000Z',
      },
    ]);
    expect(body.counts).toMatchObject({ favorite: 1, wontsee: 1 });
    expect(response.body).not.toMatch(/scrypt|password|hash/i);
    expect((await new Browser(context.app).get('/api/me/export')).statusCode).toBe(401);
  });

  it('deletes the account with its password: user, ratings and sessions gone; 401 on a wrong password', async () => {
    const browser = new Browser(context.app);
    const id = await browser.signup('victor');
    await rate(id, { w0: 'like', w2: 'dislike' });
    expect((await browser.deleteMe({ password: 'not my password' })).statusCode).toBe(401);
    const missing = await browser.deleteMe({});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/password/);
    expect((await browser.deleteMe(undefined)).statusCode).toBe(400);
    expect((await browser.deleteMe({ password: PASSWORD }, { csrf: false })).statusCode).toBe(403);
    expect(await countRows('users', id)).toBe(1);

    const deleted = await browser.deleteMe({ password: PASSWORD });
    expect(deleted.statusCode).toBe(204);
    expect(await countRows('users', id)).toBe(0);
    expect(await countRows('ratings', id)).toBe(0);
    expect(await countRows('sessions', id)).toBe(0);
    expect((await browser.session()).user).toBeNull();
    expect((await new Browser(context.app).get('/api/users/victor')).statusCode).toBe(404);
    const login = await new Browser(context.app).post('/api/login', {
      username: 'victor',
      password: PASSWORD,
    });
    expect(login.statusCode).toBe(401);
    // Other users' ratings are untouched.
    expect((await context.db.selectFrom('ratings').select('user_id').execute()).length).toBeGreaterThan(0);
  });

  it(`limits account deletion to ${AUTH_RATE_LIMIT.max} attempts a minute per account (429): each checks the password`, async () => {
    const browser = new Browser(context.app);
    const id = await browser.signup('yolanda');
    for (let k = 0; k < AUTH_RATE_LIMIT.max; k++) {
      expect((await browser.deleteMe({ password: `guess ${k}` })).statusCode).toBe(401);
    }
    const blocked = await browser.deleteMe({ password: PASSWORD });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().message).toMatch(/too many attempts.*try again in/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await countRows('users', id)).toBe(1);
    // Counted per account: the same session from another address is still blocked; another account is not.
    const elsewhere = await context.app.inject({
      method: 'DELETE',
      url: '/api/me',
      remoteAddress: '192.0.2.7',
      headers: { cookie: browser.cookieHeader as string, 'x-csrf-token': browser.csrf as string },
      payload: { password: PASSWORD },
    });
    expect(elsewhere.statusCode).toBe(429);
    const other = new Browser(context.app);
    await other.signup('zelda');
    expect((await other.deleteMe({ password: 'guess' })).statusCode).toBe(401);
  });

  it('lets an anonymous visitor delete their data without a password', async () => {
    const browser = new Browser(context.app);
    await browser.session();
    const id = await anonymousVisitor(context, browser);
    await rate(id, { w6: 'like' });
    const deleted = await browser.deleteMe(undefined);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(await countRows('users', id)).toBe(0);
    expect(await countRows('ratings', id)).toBe(0);
    expect((await browser.get('/api/me')).statusCode).toBe(401);
  });

  it('never deletes another user: a wrong (someone else’s) password is refused and no route names another account', async () => {
    const alice = new Browser(context.app);
    const aliceId = await alice.signup('wendy', 'wendy’s password');
    await rate(aliceId, { w7: 'like' });
    const bob = new Browser(context.app);
    const bobId = await bob.signup('xavier');
    expect((await bob.deleteMe({ password: 'wendy’s password' })).statusCode).toBe(401);
    expect((await bob.request({ method: 'DELETE', url: '/api/users/wendy' })).statusCode).toBe(404);
    expect(await countRows('users', aliceId)).toBe(1);
    expect(await countRows('ratings', aliceId)).toBe(1);
    expect(await countRows('users', bobId)).toBe(1);
    // A visitor without a session user cannot delete anything.
    expect((await new Browser(context.app).deleteMe({ password: 'wendy’s password' })).statusCode).toBe(401);
    expect(await countRows('users', aliceId)).toBe(1);
  });

  it('documents the routes in the OpenAPI document under the accounts tag', async () => {
    const doc = (await context.app.inject({ url: '/docs/json' })).json();
    for (const [path, method] of [
      ['/api/me', 'get'],
      ['/api/me', 'patch'],
      ['/api/me', 'delete'],
      ['/api/me/export', 'get'],
      ['/api/users/{username}', 'get'],
    ]) {
      expect(doc.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['accounts']);
    }
  });
});
