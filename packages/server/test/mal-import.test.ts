import { createHook } from 'node:async_hooks';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAL_MAX_ENTRIES, malChoice, parseMalExport } from '../src/domain/mal-import.js';
import { MAL_IMPORT_RATE_LIMIT } from '../src/http/routes/mal-import.js';
import { Client, createContext, DATABASES, seedCatalogue, type TestContext } from './harness.js';

function entry(id: string, title: string, score: number, status: string): string {
  return `  <anime>
    <series_animedb_id>${id}</series_animedb_id>
    <series_title><![CDATA[${title}]]></series_title>
    <series_type>TV</series_type>
    <series_episodes>12</series_episodes>
    <my_watched_episodes>12</my_watched_episodes>
    <my_score>${score}</my_score>
    <my_status>${status}</my_status>
    <my_comments><![CDATA[]]></my_comments>
    <update_on_import>0</update_on_import>
  </anime>`;
}

function exportOf(entries: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>
<!--
 Created by XML Export feature at MyAnimeList.net
 Version 1.1.0
-->
<myanimelist>
  <myinfo>
    <user_id>1234</user_id>
    <user_name>someone</user_name>
    <user_export_type>1</user_export_type>
    <user_total_anime>${entries.length}</user_total_anime>
  </myinfo>
${entries.join('\n')}
</myanimelist>
`;
}

/** The seeded catalogue's works are w0..w39 ("Work n"; w1 is "Pokémon Ranger"; w9, w19… are manga). */
const FIXTURE = exportOf([
  entry('w2', 'Work 2', 8, 'Completed'),
  entry('w3', 'Work 3', 10, 'Completed'),
  entry('w4', 'Work 4', 5, 'Completed'),
  entry('w5', 'Work 5', 3, 'Completed'),
  entry('w6', 'Work 6', 0, 'Completed'),
  entry('w7', 'Work 7', 6, 'Dropped'),
  entry('w8', 'Work 8', 0, 'Plan to Watch'),
  entry('w10', 'Work 10', 9, 'Watching'),
  entry('w11', 'Work 11', 0, 'On-Hold'),
  entry('w12', 'Work 12', 0, 'Watching'),
  entry('99999', 'POKEMON RANGER', 7, 'Completed'),
  entry('12345', 'Some Unknown Show', 8, 'Completed'),
  entry('w9', 'Work 9', 8, 'Completed'),
  entry('w13', 'Work 13', 4, '2'),
  entry('w14', 'Work 14', 0, 'Plan to Watch'),
  entry('w14', 'Work 14', 9, 'Completed'),
]);

const EXPECTED: Record<string, string> = {
  w1: 'like',
  w2: 'like',
  w3: 'favorite',
  w4: 'neutral',
  w5: 'dislike',
  w6: 'neutral',
  w7: 'wontsee',
  w8: 'willsee',
  w10: 'favorite',
  w13: 'dislike',
  w14: 'favorite',
};

describe('MyAnimeList mapping', () => {
  it('maps statuses and scores: 9–10 favorite, 7–8 like, 5–6 neutral, 1–4 dislike', () => {
    expect(malChoice('Completed', 10)).toBe('favorite');
    expect(malChoice('Completed', 9)).toBe('favorite');
    expect(malChoice('Completed', 8)).toBe('like');
    expect(malChoice('Completed', 7)).toBe('like');
    expect(malChoice('Completed', 6)).toBe('neutral');
    expect(malChoice('Completed', 5)).toBe('neutral');
    expect(malChoice('Completed', 4)).toBe('dislike');
    expect(malChoice('Completed', 1)).toBe('dislike');
    expect(malChoice('Completed', 0)).toBe('neutral');
    expect(malChoice('Dropped', 9)).toBe('wontsee');
    expect(malChoice('Plan to Watch', 0)).toBe('willsee');
    expect(malChoice('Watching', 8)).toBe('like');
    expect(malChoice('Watching', 9)).toBe('favorite');
    expect(malChoice('On-Hold', 2)).toBe('dislike');
    expect(malChoice('Watching', 0)).toBeUndefined();
    expect(malChoice('On-Hold', 0)).toBeUndefined();
    expect(malChoice('Something else', 8)).toBeUndefined();
    // Older exports' numeric codes.
    expect(malChoice('4', 0)).toBe('wontsee');
    expect(malChoice('6', 0)).toBe('willsee');
  });

  it('parses an export: CDATA titles, entities, one entry or many', () => {
    const one = parseMalExport(
      exportOf([entry('7', 'Tom &amp; Jerry', 8, 'Completed')]).replace(
        '<![CDATA[Tom &amp; Jerry]]>',
        'Tom &amp; Jerry',
      ),
    );
    expect(one).toEqual([{ id: '7', title: 'Tom & Jerry', status: 'Completed', score: 8 }]);
    expect(parseMalExport(FIXTURE)).toHaveLength(16);
    expect(parseMalExport('<myanimelist></myanimelist>')).toEqual([]);
  });

  it('explains malformed XML with its line, and refuses what is not an export', () => {
    expect(() => parseMalExport('<myanimelist>\n<anime>\n<series_title>x</anime>\n</myanimelist>')).toThrow(
      /line 3/,
    );
    expect(() => parseMalExport('<rss><channel/></rss>')).toThrow(/not a MyAnimeList export/);
    expect(() => parseMalExport('')).toThrow(/empty/);
  });
});

describe.each(DATABASES)('MyAnimeList import (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext(dialect);
    await seedCatalogue(context.db);
  });
  afterAll(() => context.close());

  const upload = (
    client: Client,
    body: string | Buffer,
    options: { type?: string; csrf?: boolean; query?: string } = {},
  ) =>
    client.request({
      method: 'POST',
      url: `/api/import/mal${options.query ?? ''}`,
      payload: body,
      headers: { 'content-type': options.type ?? 'application/xml' },
      ...(options.csrf === false ? { csrf: false } : {}),
    });

  const myRatings = async (client: Client) => {
    const items: { work: string; choice: string }[] = (await client.get('/api/ratings')).json().items;
    return Object.fromEntries(items.map((r) => [r.work, r.choice]));
  };

  it('imports an export for an anonymous visitor: mapping, title matching, unmatched and skipped', async () => {
    const client = new Client(context.app);
    const response = await upload(client, FIXTURE);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.matched).toBe(12);
    expect(body.imported).toBe(11);
    expect(body).toMatchObject({ added: 11, unchanged: 0, conflicts: [] });
    expect(body.skipped).toBe(2);
    expect(body.unmatched).toEqual([
      { id: '12345', title: 'Some Unknown Show' },
      // Manga share ids with anime on MyAnimeList: an anime export never matches a manga.
      { id: 'w9', title: 'Work 9' },
    ]);
    expect(await myRatings(client)).toEqual(EXPECTED);
    expect((await client.session()).user).toMatchObject({ isAnonymous: true });
  });

  it('keeps the ratings already there and reports the conflicts; replaces them only when asked', async () => {
    const client = new Client(context.app);
    await client.put('/api/ratings/w2', { choice: 'dislike' });
    await client.put('/api/ratings/w3', { choice: 'favorite' });
    await client.put('/api/ratings/w5', { choice: 'favorite' });
    await client.put('/api/ratings/w30', { choice: 'favorite' });
    const mine = { w2: 'dislike', w5: 'favorite' };
    const first = await upload(client, FIXTURE, { type: 'text/xml' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      matched: 12,
      added: 8,
      unchanged: 1,
      imported: 8,
      conflicts: [
        { work: 'w2', title: 'Work 2', current: 'dislike', exported: 'like', replaced: false },
        { work: 'w5', title: 'Work 5', current: 'favorite', exported: 'dislike', replaced: false },
      ],
    });
    expect(await myRatings(client)).toEqual({ ...EXPECTED, ...mine, w30: 'favorite' });

    // The same file again, taking the export's choice for one listed work.
    const one = (await upload(client, FIXTURE, { query: '?replace=w5' })).json();
    expect(one).toMatchObject({ added: 0, unchanged: 9, imported: 1 });
    expect(one.conflicts.map((c: { work: string; replaced: boolean }) => [c.work, c.replaced])).toEqual([
      ['w2', false],
      ['w5', true],
    ]);
    expect(await myRatings(client)).toEqual({ ...EXPECTED, w2: 'dislike', w30: 'favorite' });

    const all = (await upload(client, FIXTURE, { query: '?onConflict=replace' })).json();
    expect(all).toMatchObject({ added: 0, unchanged: 10, imported: 1 });
    expect(all.conflicts).toEqual([
      { work: 'w2', title: 'Work 2', current: 'dislike', exported: 'like', replaced: true },
    ]);
    expect(await myRatings(client)).toEqual({ ...EXPECTED, w30: 'favorite' });

    // Importing again changes nothing.
    expect((await upload(client, FIXTURE)).json()).toMatchObject({
      unchanged: 11,
      imported: 0,
      conflicts: [],
    });
    expect(await myRatings(client)).toEqual({ ...EXPECTED, w30: 'favorite' });
  });

  it('answers 400 for an unknown conflict rule, and imports nothing', async () => {
    const client = new Client(context.app);
    for (const query of ['?onConflict=overwrite', '?onconflict=replace']) {
      const response = await upload(client, FIXTURE, { query });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().message).toMatch(/onConflict|onconflict/);
    }
    expect(await myRatings(client)).toEqual({});
  });

  it('takes the export gzipped, as MyAnimeList gives it, whatever the content type says', async () => {
    const gzipped = gzipSync(FIXTURE);
    for (const type of [
      'application/gzip',
      'application/x-gzip',
      'application/octet-stream',
      'application/xml',
    ]) {
      const client = new Client(context.app);
      const response = await upload(client, gzipped, { type });
      expect(response.statusCode, `${type}: ${response.body}`).toBe(200);
      expect(response.json()).toMatchObject({ matched: 12, added: 11, skipped: 2 });
      expect(await myRatings(client)).toEqual(EXPECTED);
    }
  });

  it('answers 400 for a corrupted or truncated gzip file, and imports nothing', async () => {
    const client = new Client(context.app);
    const gzipped = gzipSync(FIXTURE);
    const corrupted = Buffer.from(gzipped);
    corrupted.fill(0xff, 10, 40);
    for (const body of [corrupted, gzipped.subarray(0, gzipped.length / 2)]) {
      const response = await upload(client, body, { type: 'application/gzip' });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().message).toMatch(/not a readable gzip file/);
    }
    expect(await myRatings(client)).toEqual({});
  });

  it('refuses a gzip file over 10 MB once decompressed (413), however small it is', async () => {
    const client = new Client(context.app);
    const bomb = gzipSync(exportOf([entry('w20', 'x'.repeat(30 * 1024 * 1024), 8, 'Completed')]));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const response = await upload(client, bomb, { type: 'application/gzip' });
    expect(response.statusCode).toBe(413);
    expect(response.json().message).toMatch(/over 10 MB once decompressed/);
    expect(await myRatings(client)).toEqual({});
  });

  it('answers 400 for malformed XML, with the line', async () => {
    const client = new Client(context.app);
    const broken = FIXTURE.replace('<my_score>5</my_score>', '<my_score>5</my_scor>');
    const response = await upload(client, broken);
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/malformed XML at line \d+/);
    expect(await myRatings(client)).toEqual({});
  });

  it('answers 400 for XML that is not an export, an empty body or JSON', async () => {
    const client = new Client(context.app);
    const other = await upload(client, '<?xml version="1.0"?><rss><channel/></rss>');
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toMatch(/not a MyAnimeList export/);
    expect((await upload(client, '')).statusCode).toBe(400);
    const json = await client.post('/api/import/mal', { anime: [] });
    expect(json.statusCode).toBe(400);
    expect(json.json().message).toMatch(/application\/xml/);
  });

  it('refuses an import without the CSRF token (403)', async () => {
    const client = new Client(context.app);
    await client.session();
    expect((await upload(client, FIXTURE, { csrf: false })).statusCode).toBe(403);
    expect(await myRatings(client)).toEqual({});
  });

  it('takes an export of several MB, refuses one over 10 MB (413)', async () => {
    const client = new Client(context.app);
    const padding = 'x'.repeat(1000);
    const big = exportOf([
      ...Array.from({ length: 3000 }, (_, k) => entry(`m${k}`, `Missing ${k} ${padding}`, 8, 'Completed')),
      entry('w20', 'Work 20', 9, 'Completed'),
    ]);
    expect(big.length).toBeGreaterThan(3_000_000);
    const response = await upload(client, big);
    expect(response.statusCode, response.body.slice(0, 200)).toBe(200);
    expect(response.json()).toMatchObject({ matched: 1, imported: 1, skipped: 0 });
    expect(response.json().unmatched).toHaveLength(3000);
    const huge = exportOf([entry('w1', 'x'.repeat(11 * 1024 * 1024), 8, 'Completed')]);
    expect((await upload(client, huge)).statusCode).toBe(413);
  });

  it('reads the export in a worker thread: other requests are answered while a large one is read', async () => {
    const client = new Client(context.app);
    const comment = 'x'.repeat(1000);
    const big = exportOf(
      Array.from({ length: 7000 }, (_, k) =>
        entry(`m${k}`, `Missing ${k}`, 8, 'Completed').replace(
          '<my_comments><![CDATA[]]>',
          `<my_comments><![CDATA[${comment}]]>`,
        ),
      ),
    );
    expect(big.length).toBeGreaterThan(7_000_000);
    let workers = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === 'WORKER') workers++;
      },
    }).enable();
    let settled = false;
    const importing = upload(client, big).finally(() => {
      settled = true;
    });
    try {
      // Until the parse starts in a worker (on the request thread: until the import is over).
      while (workers === 0 && !settled) await new Promise((resolve) => setImmediate(resolve));
      expect(workers).toBe(1);
      const health = await context.app.inject({ url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(settled).toBe(false);
    } finally {
      hook.disable();
    }
    const response = await importing;
    expect(response.statusCode, response.body.slice(0, 200)).toBe(200);
    expect(response.json()).toMatchObject({ matched: 0, imported: 0 });
    expect(response.json().unmatched).toHaveLength(7000);
  });

  it(`refuses an export of more than ${MAL_MAX_ENTRIES} entries (413), and imports nothing`, async () => {
    const client = new Client(context.app);
    const many = exportOf(
      Array.from(
        { length: MAL_MAX_ENTRIES + 1 },
        (_, k) =>
          `<anime><series_animedb_id>w${k % 40}</series_animedb_id><my_status>Completed</my_status></anime>`,
      ),
    );
    const response = await upload(client, many);
    expect(response.statusCode, response.body.slice(0, 200)).toBe(413);
    expect(response.json().message).toBe(
      `the export has ${MAL_MAX_ENTRIES + 1} entries: at most ${MAL_MAX_ENTRIES} are imported at once`,
    );
    expect(await myRatings(client)).toEqual({});
  });

  it(`limits imports to ${MAL_IMPORT_RATE_LIMIT.max} per account in 10 minutes (429), from any address`, async () => {
    const client = new Client(context.app);
    expect((await client.enter('/api/signup', 'importer', 'an importer’s password')).statusCode).toBe(201);
    for (let k = 0; k < MAL_IMPORT_RATE_LIMIT.max; k++) {
      expect((await upload(client, FIXTURE)).statusCode).toBe(200);
    }
    const blocked = await upload(client, FIXTURE);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().message).toMatch(/too many attempts.*try again in/);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await context.app.inject({
      method: 'POST',
      url: '/api/import/mal',
      remoteAddress: '192.0.2.9',
      headers: {
        cookie: client.cookieHeader as string,
        'x-csrf-token': client.csrf as string,
        'content-type': 'application/xml',
      },
      payload: FIXTURE,
    });
    expect(elsewhere.statusCode).toBe(429);
    // Another visitor imports.
    expect((await upload(new Client(context.app), FIXTURE)).statusCode).toBe(200);
  });

  it('is in the OpenAPI document, with its gzip types, conflict rule and report', async () => {
    const doc = (await context.app.inject({ url: '/docs/json' })).json();
    const post = doc.paths['/api/import/mal'].post;
    expect(Object.keys(post.requestBody.content)).toEqual(
      expect.arrayContaining(['application/xml', 'text/xml', 'application/gzip', 'application/x-gzip']),
    );
    expect(post.parameters.map((p: { name: string }) => p.name)).toEqual(['onConflict', 'replace']);
    const report = post.responses['200'].content['application/json'].schema;
    expect(report.required).toEqual(expect.arrayContaining(['added', 'unchanged', 'conflicts']));
    expect(post.description).toMatch(/9–10 favorite, 7–8 like/);
  });
});
