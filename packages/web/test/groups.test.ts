import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { pageChecks, shownWorks, useDemoBrowser } from './browser.js';

/** A loaded machine can take seconds to answer: speed is the bench's business, not this test's. */
const SLOW = { timeout: 20_000 };

/** Signs a new account up in a browser context of its own (`width` wide) and rates `favorites` as favorites. */
async function newAccount(
  browser: Browser,
  base: string,
  username: string,
  favorites: readonly string[],
  width: number,
): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, viewport: { width, height: 900 } });
  const page = await context.newPage();
  await page.goto('/signup');
  await page.fill('#username', username);
  await page.fill('#password', `${username}-password-1`);
  await page.click('button[type=submit]');
  await page.waitForURL('**/recommendations');
  const { csrfToken } = await (await page.request.get('/api/session')).json();
  for (const work of favorites) {
    const saved = await page.request.put(`/api/ratings/${work}`, {
      data: { choice: 'favorite' },
      headers: { 'x-csrf-token': csrfToken },
    });
    expect(saved.status()).toBe(200);
  }
  return page;
}

/** Follows `username` through the Friends form and waits until the list shows them. */
async function followThroughForm(page: Page, username: string): Promise<void> {
  await page.fill('[data-testid=follow-form] input', username);
  await page.click('[data-testid=follow-form] button[type=submit]');
  await expect.poll(() => page.locator('[data-testid=following]').textContent(), SLOW).toContain(username);
}

/**
 * Watch parties end to end, in Chromium against the real service on the demo data: two accounts sign up,
 * follow each other, one makes a party with the other, and both see the party's recommendations with the
 * rule in one sentence and, for each work, why it suits each member (the second on a phone's width).
 */
describe('watch parties, end to end in Chromium', () => {
  const web = useDemoBrowser();
  const { capture, violations } = pageChecks();

  it('two accounts follow each other, form a party and get its recommendations with per-member reasons', async () => {
    const top = (await (await fetch(`${web.base}/api/works?sort=top&pageSize=12`)).json()).items as {
      id: string;
    }[];
    const alice = await newAccount(
      web.browser,
      web.base,
      'party_alice',
      [top[0].id, top[2].id, top[4].id],
      1280,
    );
    const bob = await newAccount(web.browser, web.base, 'party_bob', [top[1].id, top[3].id, top[5].id], 390);
    const rated = new Set(top.slice(0, 6).map((w) => w.id));

    await alice.goto('/groups');
    await followThroughForm(alice, 'party_bob');
    // Bob arrives through the phone menu, and follows back from his followers.
    await bob.goto('/');
    await bob.click('button.menu-toggle');
    await bob.click('nav >> text=Groups');
    await bob.waitForURL('**/groups');
    await expect
      .poll(() => bob.locator('[data-testid=followers]').textContent(), SLOW)
      .toContain('party_alice');
    await bob.click('[data-testid=followers] >> text=follow back');
    await expect
      .poll(() => bob.locator('[data-testid=following]').textContent(), SLOW)
      .toContain('party_alice');

    // Alice makes the party and adds Bob, who now follows her.
    await alice.reload();
    await alice.fill('[data-testid=party-form] input', 'Movie night');
    await alice.click('[data-testid=party-form] button[type=submit]');
    await alice.locator('[data-testid=member-form] select').waitFor();
    await expect
      .poll(() => alice.locator('[data-testid=member-form] option').allTextContents(), SLOW)
      .toContain('party_bob');
    await alice.selectOption('[data-testid=member-form] select', 'party_bob');
    await alice.click('[data-testid=member-form] button[type=submit]');
    await expect
      .poll(() => alice.locator('[data-testid=party]').textContent(), SLOW)
      .toContain('party_alice, party_bob');

    // The party's recommendations: the rule said in a sentence, no work either member rated, and for
    // each work a reason per member.
    const items = alice.locator('[data-testid=group-recommendations] > li');
    // Until Bob's side arrives, the list on screen is the one for Alice alone.
    await expect.poll(() => items.first().locator('[data-member=party_bob]').count(), SLOW).toBe(1);
    expect(await alice.locator('[data-testid=rule-text]').textContent()).toMatch(
      /mean of what the model predicts/,
    );
    const works = await shownWorks(alice, '[data-testid=group-recommendations] > li');
    expect(works.filter((w) => rated.has(w))).toEqual([]);
    const first = items.first();
    expect(
      await first
        .locator('[data-member]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-member'))),
    ).toEqual(['party_alice', 'party_bob']);
    const bobReason = first.locator('[data-member=party_bob] details');
    await bobReason.locator('summary').click();
    // Bob's reason names a work Bob rated, as Bob's.
    await expect
      .poll(() => bobReason.locator('[data-testid=why]').textContent(), SLOW)
      .toMatch(/party_bob made a favorite/);
    await capture(alice, 'groups');

    // Another rule, chosen on the page, says its own sentence.
    await alice.selectOption('[data-testid=group-rule]', 'least-misery');
    await expect
      .poll(() => alice.locator('[data-testid=rule-text]').textContent(), SLOW)
      .toMatch(/least any member/);

    // Bob sees the same party on his phone, within its width.
    await bob.reload();
    await expect.poll(() => bob.locator('[data-testid=party]').textContent(), SLOW).toContain('Movie night');
    await expect
      .poll(() => bob.locator('[data-testid=group-recommendations] > li [data-member=party_alice]').count(), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    expect(await bob.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await capture(bob, 'groups-phone');
  });

  it('breaks no WCAG 2.1 A or AA rule on the pages it showed (axe-core)', () => {
    expect(Object.fromEntries(violations)).toEqual({});
  });
});
