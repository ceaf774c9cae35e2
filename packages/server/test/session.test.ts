import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createContext, DATABASES, type TestContext } from './harness.js';

describe.each(DATABASES)('sessions and CSRF (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
  });
  afterAll(() => context.close());

  it('answers /health, and /ready with 503 while no model serves', async () => {
    expect((await context.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await context.app.inject({ url: '/ready' })).statusCode).toBe(503);
  });

  it('gives a new visitor a session cookie (http-only) and a CSRF token', async () => {
    const response = await context.app.inject({ url: '/api/session' });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'osusume_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(response.json().csrfToken).toMatch(/^[\w-]{20,}$/);
    expect(response.json().user).toBeNull();
  });

  it('keeps the session across requests', async () => {
    const client = new Client(context.app);
    const first = await client.session();
    const second = await client.session();
    expect(second.csrfToken).toBe(first.csrfToken);
  });

  it('refuses a write without the CSRF token, or with another session’s', async () => {
    const client = new Client(context.app);
    await client.session();
    const missing = await client.post('/api/logout', {}, { csrf: false });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().message).toMatch(/CSRF/);
    const other = new Client(context.app);
    await other.session();
    const wrong = await client.request({
      method: 'POST',
      url: '/api/logout',
      headers: { 'x-csrf-token': other.csrf as string },
      csrf: false,
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('checks CSRF on the routed path, however the URL is encoded', async () => {
    const owner = new Client(context.app);
    expect((await owner.enter('/api/signup', 'encoded', 'a long password')).statusCode).toBe(201);
    const visitor = new Client(context.app);
    await visitor.session();
    const login = { username: 'encoded', password: 'a long password' };
    for (const path of ['/%61pi/login', '/%61%70%69/login', '/api/%6cogin']) {
      const response = await visitor.post(path, login, { csrf: false });
      expect(response.statusCode, path).toBe(403);
      expect(response.json().message).toMatch(/CSRF/);
    }
    const rating = await visitor.put('/%61pi/ratings/w1', { choice: 'like' }, { csrf: false });
    expect(rating.statusCode).toBe(403);
  });

  it('loads the session on an encoded path too', async () => {
    const client = new Client(context.app);
    const first = await client.session();
    const encoded = await client.get('/%61pi/session');
    expect(encoded.json().csrfToken).toBe(first.csrfToken);
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const json = await context.app.inject({ url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().paths['/api/session']).toBeDefined();
    expect((await context.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
