// The web app in headless Chromium (Debian's, launched as the end-to-end tests launch it): JavaScript of
// the first load (gzipped), how fast the mosaic replaces a card after a vote (measured in the page, from the click to the next
// frame with the new card), and frame times while the map of 7,000 works is dragged.
// node bench/web.js -> JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium } from '@osusume/web/dist/test/browser.js';
import { MOSAIC_SLOTS } from '../packages/server/dist/src/domain/vocabulary.js';
import { startService, stopService } from './service-process.js';

const home = mkdtempSync(join(tmpdir(), 'osusume-bench-web-'));
const port = 40000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const { child } = await startService({ home, port, env: { OSUSUME_WORKERS: '1' } });
const browser = await launchChromium();
try {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scripts = [];
  const collect = (response) => {
    if (response.request().resourceType() === 'script') scripts.push(response.body());
  };
  page.on('response', collect);
  await page.goto('/');
  await page.waitForSelector('[data-testid=mosaic] article[data-work]');
  page.off('response', collect);
  const bodies = await Promise.all(scripts);
  const firstLoad = {
    files: bodies.length,
    bytes: bodies.reduce((sum, b) => sum + b.length, 0),
    gzipBytes: bodies.reduce((sum, b) => sum + gzipSync(b).length, 0),
  };

  // Votes: each one timed in the page, from the click to the frame that shows the slot's next card.
  const votes = [];
  for (let i = 0; i < 24; i++) {
    const slot = MOSAIC_SLOTS[i % MOSAIC_SLOTS.length];
    // Let the slot's card fetched ahead arrive, as it does between a person's votes.
    await page.waitForTimeout(400);
    votes.push(
      await page.evaluate(async (slot) => {
        const card = document.querySelector(`[data-testid=mosaic] article[data-slot=${slot}]`);
        const before = card.getAttribute('data-work');
        const changed = new Promise((resolve) => {
          const observer = new MutationObserver(() => {
            if (card.getAttribute('data-work') !== before) {
              observer.disconnect();
              resolve();
            }
          });
          observer.observe(card, { attributes: true });
        });
        const t0 = performance.now();
        card.querySelector('button[data-choice=like]').click();
        await changed;
        await new Promise((resolve) => requestAnimationFrame(() => resolve()));
        return performance.now() - t0;
      }, slot),
    );
  }

  // The map: a two-second drag in small steps; frame intervals recorded in the page meanwhile.
  await page.goto('/map');
  await page.waitForSelector('[data-testid=map-canvas][data-drawn=true]');
  const points = Number(await page.getAttribute('[data-testid=map-canvas]', 'data-points'));
  const box = await page.locator('[data-testid=map-canvas]').boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => {
      window.__frames.push(t);
      if (window.__frames.length < 100000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const steps = 120;
  for (let s = 1; s <= steps; s++) {
    const a = (s / steps) * 2 * Math.PI;
    await page.mouse.move(cx + 200 * Math.sin(a), cy + 120 * Math.sin(2 * a));
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => window.__frames);
  const intervals = frames.slice(1).map((t, i) => t - frames[i]);
  console.log(
    JSON.stringify({
      firstLoad,
      mosaicVoteMs: { median: quantile(votes, 0.5), p95: quantile(votes, 0.95), max: Math.max(...votes) },
      map: {
        points,
        frames: intervals.length,
        fps: (1000 * intervals.length) / (frames[frames.length - 1] - frames[0]),
        frameMs: {
          median: quantile(intervals, 0.5),
          p95: quantile(intervals, 0.95),
          max: Math.max(...intervals),
        },
      },
    }),
  );
} finally {
  await browser.close();
  await stopService(child);
  rmSync(home, { recursive: true, force: true });
}
