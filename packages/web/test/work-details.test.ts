import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoService, launchChromium, pageChecks, startDemoService } from './browser.js';

/** A 1×1 PNG (one blue pixel), the picture the test's own image server answers. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Imported text that looks like markup: the page must show it as text. */
const SYNOPSIS =
  'In 2071, bounty hunters <b>roam</b> the solar system. <img src=x onerror="window.hacked=1">';

/**
 * Work pages with the catalogue's details, end to end: the service imports a small catalogue written
 * here (year, studio, synopsis, a link out, images on a tiny HTTP server of the test's own, one of them
 * missing) and Chromium shows the work pages on a desktop and a phone.
 */
describe('work details and covers, end to end in Chromium', () => {
  let images: Server;
  let dir: string;
  let demo: DemoService | undefined;
  let browser: Browser | undefined;
  /** What the image server was asked for: paths and request headers. */
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  const { capture, violations } = pageChecks();

  beforeAll(async () => {
    images = createServer((request, response) => {
      requests.push({ path: request.url ?? '', headers: request.headers });
      if (request.url === '/cover.png') {
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
        response.end(PNG);
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('no such picture');
      }
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    const imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;

    dir = mkdtempSync(join(tmpdir(), 'osusume-web-details-'));
    const quoted = (text: string) => `"${text.replace(/"/g, '""')}"`;
    writeFileSync(
      join(dir, 'anime.csv'),
      [
        'anime_id,name,English name,genre,type,episodes,year,studio,synopsis,url,image_url',
        `1,Kauboi Bibappu,Cowboy Bebop,"Action, Sci-Fi",TV,26,1998,Sunrise,${quoted(SYNOPSIS)},https://example.org/anime/1,${imageBase}/cover.png`,
        `2,Perfect Blue,,"Drama, Horror",Movie,1,1997,Madhouse,,,${imageBase}/missing.png`,
        '3,Plain,,Comedy,OVA,2,,,,,',
        '4,Other,,"Action, Comedy",TV,12,,,,,',
        '5,Another,,"Drama, Sci-Fi",TV,13,,,,,',
      ].join('\n'),
    );
    // Enough ratings for the first start to train a model (the service is ready once it has one).
    const ratings = ['user_id,anime_id,rating'];
    for (let user = 1; user <= 12; user++) {
      for (let work = 1; work <= 5; work++) {
        if ((user + work) % 3 !== 0) ratings.push(`${user},${work},${1 + ((user * work) % 10)}`);
      }
    }
    writeFileSync(join(dir, 'ratings.csv'), `${ratings.join('\n')}\n`);
    demo = await startDemoService({ OSUSUME_DEMO_DATA: dir });
    browser = await launchChromium();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    await new Promise((resolve) => images.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string, viewport = { width: 1280, height: 900 }, phone = false): Promise<Page> {
    if (!demo || !browser) throw new Error('the service and Chromium start in beforeAll');
    const context = await browser.newContext({
      baseURL: demo.base,
      viewport,
      ...(phone ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
    });
    const page = await context.newPage();
    await page.goto(path);
    await page.locator('h1').waitFor();
    return page;
  }

  /** The picture once it has loaded: its width on screen, and its height per width in hundredths. */
  async function loadedPicture(page: Page): Promise<{ width: number; ratio: number }> {
    const picture = page.locator('.cover img[data-cover=picture]');
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    const box = await picture.boundingBox();
    if (!box) throw new Error('the picture is not on screen');
    return { width: box.width, ratio: Math.round((box.height / box.width) * 100) };
  }

  /** The facts list as pairs: [["Type", "TV (anime)"], ["Year", "1998"], …]. */
  const facts = (page: Page) =>
    page
      .locator('[data-testid=facts] > div')
      .evaluateAll((rows) =>
        rows.map((row) => [
          row.querySelector('dt')?.textContent ?? '',
          row.querySelector('dd')?.textContent ?? '',
        ]),
      );

  it('shows the details, the synopsis as text, a safe link out and the picture from its address', async () => {
    const page = await open('/works/1');
    expect(await page.locator('h1').textContent()).toBe('Kauboi Bibappu');
    expect(await page.locator('[data-testid=alternate-titles]').textContent()).toContain('Cowboy Bebop');
    expect(await facts(page)).toEqual([
      ['Type', 'TV (anime)'],
      ['Year', '1998'],
      ['Studio', 'Sunrise'],
      ['Episodes', '26'],
      ['Ratings', expect.stringMatching(/^\d+$/)],
    ]);
    // The markup in the imported synopsis is shown as written, not made into elements (nor run).
    const synopsis = page.locator('[data-testid=synopsis]');
    expect(await synopsis.textContent()).toBe(SYNOPSIS);
    expect(await synopsis.locator('*').count()).toBe(0);
    expect(await page.evaluate(() => (window as { hacked?: number }).hacked)).toBeUndefined();

    const link = page.locator('[data-testid=link-out]');
    expect(await link.getAttribute('href')).toBe('https://example.org/anime/1');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(await link.textContent()).toContain('example.org');

    // Shown at 2:3 whatever the picture's own shape (this one is square).
    expect((await loadedPicture(page)).ratio).toBe(150);
    const picture = page.locator('.cover img[data-cover=picture]');
    expect(await picture.getAttribute('loading')).toBe('lazy');
    expect([await picture.getAttribute('width'), await picture.getAttribute('height')]).toEqual([
      '200',
      '300',
    ]);
    expect(await picture.getAttribute('alt')).toBe('');
    expect(await page.locator('.cover svg[data-cover=drawn]').count()).toBe(0);
    // The image host is not told which page showed its picture.
    const asked = requests.find((r) => r.path === '/cover.png');
    expect(asked).toBeDefined();
    expect(asked?.headers.referer).toBeUndefined();
    await capture(page, 'work-details');
  });

  it('draws the cover when the picture fails to load, and shows only the details it has', async () => {
    const page = await open('/works/2');
    await page.locator('.cover svg[data-cover=drawn]').waitFor();
    expect(await page.locator('.cover img').count()).toBe(0);
    expect(requests.map((r) => r.path)).toContain('/missing.png');
    expect(await facts(page)).toEqual([
      ['Type', 'Movie (anime)'],
      ['Year', '1997'],
      ['Studio', 'Madhouse'],
      ['Episodes', '1'],
      ['Ratings', expect.stringMatching(/^\d+$/)],
    ]);
    expect(await page.locator('[data-testid=synopsis]').count()).toBe(0);
    expect(await page.locator('[data-testid=link-out]').count()).toBe(0);

    // A work without a picture address gets the drawn cover at once, without asking anyone.
    const before = requests.length;
    const plain = await open('/works/3');
    await plain.locator('.cover svg[data-cover=drawn]').waitFor();
    expect(requests.length).toBe(before);
    expect((await facts(plain)).map(([name]) => name)).toEqual(['Type', 'Episodes', 'Ratings']);
  });

  it('fits a phone: nothing wider than the screen, the picture at 2:3', async () => {
    const page = await open('/works/1', { width: 390, height: 844 }, true);
    const picture = await loadedPicture(page);
    expect(picture.width).toBeGreaterThan(100);
    expect(picture.width).toBeLessThanOrEqual(390);
    expect(picture.ratio).toBe(150);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const synopsis = await page.locator('[data-testid=synopsis]').boundingBox();
    expect(synopsis && synopsis.x + synopsis.width).toBeLessThanOrEqual(390);
    await capture(page, 'work-details-phone');
  });

  it('breaks no WCAG 2.1 A or AA rule on these pages (axe-core)', () => {
    expect(Object.fromEntries(violations)).toEqual({});
  });
});
