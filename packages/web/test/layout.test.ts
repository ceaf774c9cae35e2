import type { BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { accessibilityViolations, logInAsAdmin, useDemoBrowser, type Violation } from './browser.js';

/**
 * How the web app looks and fits, measured in Chromium on the real service: grids of works whose rows are
 * full, two columns of small covers on a phone, a title written once per card, rating words that fit, an
 * admin table that fits a laptop, the phone menu and Escape, the light and dark themes (and axe in both),
 * dates in the reader's locale, and what sign-up says about the profile's privacy.
 */
describe('web app, looks and fits in Chromium', () => {
  const web = useDemoBrowser();
  const contexts: BrowserContext[] = [];

  const PHONE: BrowserContextOptions = {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  };
  const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };

  /** A new visitor's page (a context of its own: its own cookies and localStorage). */
  async function visit(options: BrowserContextOptions = DESKTOP): Promise<Page> {
    const context = await web.browser.newContext({ baseURL: web.base, ...options });
    contexts.push(context);
    return context.newPage();
  }

  /** Rates the mosaic's popular card, so that the home page shows recommendations. */
  async function rateOne(page: Page): Promise<void> {
    await page.goto('/');
    await page.locator('[data-testid=mosaic] article[data-slot=popular] button[data-choice=like]').click();
    await page.waitForSelector('[data-testid=recommendations] > li');
  }

  /** The most popular work's id. */
  async function popularWork(page: Page): Promise<string> {
    const works = await (await page.request.get('/api/works?sort=popular&pageSize=1')).json();
    return works.items[0].id;
  }

  /** The grid's items by row (how many in each), and how far its first row stops from its right edge. */
  function rowsOf(page: Page, grid: string): Promise<{ rows: number[]; unused: number }> {
    return page.$eval(grid, (element) => {
      const rows = new Map<number, number>();
      let right = 0;
      for (const item of Array.from(element.children)) {
        const box = item.getBoundingClientRect();
        rows.set(Math.round(box.top), (rows.get(Math.round(box.top)) ?? 0) + 1);
        right = Math.max(right, box.right);
      }
      return { rows: [...rows.values()], unused: element.getBoundingClientRect().right - right };
    });
  }

  /** The heights of the covers drawn in `scope`, in CSS pixels. */
  function coverHeights(page: Page, scope: string): Promise<number[]> {
    return page.$$eval(`${scope} svg.cover`, (covers) => covers.map((c) => c.getBoundingClientRect().height));
  }

  it('shows works in two columns of covers under 300 px on a phone (390 × 844)', async () => {
    const page = await visit(PHONE);
    await rateOne(page);
    const grids: [string, string][] = [['/', '[data-testid=mosaic]']];
    grids.push(['/', '[data-testid=recommendations]']);
    grids.push(['/lists/top', '[data-testid=work-list]']);
    grids.push(['/recommendations', '[data-testid=recommendations]']);
    grids.push([`/works/${await popularWork(page)}`, 'section.similar .work-grid']);
    for (const [path, grid] of grids) {
      await page.goto(path);
      await page.waitForSelector(`${grid} svg.cover`);
      const { rows } = await rowsOf(page, grid);
      expect(rows[0], `columns of ${grid} on ${path}`).toBe(2);
      const heights = await coverHeights(page, grid);
      expect(heights.length).toBeGreaterThan(0);
      expect(
        heights.filter((height) => height >= 300),
        `covers of ${grid} on ${path}`,
      ).toEqual([]);
    }
    // A work's own cover too.
    const [own] = await coverHeights(page, 'article.work > .cover');
    expect(own).toBeLessThan(300);
  });

  it('fills every row of a page of works, and the first row spans the width (phone to desktop)', async () => {
    const page = await visit();
    await rateOne(page);
    const grids: [string, string][] = [
      ['/', '[data-testid=mosaic]'],
      ['/', '[data-testid=recommendations]'],
      ['/lists/popular', '[data-testid=work-list]'],
      ['/recommendations', '[data-testid=recommendations]'],
      [`/works/${await popularWork(page)}`, 'section.similar .work-grid'],
    ];
    for (const [path, grid] of grids) {
      await page.goto(path);
      await page.waitForSelector(`${grid} svg.cover`);
      for (const width of [390, 600, 820, 1024, 1280, 1366, 1920]) {
        await page.setViewportSize({ width, height: 900 });
        const { rows, unused } = await rowsOf(page, grid);
        const where = `${grid} on ${path} at ${width} px`;
        // Every row holds as many works as the first one, the last row too.
        expect(rows, where).toEqual(rows.map(() => rows[0]));
        expect(rows[0], where).toBeGreaterThan(1);
        expect(Math.max(0, Math.round(unused)), where).toBe(0);
      }
    }
  });

  it("shows a work's title once on each card, and names its link by the title alone", async () => {
    const page = await visit();
    await page.goto('/');
    await page.waitForSelector('[data-testid=mosaic] article[data-work]');
    const cards = page.locator('[data-testid=mosaic] > article');
    for (const card of await cards.all()) {
      const title = (await card.locator('h2').textContent())?.trim() ?? '';
      expect(await timesShown(card, title)).toBe(1);
    }
    await page.goto('/lists/popular');
    const tiles = page.locator('[data-testid=work-list] > .tile');
    await tiles.first().waitFor();
    expect(await tiles.count()).toBe(24);
    for (const tile of await tiles.all()) {
      const title = (await tile.locator('span.title').textContent()) ?? '';
      expect(await timesShown(tile, title), title).toBe(1);
      expect(await tile.getByRole('link', { name: title, exact: true }).count(), title).toBe(1);
    }
  });

  /**
   * How many times `title` is written in what the element shows (its text, the covers' SVG text included),
   * leaving out what only screen readers get (visually hidden text, such as "Rate <title>").
   */
  function timesShown(element: Locator, title: string): Promise<number> {
    return element.evaluate((root, wanted) => {
      const copy = root.cloneNode(true) as Element;
      for (const hidden of Array.from(copy.querySelectorAll('.visually-hidden'))) hidden.remove();
      return (copy.textContent ?? '').split(wanted).length - 1;
    }, title);
  }

  it('fits the words of the rating buttons ("Won’t see"…) whole in their buttons at every size', async () => {
    const page = await visit();
    await rateOne(page);
    let shown = 0;
    for (const path of ['/', '/lists/top', '/recommendations', `/works/${await popularWork(page)}`]) {
      await page.goto(path);
      await page.waitForSelector('button.choice');
      for (const width of [320, 390, 480, 560, 640, 760, 820, 900, 1024, 1100, 1280, 1366, 1920]) {
        await page.setViewportSize({ width, height: 900 });
        const labels = await page.$$eval('button.choice .label', (spans) =>
          spans
            .filter((span) => span.getBoundingClientRect().width > 1) // words shown, not for screen readers only
            .map((span) => {
              const button = span.closest('button') as HTMLElement;
              const style = getComputedStyle(button);
              const box = button.getBoundingClientRect();
              const inner = {
                left:
                  box.left + Number.parseFloat(style.borderLeftWidth) + Number.parseFloat(style.paddingLeft),
                right:
                  box.right -
                  Number.parseFloat(style.borderRightWidth) -
                  Number.parseFloat(style.paddingRight),
              };
              const words = span.getBoundingClientRect();
              const fits =
                span.scrollWidth <= span.clientWidth &&
                words.left >= inner.left - 0.5 &&
                words.right <= inner.right + 0.5;
              return { words: span.textContent ?? '', fits };
            }),
        );
        shown += labels.length;
        const cut = labels.filter((label) => !label.fits).map((label) => label.words);
        expect(cut, `words cut on ${path} at ${width} px`).toEqual([]);
      }
    }
    expect(shown).toBeGreaterThan(0);
  });

  it('fits the admin model table in 1366 px without scrolling sideways', async () => {
    const page = await visit({ viewport: { width: 1366, height: 900 } });
    await logInAsAdmin(page, web.base);
    await page.goto('/admin');
    const table = page.locator('[data-testid=models-table]');
    await table.locator('tbody tr[data-version]').first().waitFor();
    const fit = await table.evaluate((element) => {
      const region = element.closest('.data-table') as HTMLElement;
      const edge = region.getBoundingClientRect().right;
      const cells = Array.from(element.querySelectorAll<HTMLElement>('th, td'));
      return {
        scrolls: region.scrollWidth > region.clientWidth,
        past: cells.filter((c) => c.getBoundingClientRect().right > edge + 0.5).map((c) => c.textContent),
        cut: cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent),
      };
    });
    expect(fit).toEqual({ scrolls: false, past: [], cut: [] });
  });

  it('closes the phone menu with Escape and gives the focus back to its toggle', async () => {
    const page = await visit(PHONE);
    await page.goto('/');
    const toggle = page.locator('button.menu-toggle');
    const nav = page.locator('#nav');
    await expect.poll(() => nav.isVisible()).toBe(false);
    await toggle.click();
    await expect.poll(() => nav.isVisible()).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Tab'); // into the menu
    expect(await page.evaluate(() => document.activeElement?.closest('#nav') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => nav.isVisible()).toBe(false);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.activeElement?.classList.contains('menu-toggle'))).toBe(true);
  });

  /** The page's background: 'light', 'dark', or its colour when it is neither. */
  function background(page: Page): Promise<string> {
    return page.evaluate(() => {
      const colour = getComputedStyle(document.documentElement).backgroundColor;
      const [r, g, b] = (colour.match(/[\d.]+/g) ?? []).map(Number);
      const brightness = (r + g + b) / 3;
      return brightness > 200 ? 'light' : brightness < 40 ? 'dark' : colour;
    });
  }

  it('follows the system theme, and a chosen one (kept across reloads, there before the app runs)', async () => {
    const page = await visit();
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/');
    const chooser = page.locator('select[data-testid=theme]');
    await chooser.waitFor();
    expect(await chooser.inputValue()).toBe('system');
    expect(await background(page)).toBe('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background(page)).toBe('dark');

    // Chosen: dark while the system asks for light, and still after a reload.
    await page.emulateMedia({ colorScheme: 'light' });
    await chooser.selectOption('dark');
    expect(await background(page)).toBe('dark');
    await page.reload();
    await chooser.waitFor();
    expect(await chooser.inputValue()).toBe('dark');
    expect(await background(page)).toBe('dark');
    // Without the app's scripts, the choice is already applied: the first paint has it.
    await page.route('**/assets/*.js', (route) => route.abort());
    await page.goto('/lists/top');
    expect(await background(page)).toBe('dark');
    await page.unroute('**/assets/*.js');

    await page.goto('/');
    await chooser.selectOption('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background(page)).toBe('light');
    // Back to the system's: the choice is forgotten.
    await chooser.selectOption('system');
    expect(await background(page)).toBe('dark');
    await page.reload();
    await chooser.waitFor();
    expect(await chooser.inputValue()).toBe('system');
    expect(await page.evaluate(() => document.documentElement.dataset.theme ?? 'none')).toBe('none');
  });

  it('breaks no WCAG 2.1 A or AA rule (axe-core) in the light theme nor in the dark one', async () => {
    const page = await visit();
    await rateOne(page);
    const work = await popularWork(page);
    const admin = await visit();
    await logInAsAdmin(admin, web.base);
    const pages: [Page, string, string][] = [
      [page, '/', '[data-testid=recommendations] > li'],
      [page, '/lists/top', '[data-testid=work-list] .tile'],
      [page, '/recommendations', '[data-testid=recommendations] > li'],
      [page, `/works/${work}`, 'section.similar .tile'],
      [page, '/watchlist', 'h1'],
      [page, '/profile', '.count'],
      [page, '/map', '[data-testid=map-canvas][data-drawn=true]'],
      [page, '/signup', '#username'],
      [admin, '/admin', '[data-testid=models-table] tbody tr'],
    ];
    const broken: Record<string, Violation[]> = {};
    for (const scheme of ['light', 'dark'] as const) {
      for (const [p, path, ready] of pages) {
        await p.emulateMedia({ colorScheme: scheme });
        await p.goto(path);
        await p.waitForSelector(ready, { timeout: 20_000 });
        expect(await background(p)).toBe(scheme);
        const violations = await accessibilityViolations(p);
        if (violations.length > 0) broken[`${scheme} ${path}`] = violations;
      }
    }
    expect(broken).toEqual({});
  });

  /** A reader whose languages are French while the browser itself speaks English. */
  const FRENCH_READER = () => {
    Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['fr-FR', 'fr'] });
    Object.defineProperty(Navigator.prototype, 'language', { get: () => 'fr-FR' });
  };

  it("writes dates in the reader's languages, not the browser's own", async () => {
    const page = await visit();
    await page.addInitScript(FRENCH_READER);
    await page.goto('/signup');
    expect(await page.evaluate(() => new Intl.DateTimeFormat().resolvedOptions().locale)).toMatch(/^en/);
    await page.fill('#username', 'lecteur');
    await page.fill('#password', 'lecteur-password-1');
    await page.click('button[type=submit]');
    await page.waitForURL('**/recommendations');
    const me = await (await page.request.get('/api/me')).json();
    await page.goto('/profile');
    await page.locator('h1', { hasText: 'lecteur' }).waitFor();
    const french = await page.evaluate(
      (iso) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium' }).format(new Date(iso)),
      me.createdAt,
    );
    expect(await page.locator('main').textContent()).toContain(`since ${french}`);

    const admin = await visit();
    await admin.addInitScript(FRENCH_READER);
    await logInAsAdmin(admin, web.base);
    await admin.goto('/admin');
    const created = admin.locator('[data-testid=models-table] tbody tr[data-version] time').first();
    await created.waitFor();
    const iso = (await created.getAttribute('datetime')) ?? '';
    const month = await admin.evaluate(
      (at) => new Intl.DateTimeFormat('fr-FR', { month: 'short' }).format(new Date(at)),
      iso,
    );
    const english = await admin.evaluate(
      (at) => new Intl.DateTimeFormat('en-US', { month: 'short' }).format(new Date(at)),
      iso,
    );
    const shown = (await created.textContent()) ?? '';
    expect(shown).toContain(month);
    if (month !== english) expect(shown).not.toContain(english);
  });

  it('says at sign-up that the profile will be public, as the service makes it, and where to change it', async () => {
    const page = await visit();
    await page.goto('/signup');
    const note = page.locator('[data-testid=privacy-note]');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/public/);
    expect(await note.getByRole('link', { name: 'your profile' }).getAttribute('href')).toBe('/profile');
    await page.fill('#username', 'e2e_public');
    await page.fill('#password', 'e2e-password-1');
    await page.click('button[type=submit]');
    await page.waitForURL('**/recommendations');
    const me = await (await page.request.get('/api/me')).json();
    expect(me.isPublic).toBe(true);
    await page.goto('/profile');
    expect(await page.locator('[data-testid=public]').isChecked()).toBe(true);
  });
});
