import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPOSITORY } from '@osusume/server/dist/test/processes.js';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where the end-to-end tests save a screenshot of every page (named in the README). */
export const SCREENSHOTS = resolve(REPOSITORY, 'docs/screenshots');

/** Debian's Chromium, never a downloaded browser (CHROMIUM overrides the path). */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium as these machines run it: no sandbox as root, and no calls to the outside. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** A full-page screenshot of the page as it is, under SCREENSHOTS. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Animations and the caret would make screenshots differ from run to run.
  await page.screenshot({
    path: resolve(SCREENSHOTS, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });
}

/** The work ids shown by the elements matching `selector` (their data-work attributes), in order. */
export function shownWorks(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (elements) => elements.map((e) => e.getAttribute('data-work') ?? ''));
}
