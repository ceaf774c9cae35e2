import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createContext, DATABASES, seedCatalogue, type TestContext } from './harness.js';

const PASSWORD = 'correct horse battery';

describe.each(DATABASES)('body types and common passwords (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db, { works: 12, users: 3 });
  });
  afterAll(() => context.close());

  it('refuses a body field of the wrong type (400) instead of converting it, and changes nothing', async () => {
    const client = new Client(context.app);
    const { user } = (await client.enter('/api/signup', 'tina', PASSWORD)).json();

    const rated = await client.put('/api/ratings/w0', { choice: ['like'] });
    expect(rated.statusCode, rated.body).toBe(400);
    expect(rated.json().message).toMatch(/choice/);
    const toggled = await client.put('/api/ratings/w1', { choice: 'like', toggle: 'false' });
    expect(toggled.statusCode, toggled.body).toBe(400);
    expect(
      await context.db.selectFrom('ratings').select('work_id').where('user_id', '=', user.id).execute(),
    ).toEqual([]);

    const settings = await client.request({
      method: 'PATCH',
      url: '/api/me',
      payload: { isPublic: 'false' } as InjectOptions['payload'],
    });
    expect(settings.statusCode, settings.body).toBe(400);
    expect(settings.json().message).toMatch(/isPublic/);
    expect((await client.get('/api/me')).json().isPublic).toBe(true);

    const numeric = await new Client(context.app).post('/api/signup', {
      username: 'uri',
      password: 12345678,
    });
    expect(numeric.statusCode, numeric.body).toBe(400);
    expect(numeric.json().message).toMatch(/password/);
    const login = await new Client(context.app).post('/api/login', {
      username: ['tina'],
      password: PASSWORD,
    });
    expect(login.statusCode, login.body).toBe(400);
  });

  it('still reads numbers, booleans and lists in the query string, as the web app sends them', async () => {
    const client = new Client(context.app);
    await client.enter('/api/signup', 'vera', PASSWORD);
    const page = await client.get('/api/users/vera?page=2&pageSize=5');
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json()).toMatchObject({ page: 2, pageSize: 5 });
    const works = await client.get('/api/works?page=1&pageSize=3');
    expect(works.statusCode, works.body).toBe(200);
    expect(works.json().items).toHaveLength(3);
  });

  it('refuses the most common passwords and blank ones at sign-up (400, saying why)', async () => {
    const refused: string[] = [
      '        ',
      '\t \t \t \t ',
      '12345678',
      '87654321',
      '11111111',
      '123456789012',
      'password',
      'Password1',
      'P@ssw0rd!',
      'iloveyou2',
      'qwerty123',
      'qwertyuiop',
      'abcdefgh',
      'aaaaaaaaaaaa',
      'abcabcabcabc',
      '1q2w3e4r5t',
      'football1987',
      'xenia123',
    ];
    for (const [k, password] of refused.entries()) {
      const response = await new Client(context.app).post('/api/signup', {
        username: k === refused.length - 1 ? 'xenia' : `common${k}`,
        password,
      });
      expect(response.statusCode, JSON.stringify(password)).toBe(400);
      expect(response.json().message, JSON.stringify(password)).toMatch(/common|spaces|digits|username/);
    }
    for (const [k, password] of [
      'correct horse battery',
      'a-long-password-1',
      'Tr0ub4dor&3',
      '  spaced out  ',
    ].entries()) {
      const response = await new Client(context.app).post('/api/signup', { username: `fine${k}`, password });
      expect(response.statusCode, `${JSON.stringify(password)}: ${response.body}`).toBe(201);
    }
  });
});
