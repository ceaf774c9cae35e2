import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountError, authenticate, ensureAdmin } from '../src/auth/accounts.js';
import { hashPassword, needsRehash, verifyPassword } from '../src/auth/passwords.js';
import { now } from '../src/db/schema.js';
import { AUTH_RATE_LIMIT, WRONG_CREDENTIALS } from '../src/http/routes/accounts.js';
import {
  anonymousVisitor,
  Client,
  createContext,
  DATABASES,
  seedCatalogue,
  type TestContext,
} from './harness.js';

const PASSWORD = 'correct horse battery';

describe.each(DATABASES)('accounts (%s)', (dialect) => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db, { works: 10, users: 4 });
  });
  afterAll(() => context.close());

  /** Makes the browser an anonymous visitor with ratings, the way a first rating does (userFor). */
  async function anonymousWith(browser: Client, ratings: Record<string, string>): Promise<number> {
    const id = await anonymousVisitor(context, browser);
    await rate(id, ratings);
    return id;
  }

  /** Rates as of `at` (an ISO time), now by default. */
  async function rate(userId: number, ratings: Record<string, string>, at = now()) {
    for (const [work, choice] of Object.entries(ratings)) {
      await context.db
        .insertInto('ratings')
        .values({ user_id: userId, work_id: work, choice, updated_at: at })
        .execute();
    }
  }

  async function ratingsOf(userId: number): Promise<Record<string, string>> {
    const rows = await context.db
      .selectFrom('ratings')
      .select(['work_id', 'choice'])
      .where('user_id', '=', userId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.work_id, r.choice]));
  }

  it('signs up: 201 with the user, a new http-only session cookie bound to it, a scrypt hash stored', async () => {
    const browser = new Client(context.app);
    const before = await browser.session();
    expect(before.user).toBeNull();
    const oldCsrf = browser.csrf;
    const response = await browser.enter('/api/signup', 'Alice', PASSWORD);
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.user).toMatchObject({
      username: 'Alice',
      isAdmin: false,
      isAnonymous: false,
      isPublic: true,
    });
    expect(body.csrfToken).not.toBe(oldCsrf);
    expect(response.body).not.toMatch(/scrypt|password/i);
    const cookie = response.cookies.find((c) => c.name === 'osusume_session');
    expect(cookie?.httpOnly).toBe(true);
    const after = await browser.session();
    expect(after.user?.username).toBe('Alice');
    expect(after.csrfToken).toBe(body.csrfToken);
    const row = await context.db
      .selectFrom('users')
      .select(['password_hash', 'is_anonymous'])
      .where('username', '=', 'Alice')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w+/=]+\$[\w+/=]+$/);
    expect(row.is_anonymous).toBe(0);
  });

  it('rotates the session at sign-up and log-in: the token from before no longer works', async () => {
    const first = await context.app.inject({ url: '/api/session', remoteAddress: '10.2.0.1' });
    const token = first.cookies.find((c) => c.name === 'osusume_session')?.value as string;
    const headers = { cookie: `osusume_session=${token}`, 'x-csrf-token': first.json().csrfToken };
    const signup = await context.app.inject({
      method: 'POST',
      url: '/api/signup',
      headers,
      payload: { username: 'fixation', password: PASSWORD },
      remoteAddress: '10.2.0.1',
    });
    expect(signup.statusCode).toBe(201);
    const newToken = signup.cookies.find((c) => c.name === 'osusume_session')?.value;
    expect(newToken).toBeTruthy();
    expect(newToken).not.toBe(token);
    // The planted token is dead: it shows no user, and a write with it (and its CSRF token) is not the
    // account's (at most it starts an empty session of its own).
    const stale = await context.app.inject({ url: '/api/session', headers: { cookie: headers.cookie } });
    expect(stale.json().user).toBeNull();
    const write = await context.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers,
      payload: { isPublic: false },
    });
    expect(write.statusCode).toBe(401);
  });

  it('logs in and out', async () => {
    const browser = new Client(context.app);
    expect((await browser.enter('/api/signup', 'bob', PASSWORD)).statusCode).toBe(201);
    const logout = await browser.post('/api/logout');
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    expect((await browser.session()).user).toBeNull();

    const login = await browser.enter('/api/login', 'BOB', PASSWORD);
    expect(login.statusCode).toBe(200);
    expect(login.json().user).toMatchObject({ username: 'bob', isAnonymous: false });
    expect(login.json().merged).toEqual({ moved: 0, replaced: [], kept: [] });
    expect((await browser.session()).user?.username).toBe('bob');
    // Logging out destroys the session in the database, not only the cookie.
    const sessions = await context.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', login.json().user.id);
    expect(await sessions.execute()).toHaveLength(1);
    await browser.post('/api/logout');
    expect(await sessions.execute()).toHaveLength(0);
  });

  it('keeps an anonymous visitor’s ratings at sign-up: that user becomes the account', async () => {
    const browser = new Client(context.app);
    const anonymous = await anonymousWith(browser, { w0: 'like', w1: 'willsee' });
    const response = await browser.enter('/api/signup', 'carol', PASSWORD);
    expect(response.statusCode).toBe(201);
    expect(response.json().user).toMatchObject({ id: anonymous, username: 'carol', isAnonymous: false });
    expect(await ratingsOf(anonymous)).toEqual({ w0: 'like', w1: 'willsee' });
    const me = await browser.get('/api/me');
    expect(me.json()).toMatchObject({ username: 'carol', counts: { like: 1, willsee: 1 }, total: 2 });
  });

  it('merges an anonymous visitor’s ratings into the account at log-in (the newer wins where both rated), says so, then drops the anonymous user', async () => {
    const [early, middle, late] = [
      '2024-01-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
      '2024-06-01T00:00:00.000Z',
    ];
    const owner = new Client(context.app);
    const signup = await owner.enter('/api/signup', 'dave', PASSWORD);
    const account = signup.json().user.id;
    await rate(account, { w0: 'like', w1: 'dislike' }, early);
    await rate(account, { w4: 'favorite' }, late);
    await rate(account, { w5: 'like' }, middle);
    await owner.post('/api/logout');

    const browser = new Client(context.app);
    const anonymous = await anonymousWith(browser, { w0: 'like', w2: 'willsee', w3: 'neutral' });
    await rate(anonymous, { w1: 'favorite' }, middle);
    await rate(anonymous, { w4: 'neutral' }, middle);
    await rate(anonymous, { w5: 'dislike' }, middle);
    const login = await browser.enter('/api/login', 'dave', PASSWORD);
    expect(login.statusCode).toBe(200);
    // w1: the visitor's vote is newer and replaces the account's; w4: the account's is newer and stays;
    // w5: as old as each other, the account's stays; w0: the same choice, nothing to say.
    expect(login.json().merged).toEqual({
      moved: 3,
      replaced: [{ work: 'w1', title: 'Pokémon Ranger', anonymous: 'favorite', account: 'dislike' }],
      kept: [
        { work: 'w4', title: 'Work 4', anonymous: 'neutral', account: 'favorite' },
        { work: 'w5', title: 'Work 5', anonymous: 'dislike', account: 'like' },
      ],
    });
    expect(await ratingsOf(account)).toEqual({
      w0: 'like',
      w1: 'favorite',
      w2: 'willsee',
      w3: 'neutral',
      w4: 'favorite',
      w5: 'like',
    });
    // A moved rating keeps the time it was made.
    const w1 = await context.db
      .selectFrom('ratings')
      .select('updated_at')
      .where('user_id', '=', account)
      .where('work_id', '=', 'w1')
      .executeTakeFirstOrThrow();
    expect(w1.updated_at).toBe(middle);
    const gone = await context.db
      .selectFrom('users')
      .select('id')
      .where('id', '=', anonymous)
      .executeTakeFirst();
    expect(gone).toBeUndefined();
    expect(await ratingsOf(anonymous)).toEqual({});
    expect((await browser.get('/api/me')).json()).toMatchObject({ id: account, total: 6 });
  });

  it('lets the account’s rating stand at log-in when it is newer than every anonymous vote', async () => {
    const owner = new Client(context.app);
    const account = (await owner.enter('/api/signup', 'dora', PASSWORD)).json().user.id;
    await owner.post('/api/logout');
    const browser = new Client(context.app);
    await anonymousWith(browser, { w6: 'like', w7: 'dislike' });
    // Rated on the account (another device) after the anonymous votes.
    await rate(account, { w6: 'favorite', w7: 'dislike' }, new Date(Date.now() + 60_000).toISOString());
    const login = await browser.enter('/api/login', 'dora', PASSWORD);
    expect(login.json().merged).toEqual({
      moved: 0,
      replaced: [],
      kept: [{ work: 'w6', title: 'Work 6', anonymous: 'like', account: 'favorite' }],
    });
    expect(await ratingsOf(account)).toEqual({ w6: 'favorite', w7: 'dislike' });
  });

  it('refuses a taken username (409), whatever its case, and a sign-up while logged in', async () => {
    const browser = new Client(context.app);
    expect((await browser.enter('/api/signup', 'Erin', PASSWORD)).statusCode).toBe(201);
    const again = await browser.post('/api/signup', { username: 'other1', password: PASSWORD });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already logged in/);

    for (const username of ['Erin', 'erin', 'ERIN']) {
      const response = await new Client(context.app).post('/api/signup', { username, password: PASSWORD });
      expect(response.statusCode).toBe(409);
      expect(response.json().message).toMatch(/taken/);
    }
  });

  it('lets only one of two simultaneous sign-ups with the same name win', async () => {
    const [a, b] = [new Client(context.app), new Client(context.app)];
    await Promise.all([a.session(), b.session()]);
    const responses = await Promise.all([
      a.post('/api/signup', { username: 'race', password: PASSWORD }),
      b.post('/api/signup', { username: 'RACE', password: PASSWORD }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const rows = await context.db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['username']), '=', 'race'))
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('answers 400 with a clear message for an invalid username, password or body', async () => {
    const browser = new Client(context.app);
    const cases: [unknown, RegExp][] = [
      [{ username: 'ab', password: PASSWORD }, /username.*3 to 32 characters/],
      [{ username: 'a'.repeat(33), password: PASSWORD }, /username/],
      [{ username: 'white space', password: PASSWORD }, /letters, digits/],
      [{ username: 'émile', password: PASSWORD }, /username/],
      [{ username: 'frank', password: 'short' }, /password.*8 to 200 characters/],
      [{ username: 'frank', password: 'x'.repeat(201) }, /password/],
      [{ username: 'frank' }, /"password" is missing/],
      [{ username: 'frank', password: PASSWORD, isAdmin: true }, /unknown field "isAdmin"/],
      [{ username: { name: 'frank' }, password: PASSWORD }, /username/],
    ];
    for (const [payload, message] of cases) {
      const response = await browser.post('/api/signup', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().message).toMatch(message);
    }
    const notJson = await browser.request({
      method: 'POST',
      url: '/api/signup',
      payload: '{"username": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    const login = await browser.post('/api/login', { username: 'frank' });
    expect(login.statusCode).toBe(400);
    expect(
      await context.db.selectFrom('users').select('id').where('username', '=', 'frank').execute(),
    ).toEqual([]);
  });

  it('answers 401 with the same message for a wrong password and an unknown user; imported users cannot log in', async () => {
    const browser = new Client(context.app);
    await browser.enter('/api/signup', 'grace', PASSWORD);
    await browser.post('/api/logout');
    // Logged out, the browser has no session any more: it asks for a new one (and its CSRF token).
    await browser.session();
    const wrong = await browser.post('/api/login', { username: 'grace', password: 'wrong password' });
    const unknown = await browser.post('/api/login', { username: 'nobody-here', password: 'wrong password' });
    const imported = await browser.post('/api/login', { username: 'u0', password: 'wrong password' });
    for (const response of [wrong, unknown, imported]) {
      expect(response.statusCode).toBe(401);
      expect(response.json().message).toBe(WRONG_CREDENTIALS);
    }
    expect((await browser.session()).user).toBeNull();

    // An unknown username costs a password check too (against a dummy hash): the time tells nothing.
    const time = async (username: string) => {
      const start = performance.now();
      for (let k = 0; k < 3; k++)
        expect(await authenticate(context.db, username, 'wrong password')).toBeUndefined();
      return performance.now() - start;
    };
    const [known, unknownTime] = [await time('grace'), await time('nobody-here')];
    expect(unknownTime).toBeGreaterThan(known * 0.5);
  });

  it('refuses sign-up and log-in without the CSRF token (403)', async () => {
    const browser = new Client(context.app);
    await browser.session();
    const signup = await browser.post(
      '/api/signup',
      { username: 'heidi', password: PASSWORD },
      { csrf: false },
    );
    expect(signup.statusCode).toBe(403);
    expect(signup.json().message).toMatch(/CSRF/);
    const login = await browser.post(
      '/api/login',
      { username: 'heidi', password: PASSWORD },
      { csrf: false },
    );
    expect(login.statusCode).toBe(403);
    expect(
      await context.db.selectFrom('users').select('id').where('username', '=', 'heidi').execute(),
    ).toEqual([]);
  });

  it(`limits log-in and sign-up to ${AUTH_RATE_LIMIT.max} attempts a minute per address (429), and nothing else`, async () => {
    const browser = new Client(context.app);
    await browser.session();
    for (let k = 0; k < AUTH_RATE_LIMIT.max; k++) {
      const attempt = await browser.post('/api/login', { username: 'ivan', password: `guess ${k}` });
      expect(attempt.statusCode).toBe(401);
    }
    const blocked = await browser.post('/api/login', { username: 'ivan', password: 'guess again' });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().message).toMatch(/too many attempts.*try again in/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Other routes, sign-up's own budget and other addresses are not affected.
    expect((await browser.get('/api/session')).statusCode).toBe(200);
    expect((await browser.get('/health')).statusCode).toBe(200);
    expect((await browser.enter('/api/signup', 'ivan', PASSWORD)).statusCode).toBe(201);
    const other = new Client(context.app);
    expect((await other.post('/api/login', { username: 'ivan', password: PASSWORD })).statusCode).toBe(200);

    const signups = new Client(context.app);
    await signups.session();
    for (let k = 0; k < AUTH_RATE_LIMIT.max; k++) {
      expect((await signups.post('/api/signup', { username: 'x', password: PASSWORD })).statusCode).toBe(400);
    }
    expect((await signups.post('/api/signup', { username: 'judy', password: PASSWORD })).statusCode).toBe(
      429,
    );
  });

  it('ensureAdmin creates the admin account, then promotes an existing one and sets its password', async () => {
    const created = await ensureAdmin(context.db, 'root', 'first password');
    expect(created.created).toBe(true);
    expect(created.account).toMatchObject({ username: 'root', isAdmin: true, isAnonymous: false });
    expect(await authenticate(context.db, 'root', 'first password')).toMatchObject({ isAdmin: true });

    const browser = new Client(context.app);
    const signup = await browser.enter('/api/signup', 'kim', PASSWORD);
    expect(signup.json().user.isAdmin).toBe(false);
    const promoted = await ensureAdmin(context.db, 'KIM', 'a new password');
    expect(promoted).toMatchObject({ created: false, account: { id: signup.json().user.id, isAdmin: true } });
    expect(await authenticate(context.db, 'kim', PASSWORD)).toBeUndefined();
    expect(await authenticate(context.db, 'kim', 'a new password')).toMatchObject({ isAdmin: true });
    expect((await browser.session()).user).toMatchObject({ isAdmin: true });
    // Run again (every start with OSUSUME_ADMIN does): still one admin account.
    await ensureAdmin(context.db, 'root', 'first password');
    const roots = await context.db.selectFrom('users').select('id').where('username', '=', 'root').execute();
    expect(roots).toHaveLength(1);
    await expect(ensureAdmin(context.db, 'no', 'first password')).rejects.toBeInstanceOf(AccountError);
    await expect(ensureAdmin(context.db, 'root2', 'short')).rejects.toThrow(/password/);
  });

  it('documents the routes in the OpenAPI document under the accounts tag', async () => {
    const doc = (await context.app.inject({ url: '/docs/json' })).json();
    const login = doc.paths['/api/login'].post.responses['200'].content['application/json'].schema;
    expect(login.required).toContain('merged');
    expect(login.properties.merged.required).toEqual(['moved', 'replaced', 'kept']);
    for (const [path, method] of [
      ['/api/signup', 'post'],
      ['/api/login', 'post'],
      ['/api/logout', 'post'],
    ]) {
      expect(doc.paths[path]?.[method]?.tags, path).toEqual(['accounts']);
      expect(doc.paths[path][method].summary).toBeTruthy();
    }
  });
});

describe('password hashes', () => {
  it('verifies the right password only, with a random salt each time', async () => {
    const [a, b] = await Promise.all([hashPassword('pässword one'), hashPassword('pässword one')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pässword one', a)).toBe(true);
    // Composed and decomposed forms of the same text are the same password.
    expect(await verifyPassword('pa\u0308ssword one', a)).toBe(true);
    expect(await verifyPassword('password one', a)).toBe(false);
    expect(await verifyPassword('pässword one', null)).toBe(false);
    expect(await verifyPassword('pässword one', 'not a hash')).toBe(false);
    expect(
      await verifyPassword('pässword one', 'scrypt$1099511627776$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA=='),
    ).toBe(false);
    expect(needsRehash(a)).toBe(false);
    expect(needsRehash(a.replace('$32768$', '$16384$'))).toBe(true);
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([hashPassword('one password'), hashPassword('two password')]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
