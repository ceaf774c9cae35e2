import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import {
  freePort,
  MAIN,
  REPOSITORY,
  type ServiceProcess,
  spawnService,
} from '@osusume/server/dist/test/processes.js';
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

/** A WCAG rule broken on a page, as axe-core reports it. */
export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * The WCAG 2.1 A and AA rules (labels, names, contrast, landmarks, ARIA…) that the page as it is now
 * breaks, checked by axe-core inside the page.
 */
export async function accessibilityViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    type Axe = {
      run(
        context: Document,
        options: object,
      ): Promise<{
        violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
      }>;
    };
    const axe = (window as unknown as { axe: Axe }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
}

/** An account the service creates at start (OSUSUME_ADMIN), for the admin pages. */
export const ADMIN = { username: 'admin', password: 'admin-password-1' };

/**
 * The real service on the bundled anime data (SQLite, the default model) in `home`, with the ADMIN account
 * and no scheduled training, as the web tests use it.
 */
export async function startDemoService(home: string): Promise<{ service: ServiceProcess; base: string }> {
  const port = await freePort();
  const service = spawnService({
    command: [process.execPath, MAIN],
    port,
    env: {
      OSUSUME_HOME: home,
      OSUSUME_WORKERS: '1',
      OSUSUME_ADMIN: `${ADMIN.username}:${ADMIN.password}`,
      OSUSUME_TRAIN_EVERY_MINUTES: '0',
      DATABASE_URL: undefined,
      DATABASE_SCHEMA: undefined,
      OSUSUME_DEMO_DATA: undefined,
      OSUSUME_MODEL: undefined,
      LOG_LEVEL: 'warn',
    },
  });
  await service.waitReady(150_000);
  return { service, base: service.baseUrl };
}

/** Logs `page` in as the ADMIN and waits for the home page. */
export async function logInAsAdmin(page: Page, base: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', ADMIN.username);
  await page.fill('#password', ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
}
