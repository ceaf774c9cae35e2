import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killAll, type ServiceProcess } from '@osusume/server/dist/test/processes.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchChromium,
  savedRatings,
  spawnWebService,
  type Violation,
} from './browser.js';

/**
 * The web app when things go wrong, against the real service in Chromium: votes made while the service
 * is down (really down: its process stopped, then started again on the same port and data) are kept and
 * saved once it is back; pages that cannot load say so and offer a retry; unknown addresses lead
 * somewhere; keys 1–6 rate a work as soon as its page shows; a normal page load logs no error.
 */
describe('web app, when the service is away or the address leads nowhere', () => {
  const home = mkdtempSync(join(tmpdir(), 'osusume-web-resilience-'));
  let port: number;
  let service: ServiceProcess;
  let browser: Browser;
  /** The WCAG rules broken by each state of a page checked. */
  const violations = new Map<string, Violation[]>();

  beforeAll(async () => {
    port = await freePort();
    service = spawnWebService(home, port);
    await service.waitReady(150_000);
    browser = await launchChromium();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await killAll();
    rmSync(home, { recursive: true, force: true });
  });

  async function visitor(options: { phone?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({
      baseURL: `http://127.0.0.1:${port}`,
      ...(options.phone
        ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
        : { viewport: { width: 1280, height: 900 } }),
    });
    return context.newPage();
  }

  async function checkAccessibility(page: Page, name: string): Promise<void> {
    const broken = await accessibilityViolations(page);
    if (broken.length > 0) violations.set(name, broken);
  }

  const card = (page: Page, slot: string) => page.locator(`[data-testid=mosaic] article[data-slot=${slot}]`);
  const waitingWords = (page: Page) => page.locator('[data-testid=votes-waiting]').textContent();

  it('keeps votes made while the service is down, shows them waiting, and saves them once it is back', async () => {
    const page = await visitor();
    await page.goto('/');
    await page.waitForSelector('[data-testid=mosaic] article[data-work]');
    const popular = card(page, 'popular');
    const work = (await popular.getAttribute('data-work')) ?? '';
    // A second tab of the same visitor, which will be closed while its vote waits.
    const closing = await page.context().newPage();
    await closing.goto('/');
    await closing.waitForSelector('[data-testid=mosaic] article[data-work]');
    const otherWork = (await card(closing, 'top').getAttribute('data-work')) ?? '';
    expect(otherWork).not.toBe(work);
    // A third tab, on a list, to see a page fail to load while the service is down.
    const browsing = await page.context().newPage();
    await browsing.goto('/lists/top');
    await browsing.waitForSelector('[data-testid=work-list] .tile');

    const failed = browsing.locator('[data-testid=load-failed]');

    await service.stop({ timeoutMs: 30_000 });
    try {
      await popular.locator('button[data-choice=like]').click();
      // The card stays, says its vote waits, and the page says why; nothing is reported as lost.
      await expect
        .poll(() => popular.locator('[data-testid=vote-waiting]').textContent(), { timeout: 10_000 })
        .toBe('Waiting to be saved…');
      expect(await popular.getAttribute('data-work')).toBe(work);
      expect(await popular.locator('button[data-choice=like]').getAttribute('aria-pressed')).toBe('true');
      expect(await waitingWords(page)).toContain(
        'One vote is waiting to be saved: the service cannot be reached',
      );
      expect(await page.locator('[data-testid=vote-refused]').count()).toBe(0);
      await checkAccessibility(page, 'mosaic, a vote waiting');

      await card(closing, 'top').locator('button[data-choice=dislike]').click();
      await expect
        .poll(() => card(closing, 'top').locator('[data-testid=vote-waiting]').textContent(), {
          timeout: 10_000,
        })
        .toBe('Waiting to be saved…');
      await closing.close();

      // Another list cannot load: the page says so and offers a retry.
      await browsing.getByRole('link', { name: 'Popular', exact: true }).click();
      await failed.waitFor();
      expect(await failed.textContent()).toContain('Could not load this list');
      expect(await failed.textContent()).toContain('The service cannot be reached');
      await checkAccessibility(browsing, 'list, load failed');
    } finally {
      // Back on the same port and data, whatever happened above: for the rest of this test and the next.
      service = spawnWebService(home, port);
      await service.waitReady(150_000);
    }

    // Both votes are saved (the closed tab's too, from the browser's storage), and the deck moves on.
    await expect.poll(() => popular.getAttribute('data-work'), { timeout: 60_000 }).not.toBe(work);
    expect((await savedRatings(page)).get(work)).toBe('like');
    await expect.poll(async () => (await savedRatings(page)).get(otherWork)).toBe('dislike');
    await expect.poll(() => waitingWords(page)).toBe('');
    expect(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('osusume.votes'))),
    ).toEqual([]);

    await failed.getByRole('button', { name: 'Retry' }).click();
    await browsing.waitForSelector('[data-testid=work-list] .tile');
    expect(await failed.count()).toBe(0);
    expect(await browsing.locator('h1').textContent()).toBe('Popular');
  }, 300_000);

  it('tells the visitor about a vote the service refused, and does not keep it', async () => {
    const page = await visitor();
    await page.goto('/');
    await page.waitForSelector('[data-testid=mosaic] article[data-work]');
    // A vote left by an earlier visit, on a work the catalogue does not have (any more).
    await page.evaluate(() =>
      localStorage.setItem(
        'osusume.votes.new',
        JSON.stringify([
          { id: 'v1', work: 'no-such-work', title: 'A vanished work', choice: 'like', before: null },
        ]),
      ),
    );
    const puts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT') puts.push(new URL(request.url()).pathname);
    });
    await page.reload();
    const refusal = page.locator('[data-testid=vote-refused]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(
      'Your vote on “A vanished work” was not saved: the service refused it (no work "no-such-work")',
    );
    expect(await page.evaluate(() => localStorage.getItem('osusume.votes.new'))).toBe(null);
    expect(puts).toEqual(['/api/ratings/no-such-work']);
    await checkAccessibility(page, 'mosaic, a vote refused');
    await refusal.getByRole('button', { name: 'Dismiss' }).click();
    expect(await refusal.count()).toBe(0);
  });

  it('shows pages with ways on for an unknown work, a profile without an account and an unknown address', async () => {
    const page = await visitor();
    const heading = () => page.locator('h1').textContent();
    for (const { path, title, says, ways, arrival } of [
      {
        path: '/works/no-such-work',
        title: 'No such work',
        says: '“no-such-work”',
        ways: ['Search for a title', 'Rate works in the mosaic', 'Browse the top works'],
        arrival: 'Search',
      },
      {
        path: '/profile',
        title: 'No profile yet',
        says: 'you are not logged in',
        ways: ['Log in', 'Sign up', 'Rate works in the mosaic'],
        arrival: 'Log in',
      },
      {
        path: '/nowhere/at/all',
        title: 'Nothing here',
        says: 'no page at /nowhere/at/all',
        ways: ['Rate works in the mosaic', 'Search for a title'],
        arrival: 'What have you seen?',
      },
    ]) {
      await page.goto(path);
      await expect.poll(heading).toBe(title);
      const deadEnd = page.locator('[data-testid=dead-end]');
      expect(await deadEnd.textContent()).toContain(says);
      for (const way of ways) expect(await deadEnd.getByRole('link', { name: way }).count(), way).toBe(1);
      await checkAccessibility(page, title);
      // The first way on leads to its page.
      await deadEnd.getByRole('link', { name: ways[0] }).click();
      await expect.poll(heading).toBe(arrival);
    }
  });

  it('rates a work with keys 1–6 as soon as its page shows, without tabbing to the buttons', async () => {
    const page = await visitor();
    const { items } = await (await page.request.get('/api/works?sort=popular&pageSize=1')).json();
    const work: string = items[0].id;
    await page.goto(`/works/${work}`);
    await page.locator('h1').waitFor();
    const pressed = (choice: string) =>
      page
        .locator(`[aria-labelledby=your-rating] button[data-choice=${choice}]`)
        .getAttribute('aria-pressed');
    // The focus is not in the rating buttons: on the page's content, as after every navigation.
    expect(await page.evaluate(() => !document.activeElement?.closest('fieldset'))).toBe(true);

    await page.keyboard.press('2');
    await expect.poll(() => pressed('like')).toBe('true');
    await expect.poll(async () => (await savedRatings(page)).get(work)).toBe('like');
    // The same key again removes the rating; another key sets another choice.
    await page.keyboard.press('2');
    await expect.poll(async () => (await savedRatings(page)).has(work)).toBe(false);
    expect(await pressed('like')).toBe('false');
    await page.keyboard.press('5');
    await expect.poll(async () => (await savedRatings(page)).get(work)).toBe('willsee');
    expect(await pressed('willsee')).toBe('true');
    // With a modifier, the key is the browser's, not a vote (which would show at once).
    await page.keyboard.press('Control+1');
    expect(await pressed('favorite')).toBe('false');
    expect(await pressed('willsee')).toBe('true');
    expect(await page.locator('.key-hint').isVisible()).toBe(true);
    await checkAccessibility(page, 'work');
  });

  it('hides the hint about keys on a phone', async () => {
    const phone = await visitor({ phone: true });
    await phone.goto('/');
    await phone.waitForSelector('[data-testid=mosaic] article[data-work]');
    expect(await phone.locator('.key-hint').count()).toBe(1);
    expect(await phone.locator('.key-hint').isVisible()).toBe(false);
    const work = await card(phone, 'popular').getAttribute('data-work');
    await phone.goto(`/works/${work}`);
    await phone.locator('h1').waitFor();
    expect(await phone.locator('.key-hint').count()).toBe(1);
    expect(await phone.locator('.key-hint').isVisible()).toBe(false);
  });

  it('loads the home page without an error in the console (its icon included)', async () => {
    const page = await visitor();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const icons: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/favicon.svg') icons.push(response.status());
    });
    await page.goto('/');
    await page.waitForSelector('[data-testid=mosaic] article[data-work]');
    await expect.poll(() => icons).toEqual([200]);
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
  });

  it('breaks no WCAG 2.1 A or AA rule in the states it checked (axe-core)', () => {
    expect(Object.fromEntries(violations)).toEqual({});
  });
});
