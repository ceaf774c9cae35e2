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
    const missing = await client.post('/api/session', {}, { csrf: false });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().message).toMatch(/CSRF/);
    const other = new Client(context.app);
    await other.session();
    const wrong = await client.request({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-csrf-token': other.csrf as string },
      csrf: false,
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const json = await context.app.inject({ url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().paths['/api/session']).toBeDefined();
    expect((await context.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
