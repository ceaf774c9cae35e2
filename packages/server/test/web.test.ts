import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type TestContext } from './harness.js';

describe('the web app, served by the service', () => {
  const built = mkdtempSync(join(tmpdir(), 'osusume-web-dir-'));
  let context: TestContext;
  let unbuilt: TestContext;

  beforeAll(async () => {
    mkdirSync(join(built, 'assets'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
    context = await createContext('sqlite', { config: { webDir: built } });
    unbuilt = await createContext('sqlite', { config: { webDir: join(built, 'missing') } });
  });
  afterAll(async () => {
    await context.close();
    await unbuilt.close();
    rmSync(built, { recursive: true, force: true });
  });

  const page = (ctx: TestContext, url: string) =>
    ctx.app.inject({ method: 'GET', url, headers: { accept: 'text/html,application/xhtml+xml' } });

  it('answers the app’s own routes with index.html, never cached', async () => {
    for (const url of ['/', '/works/5114', '/lists/top?page=2', '/map']) {
      const response = await page(context, url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<div id="app">');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets for good', async () => {
    const response = await context.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('console.log(1)');
    expect(response.headers['cache-control']).toContain('immutable');
  });

  it('keeps JSON 404s for the API and for missing files', async () => {
    for (const url of ['/api/nothing', '/docs/nothing', '/assets/missing.js']) {
      const response = await context.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().message).toContain('no route');
    }
    const notHtml = await context.app.inject({
      method: 'GET',
      url: '/works/5114',
      headers: { accept: 'application/json' },
    });
    expect(notHtml.statusCode).toBe(404);
  });

  it('says how to build the app when it is not built, and the API still answers', async () => {
    const response = await page(unbuilt, '/');
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    expect((await unbuilt.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
