// Private mode (docs/web.md): the size of what the page downloads (GET /api/private/model: as f32 would
// be, as sent in binary16, gzipped as sent, and brotli for comparison) and the time to the first
// recommendation in headless Chromium: from navigation to /private, with private mode on and 8 ratings
// in the browser's storage, to the first recommendation from the model on screen; every load cold (a new
// browser context: no HTTP cache, no service worker). node bench/private.js -> JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { launchChromium } from '@osusume/web/dist/test/browser.js';
import { decodePortableFactors } from 'osusume';
import { startService, stopService } from './service-process.js';

const LOADS = 9;
const home = mkdtempSync(join(tmpdir(), 'osusume-bench-private-'));
const port = 41000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The body of GET `path` as it crosses the wire (not decompressed), with the response headers. */
function wire(path, headers) {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => resolve({ body: Buffer.concat(chunks), headers: response.headers }));
    })
      .on('error', reject)
      .end();
  });
}

const { child } = await startService({ home, port, env: { OSUSUME_WORKERS: '1' } });
const browser = await launchChromium();
try {
  const raw = await wire('/api/private/model', { 'accept-encoding': 'identity' });
  const gzipped = await wire('/api/private/model', { 'accept-encoding': 'gzip' });
  const { model, extra } = decodePortableFactors(new Uint8Array(raw.body));
  const { factors } = model.layout;
  const items = model.items.size;
  const header = raw.body.readUInt32LE(0);
  const payload = {
    model: extra.blended ? 'ALS part of the serving blend' : 'the serving model',
    items,
    factors,
    headerBytes: header,
    f32Bytes: raw.body.length + items * factors * 2,
    f16Bytes: raw.body.length,
    gzipBytes: gzipped.body.length,
    brotliBytes: brotliCompressSync(raw.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };

  const works = (await (await fetch(`${base}/api/works?sort=popular&pageSize=8`)).json()).items;
  const choices = ['favorite', 'like', 'dislike', 'like', 'favorite', 'neutral', 'like', 'like'];
  const stored = JSON.stringify({
    enabled: true,
    ratings: Object.fromEntries(works.map((w, i) => [w.id, choices[i]])),
  });
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
    await context.addInitScript((value) => localStorage.setItem('osusume.private', value), stored);
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto('/private');
    await page.waitForSelector('[data-testid=recommendations] > li[data-source=model]');
    const wall = performance.now() - t0;
    // In the page: from the navigation's start to now (the list is on screen).
    const inPage = await page.evaluate(() => performance.now());
    loads.push({ wall, inPage });
    await context.close();
  }
  console.log(
    JSON.stringify(
      {
        payload,
        firstRecommendation: {
          loads: LOADS,
          medianMs: Math.round(median(loads.map((l) => l.wall))),
          medianInPageMs: Math.round(median(loads.map((l) => l.inPage))),
          minMs: Math.round(Math.min(...loads.map((l) => l.wall))),
          maxMs: Math.round(Math.max(...loads.map((l) => l.wall))),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await stopService(child);
  rmSync(home, { recursive: true, force: true });
}
