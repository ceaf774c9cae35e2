import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  freePort,
  killAll,
  MAIN,
  REPOSITORY,
  type ServiceProcess,
  spawnService,
} from '@osusume/server/dist/test/processes.js';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/** Where the end-to-end tests save a screenshot of every page (named in docs/web.md). */
export const SCREENSHOTS = resolve(REPOSITORY, 'docs/screenshots');

/** Debian's Chromium, never a downloaded browser (CHROMIUM overrides the path). */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * The service on the bundled anime data kept in `home` (SQLite; a second start on the same home finds
 * its database and model again), one API process, no scheduled training, and nothing taken from this
 * shell's database or model settings.
 */
export function spawnWebService(
  home: string,
  port: number,
  env: Record<string, string | undefined> = {},
): ServiceProcess {
  const notFromHere = ['DATABASE_URL', 'DATABASE_SCHEMA', 'OSUSUME_DEMO_DATA', 'OSUSUME_MODEL'];
  return spawnService({
    command: [process.execPath, MAIN],
    port,
    env: {
      ...Object.fromEntries(notFromHere.map((name) => [name, undefined])),
      OSUSUME_HOME: home,
      OSUSUME_WORKERS: '1',
      OSUSUME_TRAIN_EVERY_MINUTES: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

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

/** The ratings the service saved for the visitor of `page`'s browser context, by work id. */
export async function savedRatings(page: Page): Promise<Map<string, string>> {
  const { items } = (await (await page.request.get('/api/ratings')).json()) as {
    items: { work: string; choice: string }[];
  };
  return new Map(items.map((r) => [r.work, r.choice]));
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

/** The service a test file runs its pages against, and how to stop it. */
export interface DemoService {
  service: ServiceProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Kills the service and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * spawnWebService in a data directory of its own, on a free port, with the ADMIN account, once it is
 * ready (a first start imports the demo data and trains: 20–60 s here, minutes on a loaded machine: it
 * may take `readyWithinMs`); `env` adds to (or removes from) its environment.
 */
export async function startDemoService(
  env: Record<string, string | undefined> = {},
  readyWithinMs = 150_000,
): Promise<DemoService> {
  const home = mkdtempSync(join(tmpdir(), 'osusume-web-'));
  const service = spawnWebService(home, await freePort(), {
    OSUSUME_ADMIN: `${ADMIN.username}:${ADMIN.password}`,
    ...env,
  });
  await service.waitReady(readyWithinMs);
  return {
    service,
    base: service.baseUrl,
    async stop() {
      await killAll();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Screenshots with their accessibility checked: `capture` saves the page under SCREENSHOTS and keeps the
 * WCAG rules it breaks, by screenshot name, in `violations` (a test asserts it stays empty).
 */
export function pageChecks(): {
  capture(page: Page, name: string): Promise<void>;
  violations: Map<string, Violation[]>;
} {
  const violations = new Map<string, Violation[]>();
  return {
    violations,
    async capture(page, name) {
      await screenshot(page, name);
      const broken = await accessibilityViolations(page);
      if (broken.length > 0) violations.set(name, broken);
    },
  };
}

/** Logs `page` in as the ADMIN and waits for the home page. */
export async function logInAsAdmin(page: Page, base: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', ADMIN.username);
  await page.fill('#password', ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
}

/** The demo service and a Chromium, for the tests of one describe block. */
export interface DemoBrowser {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly browser: Browser;
}

/**
 * Starts the demo service (startDemoService) and Chromium before the tests of the calling describe block
 * and stops both after them; further setup goes in a beforeAll of its own, which runs after this one.
 */
export function useDemoBrowser(): DemoBrowser {
  let demo: DemoService | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    demo = await startDemoService();
    browser = await launchChromium();
  }, 200_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the demo service and Chromium start in beforeAll: use them in a test');
    return value;
  };
  return {
    get base() {
      return started(demo).base;
    },
    get browser() {
      return started(browser);
    },
  };
}
