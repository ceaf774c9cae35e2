import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MOSAIC_SLOTS } from '../src/lib/types.js';
import { logInAsAdmin, pageChecks, savedRatings, shownWorks, useDemoBrowser } from './browser.js';

/**
 * The web app end to end: the real service on the bundled anime data (SQLite, the default model) and
 * Debian's Chromium driven by playwright-core, as a visitor would use it. The scenarios run in order and
 * share one visitor (mosaic → sign-up → a work → watchlist → map); a second visitor uses only the
 * keyboard; an admin looks at the models. Every page is saved as a screenshot (see SCREENSHOTS).
 */
describe('web app, end to end in Chromium', () => {
  const web = useDemoBrowser();
  let visitor: BrowserContext;
  let page: Page;
  /** What the visitor rated in the mosaic, by work id. */
  const rated = new Map<string, string>();

  beforeAll(async () => {
    visitor = await web.browser.newContext({ baseURL: web.base, viewport: { width: 1280, height: 900 } });
    page = await visitor.newPage();
  });

  /** A screenshot of each page, with the WCAG rules it broke when it was captured. */
  const { capture, violations } = pageChecks();

  const card = (p: Page, slot: string) => p.locator(`[data-testid=mosaic] article[data-slot=${slot}]`);
  const recommended = (p: Page) => shownWorks(p, '[data-testid=recommendations] > li');

  it('a new visitor rates 10 works in the mosaic and sees the recommendations change', async () => {
    const scripts: Promise<Buffer>[] = [];
    const collect = (response: Response) => {
      if (response.request().resourceType() === 'script') scripts.push(response.body());
    };
    page.on('response', collect);
    await page.goto('/');
    await page.waitForSelector('[data-testid=mosaic] article[data-work]');
    page.off('response', collect);
    const gzipped = (await Promise.all(scripts)).reduce((sum, body) => sum + gzipSync(body).length, 0);
    console.info(`web: first load ${(gzipped / 1024).toFixed(1)} KB of JavaScript gzipped (bar 300 KB)`);
    expect(gzipped).toBeLessThan(300 * 1024);
    await capture(page, 'mosaic-new-visitor');

    const slots = MOSAIC_SLOTS;
    const choices = [
      'favorite',
      'like',
      'dislike',
      'like',
      'favorite',
      'neutral',
      'like',
      'favorite',
      'like',
      'dislike',
    ];
    let first: string[] = [];
    const reactions: number[] = [];
    for (let vote = 0; vote < 10; vote++) {
      const slot = card(page, slots[vote % slots.length]);
      const work = (await slot.getAttribute('data-work')) ?? '';
      expect(work).not.toBe('');
      const started = performance.now();
      await slot.locator(`button[data-choice=${choices[vote]}]`).click();
      // A loaded CI machine can take seconds to answer the next card: the vote's speed is the bench's
      // business (bench/web.js), this test checks that the card does change.
      await expect.poll(() => slot.getAttribute('data-work'), { timeout: 20_000 }).not.toBe(work);
      reactions.push(performance.now() - started);
      rated.set(work, choices[vote]);
      if (vote === 0) {
        await expect.poll(() => recommended(page)).not.toEqual([]);
        first = await recommended(page);
      }
    }
    reactions.sort((a, b) => a - b);
    console.info(
      `web: mosaic card replaced ${reactions[5].toFixed(0)} ms after a click (median, driver included)`,
    );
    // The recommendations after ten votes are not those after the first, and once the last vote's answer
    // is in (votes are saved and answered after the card moves on: poll, the machine may be loaded),
    // none is a rated work.
    await expect.poll(() => recommended(page), { timeout: 10_000 }).not.toEqual(first);
    await expect.poll(() => savedRatings(page), { timeout: 20_000 }).toEqual(rated);
    await expect
      .poll(async () => (await recommended(page)).filter((work) => rated.has(work)), { timeout: 20_000 })
      .toEqual([]);
    expect((await recommended(page)).length).toBeGreaterThan(0);
    await capture(page, 'mosaic-after-ten-votes');
  });

  it('signs up and keeps the ratings made before', async () => {
    await page.goto('/signup');
    await capture(page, 'signup');
    await page.fill('#username', 'e2e_visitor');
    await page.fill('#password', 'e2e-password-1');
    await page.click('button[type=submit]');
    await page.waitForURL('**/recommendations');
    await page.waitForSelector('[data-testid=recommendations] > li');
    await capture(page, 'recommendations');
    const me = await (await page.request.get('/api/me')).json();
    expect(me).toMatchObject({ username: 'e2e_visitor', isAnonymous: false, total: 10 });
    await page.goto('/profile');
    await expect.poll(() => page.locator('h1').textContent()).toBe('e2e_visitor');
    const likes = [...rated.values()].filter((c) => c === 'like').length;
    expect(await page.locator('.count[data-choice=like]').textContent()).toBe(String(likes));
    await capture(page, 'profile');
  });

  it('opens a recommended work and sees its predicted affinity and why', async () => {
    await page.goto('/recommendations');
    const first = page.locator('[data-testid=recommendations] > li').first();
    const work = await first.getAttribute('data-work');
    await first.locator('a.cover-link').click();
    await page.waitForURL(`**/works/${work}`);
    const prediction = page.locator('[data-testid=prediction]');
    await prediction.locator('meter').waitFor();
    const why = prediction.locator('[data-testid=why]');
    // The explanation names works this visitor rated, with links to them.
    const named = await why
      .locator('a')
      .evaluateAll((links) => links.map((a) => (a.getAttribute('href') ?? '').replace('/works/', '')));
    expect(named.length).toBeGreaterThan(0);
    for (const id of named) expect(rated.has(id)).toBe(true);
    await page.locator('section.similar .tile').first().waitFor();
    await capture(page, 'work');
  });

  it('reorders the watchlist: best predicted first, by title, or most recently added', async () => {
    await page.goto('/lists/popular');
    await page.waitForSelector('[data-testid=work-list] .tile');
    await capture(page, 'list-popular');
    const tiles = page.locator('[data-testid=work-list] .tile');
    const added: string[] = [];
    for (let i = 0; added.length < 4; i++) {
      const tile = tiles.nth(i);
      const work = (await tile.getAttribute('data-work')) ?? '';
      if (rated.has(work)) continue;
      await tile.locator('button[data-choice=willsee]').click();
      await expect
        .poll(() => tile.locator('button[data-choice=willsee]').getAttribute('aria-pressed'))
        .toBe('true');
      added.push(work);
    }
    await page.goto('/watchlist');
    const items = '[data-testid=watchlist] > li';
    await expect.poll(() => shownWorks(page, items)).toHaveLength(4);
    const scores = await page.$$eval(`${items} meter`, (meters) =>
      meters.map((m) => Number(m.getAttribute('value'))),
    );
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await capture(page, 'watchlist');

    await page.selectOption('[data-testid=watchlist-order]', 'added');
    await expect.poll(() => shownWorks(page, items)).toEqual([...added].reverse());
    await page.selectOption('[data-testid=watchlist-order]', 'title');
    const titles = await page.$$eval(`${items} span.title`, (spans) => spans.map((s) => s.textContent ?? ''));
    expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b)));
  });

  it('opens the map and it draws thousands of points on the canvas', async () => {
    await page.goto('/map');
    const canvas = page.locator('[data-testid=map-canvas]');
    await page.waitForSelector('[data-testid=map-canvas][data-drawn=true]', { timeout: 20_000 });
    expect(Number(await canvas.getAttribute('data-points'))).toBeGreaterThan(1000);
    // Count painted pixels: the points are there in the canvas itself, not only in the DOM.
    const painted = await canvas.evaluate((element) => {
      const c = element as HTMLCanvasElement;
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      if (!data) return -1;
      const colours = new Set<number>();
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        const saturation =
          Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
        if (data[i + 3] > 0 && saturation > 40) {
          count++;
          colours.add((data[i] >> 4) * 256 + (data[i + 1] >> 4) * 16 + (data[i + 2] >> 4));
        }
      }
      return count * 1000 + Math.min(colours.size, 999);
    });
    const [pixels, colours] = [Math.floor(painted / 1000), painted % 1000];
    expect(pixels).toBeGreaterThan(2000);
    expect(colours).toBeGreaterThan(5); // coloured by genre, not one colour
    await capture(page, 'map');
  });

  it('finds a work on the map with the search, and "you" moves towards it after a vote there', async () => {
    const canvas = page.locator('[data-testid=map-canvas]');
    const map = (await (await page.request.get('/api/map?top=7000')).json()) as {
      layout: string;
      clusters: { genres: string[] }[];
      points: { work: string; title: string; x: number; y: number }[];
      you: { x: number; y: number } | null;
    };
    // The trained model came with its t-SNE layout, in regions named by genres.
    expect(map.layout).toBe('tsne');
    expect(map.clusters.filter((c) => c.genres.length > 0).length).toBeGreaterThan(3);
    const you = map.you as { x: number; y: number };
    expect(you).not.toBeNull();
    expect(await canvas.getAttribute('data-you')).toBe(`${you.x},${you.y}`);
    // The work farthest from the visitor whose title no other work on the map shares, and that they did not rate.
    const titles = new Map<string, number>();
    for (const p of map.points) titles.set(p.title, (titles.get(p.title) ?? 0) + 1);
    const distance = (p: { x: number; y: number }) => Math.hypot(p.x - you.x, p.y - you.y);
    const target = map.points
      .filter((p) => titles.get(p.title) === 1 && !rated.has(p.work) && /^[\w :!'-]{6,40}$/.test(p.title))
      .sort((a, b) => distance(b) - distance(a))[0];

    await page.fill('[data-testid=map-search]', target.title);
    await page.press('[data-testid=map-search]', 'Enter');
    await expect.poll(() => canvas.getAttribute('data-located'), { timeout: 20_000 }).toBe(target.work);
    const found = page.locator('[data-testid=map-found]');
    await expect.poll(() => found.locator('a').textContent()).toBe(target.title);
    await capture(page, 'map-search');

    await found.locator('button[data-choice=favorite]').click();
    rated.set(target.work, 'favorite');
    await expect
      .poll(() => canvas.getAttribute('data-you'), { timeout: 20_000 })
      .not.toBe(`${you.x},${you.y}`);
    const [x, y] = ((await canvas.getAttribute('data-you')) ?? '').split(',').map(Number);
    // The visitor's place is the weighted mean of the works they like: a new favorite pulls it towards itself.
    expect(Math.hypot(target.x - x, target.y - y)).toBeLessThan(distance(target));
    // The map stayed where it was (no reload): the work found is still ringed.
    expect(await canvas.getAttribute('data-located')).toBe(target.work);
  });

  it('rates in the mosaic with the keyboard alone', async () => {
    const context = await web.browser.newContext({
      baseURL: web.base,
      viewport: { width: 1280, height: 900 },
    });
    const keyboard = await context.newPage();
    await keyboard.goto('/');
    await keyboard.waitForSelector('[data-testid=mosaic] article[data-work]');
    const inSlot = () =>
      keyboard.evaluate(
        () => document.activeElement?.closest('article[data-slot]')?.getAttribute('data-slot') ?? '',
      );
    const votes: [string, string][] = [];
    for (const [slot, key, choice] of [
      ['popular', '2', 'like'],
      ['controversial', '4', 'dislike'],
      ['top', '1', 'favorite'],
    ]) {
      for (let tabs = 0; (await inSlot()) !== slot; tabs++) {
        expect(tabs).toBeLessThan(60);
        await keyboard.keyboard.press('Tab');
      }
      const work = (await card(keyboard, slot).getAttribute('data-work')) ?? '';
      await keyboard.keyboard.press(key);
      await expect
        .poll(() => card(keyboard, slot).getAttribute('data-work'), { timeout: 20_000 })
        .not.toBe(work);
      votes.push([work, choice]);
      // The focus stays in the slot, on its new card.
      expect(await inSlot()).toBe(slot);
    }
    await expect.poll(() => savedRatings(keyboard), { timeout: 20_000 }).toEqual(new Map(votes));
    await context.close();
  });

  it('shows the k-DPP slot in the mosaic: a work drawn to cover the visitor’s tastes', async () => {
    const context = await web.browser.newContext({
      baseURL: web.base,
      viewport: { width: 1280, height: 900 },
    });
    const visitor = await context.newPage();
    await visitor.goto('/');
    const dpp = card(visitor, 'dpp');
    await expect.poll(() => dpp.getAttribute('data-work'), { timeout: 20_000 }).toBeTruthy();
    expect(await dpp.locator('.slot').textContent()).toBe('To cover your tastes');
    expect(await dpp.locator('.slot').getAttribute('title')).toMatch(/unlike those on screen/);
    const onScreen = await visitor
      .locator('[data-testid=mosaic] article[data-work]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-work')));
    expect(new Set(onScreen).size).toBe(onScreen.length);
    // The card comes from the k-DPP draw (the demo's model serves), not from the popular fallback.
    const excluded = onScreen.join(',');
    const answer = await (await visitor.request.get(`/api/mosaic/dpp?exclude=${excluded}`)).json();
    expect(answer.from).toBe('dpp');
    expect(onScreen).not.toContain(answer.work.id);
    // A vote on it brings another work drawn for the slot.
    const work = (await dpp.getAttribute('data-work')) ?? '';
    await dpp.locator('button[data-choice=like]').click();
    await expect.poll(() => dpp.getAttribute('data-work'), { timeout: 20_000 }).not.toBe(work);
    expect(await dpp.getAttribute('data-work')).toBeTruthy();
    await context.close();
  });

  it('shows every other page (screenshots), on a desktop and on a phone', async () => {
    for (const [path, name, ready] of [
      ['/lists/top', 'list-top', '[data-testid=work-list] .tile'],
      ['/lists/pearls', 'list-pearls', '[data-testid=work-list] .tile'],
      ['/lists/controversial', 'list-controversial', '[data-testid=work-list] .tile'],
      ['/search?q=NAUSICAA', 'search', '[data-testid=work-list] .tile'],
      ['/import', 'import', '#mal-file'],
    ]) {
      await page.goto(path);
      await page.waitForSelector(ready);
      await capture(page, name);
    }
    // Case and accents are ignored: "NAUSICAA" finds "Kaze no Tani no Nausicaä".
    await page.goto('/search?q=NAUSICAA');
    await expect
      .poll(() => page.locator('[data-testid=work-list] span.title').allTextContents())
      .toContain('Kaze no Tani no Nausicaä');

    const phone = await web.browser.newContext({
      baseURL: web.base,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const mobile = await phone.newPage();
    await mobile.goto('/');
    await mobile.waitForSelector('[data-testid=mosaic] article[data-work]');
    await capture(mobile, 'phone-mosaic');
    await mobile.goto('/login');
    await mobile.waitForSelector('#username');
    await capture(mobile, 'login');
    await phone.close();
  });

  it('lets an admin see the model versions, their metrics and the learning curve', async () => {
    const context = await web.browser.newContext({
      baseURL: web.base,
      viewport: { width: 1280, height: 900 },
    });
    const admin = await context.newPage();
    await logInAsAdmin(admin, web.base);
    await admin.goto('/admin');
    const table = admin.locator('[data-testid=models-table]');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
    await admin.locator('[data-testid=learning-curve]').waitFor();
    await capture(admin, 'admin');
    await context.close();
  });

  it('breaks no WCAG 2.1 A or AA rule on any page it showed (axe-core)', () => {
    expect(Object.fromEntries(violations)).toEqual({});
  });
});
