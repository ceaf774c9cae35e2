import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Choice, Recommendations, WorksPage } from '../src/lib/types.js';
import { PrivateEngine, type PrivateRating } from '../src/private/engine.js';
import { type DemoService, launchChromium, pageChecks, shownWorks, startDemoService } from './browser.js';

/** What the visitor rates, in order, on the first works of the popular list. */
const CHOICES: Choice[] = ['favorite', 'like', 'dislike', 'like', 'favorite', 'neutral', 'like', 'wontsee'];

/**
 * Private mode against the real service on the demo data, with ALS serving (what private mode runs, so
 * that the service's own recommendations are the reference): the browser engine gives the service's
 * scores to 1e-3 from the binary16 payload, and in Chromium the page recommends with no request carrying
 * a rating, also offline.
 */
describe('private mode', () => {
  let demo: DemoService;
  let browser: Browser;
  let popular: string[];
  const { capture, violations } = pageChecks();

  beforeAll(async () => {
    // Training on a machine other tests share can take minutes.
    demo = await startDemoService({ OSUSUME_MODEL: 'als:factors=32' }, 300_000);
    browser = await launchChromium();
    const page = (await (await fetch(`${demo.base}/api/works?sort=popular&pageSize=12`)).json()) as WorksPage;
    popular = page.items.map((w) => w.id);
  }, 330_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('the browser engine gives the service’s recommendations and scores to 1e-3', async () => {
    const response = await fetch(`${demo.base}/api/private/model`);
    expect(response.status).toBe(200);
    const engine = PrivateEngine.decode(new Uint8Array(await response.arrayBuffer()));
    const ratings: PrivateRating[] = CHOICES.map((choice, i) => ({ work: popular[i], choice }));

    const context = await browser.newContext({ baseURL: demo.base });
    const { csrfToken } = (await (await context.request.get('/api/session')).json()) as { csrfToken: string };
    for (const { work, choice } of ratings) {
      const put = await context.request.put(`/api/ratings/${work}`, {
        data: { choice },
        headers: { 'x-csrf-token': csrfToken },
      });
      expect(put.status()).toBe(200);
    }
    const server = (await (await context.request.get('/api/recommendations?n=24')).json()) as Recommendations;
    await context.close();
    const local = engine.recommend(ratings, 24);

    expect(server.items.length).toBe(24);
    expect(local.fallback).toBe(server.fallback);
    // Scores of the same works, and of their explanations: the payload's binary16 factors against the
    // service's f32 ones. Near-ties may swap places, so works are matched by id.
    const user = engine.foldIn(ratings);
    let worst = 0;
    for (const item of server.items) {
      const score = engine.model.predict(user, item.work);
      worst = Math.max(worst, Math.abs(score - item.score));
      if (item.why) {
        const why = engine.model.explain(user, item.work, 3);
        worst = Math.max(worst, Math.abs(why.score - item.why.score));
      }
    }
    console.info(`private mode: largest score difference from the service ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
    const shared = local.items.filter((a) => server.items.some((b) => b.work === a.work)).length;
    expect(shared).toBeGreaterThanOrEqual(22);
    expect(local.items.slice(0, 5).map((i) => i.work)).toEqual(server.items.slice(0, 5).map((i) => i.work));
    // The why names the same rated works first.
    const first = server.items[0];
    expect(local.items[0].why?.contributions.map((c) => c.work)).toEqual(
      first.why?.contributions.map((c) => c.work),
    );
  });

  /** Requests that carry or read ratings: rating routes, server recommendations, or any request body. */
  function ratingTraffic(requests: Request[]): string[] {
    return requests
      .filter((r) => {
        const path = new URL(r.url()).pathname;
        return (
          /^\/api\/(ratings|recommendations|watchlist|map|mosaic|v1)\b/.test(path) ||
          r.method() !== 'GET' ||
          (r.postData() ?? '') !== ''
        );
      })
      .map((r) => `${r.method()} ${r.url()}`);
  }

  async function vote(page: Page, work: string, choice: Choice): Promise<void> {
    const button = page.locator(
      `[data-testid=private-works] li[data-work="${work}"] button[data-choice=${choice}]`,
    );
    await button.click();
    await expect.poll(() => button.getAttribute('aria-pressed')).toBe('true');
  }

  it('in Chromium: recommends with no rating request, keeps working offline', async () => {
    const context: BrowserContext = await browser.newContext({
      baseURL: demo.base,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    context.on('request', (r) => {
      if (!requests.includes(r)) requests.push(r);
    });
    await page.goto('/private');
    await page.locator('#private-switch').check();
    await page.locator('[data-testid=private-works] li[data-work]').first().waitFor();
    for (const [i, choice] of CHOICES.slice(0, 6).entries()) await vote(page, popular[i], choice);
    const recommended = () => shownWorks(page, '[data-testid=recommendations] > li');
    await expect.poll(recommended, { timeout: 20_000 }).not.toEqual([]);
    const fromModel = await page.$$eval(
      '[data-testid=recommendations] > li[data-source=model]',
      (l) => l.length,
    );
    expect(fromModel).toBeGreaterThan(0);
    expect((await recommended()).filter((w) => popular.slice(0, 6).includes(w))).toEqual([]);
    await expect.poll(() => page.locator('[data-testid=recommendations]').textContent()).toMatch(/Why\?/);
    await capture(page, 'private-mode');

    // Offline: a vote still changes the recommendations, and a reload opens the page from the service
    // worker's copies with the ratings kept in this browser.
    await page.waitForFunction(
      async () => {
        const kept = await caches.open('osusume-private-v1');
        return (
          (await kept.match('/private')) !== undefined &&
          (await kept.match('/api/session')) !== undefined &&
          (await kept.match('/api/private/model')) !== undefined
        );
      },
      undefined,
      { timeout: 20_000 },
    );
    const online = await recommended();
    await context.setOffline(true);
    await vote(page, popular[6], 'favorite');
    await vote(page, popular[7], 'favorite');
    await expect.poll(recommended).not.toEqual(online);
    const offline = await recommended();
    expect(offline.filter((w) => popular.slice(0, 8).includes(w))).toEqual([]);
    await page.reload();
    await page.locator('[data-testid=recommendations] > li').first().waitFor({ timeout: 20_000 });
    expect(await recommended()).toEqual(offline);
    await context.setOffline(false);

    expect(ratingTraffic(requests)).toEqual([]);
    expect(requests.some((r) => r.url().endsWith('/api/private/model'))).toBe(true);

    // Phone width: the switch and the lists fit.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await capture(page, 'private-mode-phone');
    expect(Object.fromEntries(violations)).toEqual({});
    await context.close();
  }, 240_000);
});
