import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, screenshot, useDemoBrowser } from './browser.js';

/** Works of the bundled anime data (data/anime/anime.csv): MyAnimeList ids and titles. */
const FMA = { id: '5114', title: 'Fullmetal Alchemist: Brotherhood' };
const STEINS_GATE = { id: '9253', title: 'Steins;Gate' };
const YOUR_NAME = { id: '32281', title: 'Kimi no Na wa.' };
const HUNTER = { id: '11061', title: 'Hunter x Hunter (2011)' };
const GINTAMA = { id: '28977', title: 'Gintama°' };

interface MalEntry {
  id: string;
  title: string;
  score: number;
  status: string;
}

/** An export as MyAnimeList writes it (before it gzips it). */
function malExport(entries: MalEntry[]): string {
  const anime = entries.map(
    (e) => `  <anime>
    <series_animedb_id>${e.id}</series_animedb_id>
    <series_title><![CDATA[${e.title}]]></series_title>
    <series_type>TV</series_type>
    <my_watched_episodes>0</my_watched_episodes>
    <my_score>${e.score}</my_score>
    <my_status>${e.status}</my_status>
    <update_on_import>0</update_on_import>
  </anime>`,
  );
  return `<?xml version="1.0" encoding="UTF-8" ?>
<myanimelist>
  <myinfo>
    <user_name>someone</user_name>
    <user_export_type>1</user_export_type>
  </myinfo>
${anime.join('\n')}
</myanimelist>
`;
}

/** A loaded machine (the whole suite runs files side by side on two cores) can take seconds to answer. */
const PATIENT = { timeout: 20_000 };

/** Texts as a reader sees them: the template's line breaks are spaces. */
const texts = async (locator: Locator) =>
  (await locator.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());

/** The visitor's ratings, as the service has them. */
async function ratingsOf(page: Page): Promise<Record<string, string>> {
  const { items } = await (await page.request.get('/api/ratings')).json();
  return Object.fromEntries(items.map((r: { work: string; choice: string }) => [r.work, r.choice]));
}

/** Rates a work on its page, as a visitor does. */
async function rateOnWorkPage(page: Page, work: { id: string; title: string }, choice: string) {
  await page.goto(`/works/${work.id}`);
  const button = page
    .getByRole('group', { name: `Rate ${work.title}`, exact: true })
    .locator(`button[data-choice=${choice}]`);
  await button.click();
  await expect.poll(() => button.getAttribute('aria-pressed'), PATIENT).toBe('true');
}

/**
 * Imports and merges say what happened, end to end in Chromium on the real service and the bundled anime
 * data: a visitor imports the .xml.gz MyAnimeList hands out and settles the conflicts; another logs in and
 * is told which of their anonymous votes won or lost against the account's ratings.
 */
