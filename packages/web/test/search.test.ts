import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  screenshot,
  shownWorks,
  useDemoBrowser,
  type Violation,
} from './browser.js';

/**
 * The search page end to end: the real service on the bundled anime data (SQLite) and Chromium, a
 * visitor typing a misspelt title without pressing Enter, narrowing the results by type and genre,
 * sharing the address.
 */
describe('search as you type, end to end in Chromium', () => {
  const web = useDemoBrowser();
  let page: Page;
  const violations = new Map<string, Violation[]>();

  beforeAll(async () => {
    const context = await web.browser.newContext({
      baseURL: web.base,
      viewport: { width: 1280, height: 900 },
    });
    page = await context.newPage();
  });

  const titles = () => page.locator('[data-testid=work-list] span.title').allTextContents();
  const status = () => page.locator('[data-testid=result-count]').textContent();
  const address = () => new URL(page.url()).searchParams;
  /** The number the status line announces ("1,234 works match …"). */
  const announced = async () =>
    Number((/^([\d,]+) works?/.exec((await status()) ?? '')?.[1] ?? '0').replace(/,/g, ''));
  const work = async (id: string) => (await (await page.request.get(`/api/works/${id}`)).json()).work;

  it('finds Naruto while "nartuo" is typed, without Enter, and keeps the search in the address', async () => {
    await page.goto('/search');
    await page.locator('#q').click();
    await page.keyboard.type('nartuo', { delay: 40 });
    await expect.poll(titles, { timeout: 20_000 }).toContain('Naruto');
    await expect.poll(status).toMatch(/^[\d,]+ works match “nartuo”\.$/);
    expect(address().get('q')).toBe('nartuo');
    // The box kept the focus while the results came.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');

    // The address is the search: a reload (or a shared link) shows it again.
    await page.reload();
    await expect.poll(titles, { timeout: 20_000 }).toContain('Naruto');
    expect(await page.locator('#q').inputValue()).toBe('nartuo');
  });

  it('narrows the results by type, then by genre', async () => {
    const all = await announced();
    await page.locator('[data-testid=type-filter]').selectOption('Movie');
    await expect.poll(() => address().get('type')).toBe('Movie');
    await expect.poll(titles).not.toContain('Naruto');
    const movies = await announced();
    expect(movies).toBeGreaterThan(0);
    expect(movies).toBeLessThan(all);
    const shown = await shownWorks(page, '[data-testid=work-list] article[data-work]');
    for (const id of shown) expect((await work(id)).type).toBe('Movie');

    await page.locator('[data-testid=genre-filter]').selectOption('Comedy');
    await expect.poll(() => address().get('genre')).toBe('Comedy');
    await expect.poll(announced).toBeLessThan(movies);
    const comedies = await shownWorks(page, '[data-testid=work-list] article[data-work]');
    expect(comedies.length).toBeGreaterThan(0);
    for (const id of comedies) {
      const { type, genres } = await work(id);
      expect(type).toBe('Movie');
      expect(genres).toContain('Comedy');
    }
    expect(address().get('q')).toBe('nartuo');
    await screenshot(page, 'search-filters');
    violations.set('search-filters', await accessibilityViolations(page));
  });

  it('never lets a slow answer to older text replace the answer to newer text', async () => {
    await page.goto('/search');
    // The answer for "one" (hundreds of works) comes late, after the one for "one piece".
    await page.route(
      (url) => url.pathname === '/api/works' && url.searchParams.get('q') === 'one',
      async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        await route.continue().catch(() => {}); // aborted by the page meanwhile: nothing to answer
      },
    );
    await page.locator('#q').click();
    await page.keyboard.type('one');
    await expect.poll(() => address().get('q')).toBe('one');
    await page.keyboard.type(' piece');
    await expect.poll(status, { timeout: 20_000 }).toMatch(/ match “one piece”\.$/);
    const answered = { status: await status(), titles: await titles() };
    expect(answered.titles).toContain('One Piece');
    await page.waitForTimeout(3000);
    expect({ status: await status(), titles: await titles() }).toEqual(answered);
    await page.unrouteAll();
    violations.set('search-typed', await accessibilityViolations(page));
  });

  it('breaks no WCAG 2.1 A or AA rule (axe-core)', () => {
    expect(Object.fromEntries([...violations].filter(([, broken]) => broken.length > 0))).toEqual({});
  });
});