describe('imports and merges in the web app, end to end in Chromium', () => {
  /** The export files the visitor uploads. */
  const files = mkdtempSync(join(tmpdir(), 'osusume-import-'));
  const web = useDemoBrowser();

  afterAll(() => rmSync(files, { recursive: true, force: true }));

  const newPage = async () =>
    (await web.browser.newContext({ baseURL: web.base, viewport: { width: 1280, height: 900 } })).newPage();

  it('a visitor imports a MyAnimeList .xml.gz, sees the summary and the conflicts, and takes MyAnimeList’s choice', async () => {
    const page = await newPage();
    await rateOnWorkPage(page, FMA, 'dislike');
    await rateOnWorkPage(page, STEINS_GATE, 'neutral');
    const file = join(files, 'animelist_1717171717_-_1234567.xml.gz');
    writeFileSync(
      file,
      gzipSync(
        malExport([
          { ...FMA, score: 10, status: 'Completed' },
          { ...STEINS_GATE, score: 8, status: 'Completed' },
          { ...YOUR_NAME, score: 9, status: 'Completed' },
          { ...HUNTER, score: 0, status: 'Plan to Watch' },
          { ...GINTAMA, score: 0, status: 'Watching' },
          { id: '99999999', title: 'Not In The Catalogue', score: 7, status: 'Completed' },
        ]),
      ),
    );

    await page.goto('/import');
    await page.setInputFiles('#mal-file', file);
    const summary = page.locator('[data-testid=import-summary] li');
    await summary.first().waitFor();
    expect(await texts(summary)).toEqual([
      '2 new ratings added',
      '0 already rated as in your export',
      '2 rated otherwise before: 2 kept as you had them, 0 now MyAnimeList’s',
      '1 entries gave no rating (watching or on hold without a score)',
      '1 not found in the catalogue',
    ]);
    const row = (work: { id: string }) =>
      page.locator(`[data-testid=import-conflicts] tr[data-work="${work.id}"]`);
    expect(await texts(row(FMA).locator('td'))).toEqual([
      FMA.title,
      'Dislike',
      'Favorite',
      'Use MyAnimeList’s choice for Fullmetal Alchemist: Brotherhood',
    ]);
    expect(await texts(row(STEINS_GATE).locator('td')).then((cells) => cells.slice(0, 3))).toEqual([
      STEINS_GATE.title,
      'Neutral',
      'Like',
    ]);
    // Nothing the visitor rated was overwritten; 9–10 became favorites.
    expect(await ratingsOf(page)).toEqual({
      [FMA.id]: 'dislike',
      [STEINS_GATE.id]: 'neutral',
      [YOUR_NAME.id]: 'favorite',
      [HUNTER.id]: 'willsee',
    });
    await screenshot(page, 'import-conflicts');
    expect(await accessibilityViolations(page)).toEqual([]);

    // One work: Steins;Gate takes MyAnimeList's choice, Fullmetal Alchemist keeps the visitor's.
    await page
      .getByRole('button', { name: `Use MyAnimeList’s choice for ${STEINS_GATE.title}`, exact: true })
      .click();
    await expect.poll(() => texts(row(STEINS_GATE).locator('td').nth(3)), PATIENT).toEqual(['Now Like']);
    expect(await ratingsOf(page)).toMatchObject({ [FMA.id]: 'dislike', [STEINS_GATE.id]: 'like' });

    // Then the rest in one click.
    await page.getByRole('button', { name: 'Use MyAnimeList’s choice for these (1)', exact: true }).click();
    await expect.poll(() => texts(row(FMA).locator('td').nth(3)), PATIENT).toEqual(['Now Favorite']);
    expect((await texts(summary))[2]).toBe(
      '2 rated otherwise before: 0 kept as you had them, 2 now MyAnimeList’s',
    );
    expect(await ratingsOf(page)).toEqual({
      [FMA.id]: 'favorite',
      [STEINS_GATE.id]: 'like',
      [YOUR_NAME.id]: 'favorite',
      [HUNTER.id]: 'willsee',
    });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('a visitor who logs in is told which anonymous votes replaced the account’s ratings and which lost to newer ones', async () => {
    const owner = await newPage();
    await owner.goto('/signup');
    await owner.fill('#username', 'merge_owner');
    await owner.fill('#password', 'merge-password-1');
    await owner.click('button[type=submit]');
    await owner.waitForURL('**/recommendations');
    await rateOnWorkPage(owner, FMA, 'like');

    const visitor = await newPage();
    await rateOnWorkPage(visitor, FMA, 'dislike');
    await rateOnWorkPage(visitor, STEINS_GATE, 'neutral');
    await rateOnWorkPage(visitor, YOUR_NAME, 'like');
    // On another device, the account rates Steins;Gate after the visitor did.
    await rateOnWorkPage(owner, STEINS_GATE, 'favorite');

    await visitor.goto('/login');
    await visitor.fill('#username', 'merge_owner');
    await visitor.fill('#password', 'merge-password-1');
    await visitor.click('button[type=submit]');
    await visitor.waitForURL(`${web.base}/`);
    const notice = visitor.locator('[data-testid=merge-notice]');
    await notice.waitFor();
    expect(await texts(notice.locator('p').first())).toEqual([
      '2 ratings you made before logging in joined your account.',
    ]);
    expect(await texts(notice.locator('[data-testid=merge-replaced] li'))).toEqual([
      `${FMA.title}: Dislike (was Like)`,
    ]);
    expect(await texts(notice.locator('[data-testid=merge-kept] li'))).toEqual([
      `${STEINS_GATE.title}: Favorite (your Neutral was dropped)`,
    ]);
    expect(await ratingsOf(visitor)).toEqual({
      [FMA.id]: 'dislike',
      [STEINS_GATE.id]: 'favorite',
      [YOUR_NAME.id]: 'like',
    });
    await screenshot(visitor, 'login-merged');
    expect(await accessibilityViolations(visitor)).toEqual([]);
    await notice.getByRole('button', { name: 'Got it' }).click();
    await notice.waitFor({ state: 'detached' });
    await visitor.context().close();
    await owner.context().close();
  });
});
