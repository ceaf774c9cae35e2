import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStorage, sqlitePath } from '../src/db/connect.js';
import type { Db } from '../src/db/schema.js';
import { getSetting } from '../src/db/settings.js';
import { CHOICES } from '../src/domain/choices.js';
import { DATABASES, POSTGRES_URL } from './harness.js';
import {
  freePort,
  HttpClient,
  type JobView,
  killAll,
  MAIN,
  pollJob,
  type ServiceProcess,
  spawnService,
} from './processes.js';

const API_KEY = 'crash-test-key';
const ADMIN = { username: 'admin', password: 'adminpass123' };

// The bundled anime data, imported once and only once.
const DEMO_WORKS = 12_294;
/** Of which adult content (Hentai, Yaoi or Yuri), hidden from visitors. */
const DEMO_ADULT_WORKS = 1_180;
const DEMO_RATINGS = 520_609;
const DEMO_USERS = 5_000;

interface VersionView {
  id: number;
  status: string;
  error: string | null;
  serving: boolean;
}

/**
 * kill -9 of the whole service (`node packages/server/dist/src/main.js`, one process) at the worst moments,
 * then a restart on the same database: during the demo import, during a training, right after rating
 * writes were acknowledged. The tests of one database share its home and database, in order: (a) leaves
 * the demo data imported and a model serving, (b) and (c) start from there.
 */
describe.each(DATABASES)('crash: kill -9 and restart (%s)', (dialect) => {
  const home = mkdtempSync(join(tmpdir(), 'osusume-crash-'));
  const schema = `crash_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const storageOptions =
    dialect === 'postgres'
      ? { databaseUrl: POSTGRES_URL, schema, poolSize: 2 }
      : { sqliteFile: sqlitePath(home) };
  let port: number;

  const start = (): ServiceProcess =>
    spawnService({
      command: [process.execPath, MAIN],
      port,
      env: {
        OSUSUME_HOME: home,
        OSUSUME_WORKERS: '1',
        OSUSUME_API_KEY: API_KEY,
        OSUSUME_ADMIN: `${ADMIN.username}:${ADMIN.password}`,
        DATABASE_URL: dialect === 'postgres' ? POSTGRES_URL : undefined,
        DATABASE_SCHEMA: dialect === 'postgres' ? schema : undefined,
        OSUSUME_DEMO_DATA: undefined,
        OSUSUME_MODEL: undefined,
        // No scheduled training in the middle of the checks (trainings here are started by the admin).
        OSUSUME_TRAIN_EVERY_MINUTES: '0',
        LOG_LEVEL: undefined,
      },
    });

  /** A direct connection to the service's database, for counts the API does not give. */
  const withDb = async <T>(use: (db: Db) => Promise<T>): Promise<T> => {
    const storage = await openStorage(storageOptions);
    try {
      return await use(storage.db);
    } finally {
      await storage.close();
    }
  };

  const admin = async (service: ServiceProcess): Promise<HttpClient> => {
    const client = new HttpClient(service);
    await client.login(ADMIN.username, ADMIN.password);
    return client;
  };

  // No service may outlive a test, passed or failed.
  afterEach(killAll);

  afterAll(async () => {
    await killAll();
    if (dialect === 'postgres') {
      const cleanup = await openStorage({ databaseUrl: POSTGRES_URL });
      await cleanup.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await cleanup.close();
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('a: kill -9 during the demo import; the restart imports it all, exactly once', {
    timeout: 180_000,
  }, async () => {
    port = await freePort();
    const first = start();
    // A progress line from inside the import's transaction (0% is the reading before it; 100% is after
    // the commit); the margin below 100 keeps the kill well before the commit.
    const { message } = await first.waitForLog(
      (m) => {
        const percent = /^import: (\d+)% /.exec(m);
        return percent !== null && Number(percent[1]) > 0 && Number(percent[1]) < 95;
      },
      { timeoutMs: 90_000 },
    );
    await first.kill();
    console.info(`crash (${dialect}): killed during the import at "${message}"`);

    // Nothing of the half import is visible.
    await withDb(async (db) => {
      expect(await getSetting(db, 'demo_imported')).toBeUndefined();
      expect(await count(db, 'works')).toBe(0);
      expect(await count(db, 'ratings')).toBe(0);
    });

    const second = start();
    const ready = await second.waitReady(150_000);
    console.info(
      `crash (${dialect}): restart after the kill ready in ${((performance.now() - second.startedAt) / 1000).toFixed(1)} s (import and training again)`,
    );
    expect(ready.model).toBeGreaterThan(0);
    expect(second.messages().some((m) => /interrupted by the last stop/.test(m))).toBe(true);

    const client = new HttpClient(second);
    const popular = await client.get<{ total: number; items: unknown[] }>(
      '/api/works?sort=popular&pageSize=1',
    );
    expect(popular.status).toBe(200);
    expect(popular.body.total).toBe(DEMO_WORKS - DEMO_ADULT_WORKS);
    expect(popular.body.items).toHaveLength(1);

    await withDb(async (db) => {
      expect(await getSetting(db, 'demo_imported')).toBeDefined();
      expect(await count(db, 'works')).toBe(DEMO_WORKS);
      const adult = await db
        .selectFrom('works')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('adult', '=', 1)
        .executeTakeFirstOrThrow();
      expect(Number(adult.n)).toBe(DEMO_ADULT_WORKS);
      expect(await count(db, 'ratings')).toBe(DEMO_RATINGS);
      const users = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('external_id', 'is not', null)
        .executeTakeFirstOrThrow();
      expect(Number(users.n)).toBe(DEMO_USERS);
      // The interrupted import job is marked failed, the one after it done.
      const imports = await db
        .selectFrom('jobs')
        .select(['status', 'error'])
        .where('kind', '=', 'import')
        .orderBy('id')
        .execute();
      expect(imports.map((j) => j.status)).toEqual(['failed', 'done']);
      expect(imports[0].error).toMatch(/interrupted/);
    });
  });

  it('b: kill -9 during a training; the restart serves the previous model; a new training succeeds', {
    timeout: 180_000,
  }, async () => {
    const service = start();
    const before = (await service.waitReady(60_000)).model;
    const client = await admin(service);

    const from = service.lines.length;
    const queued = await client.post<JobView>('/api/admin/train');
    expect(queued.status).toBe(202);
    const jobId = queued.body.id;
    // The trainer's first progress line comes from the worker thread, once the version is registered.
    await service.waitForLog(
      (m) => {
        const percent = /^train: (\d+)% /.exec(m);
        return percent !== null && Number(percent[1]) < 100;
      },
      { from, timeoutMs: 60_000 },
    );
    const [job, models] = await Promise.all([
      client.get<JobView>(`/api/admin/jobs/${jobId}`),
      client.get<{ items: VersionView[] }>('/api/admin/models'),
    ]);
    await service.kill();
    expect(job.body.status).toBe('running');
    expect(job.body.progress).toBeLessThan(1);
    const training = models.body.items[0];
    expect(training.status).toBe('training');
    expect(training.id).toBeGreaterThan(before);

    const restarted = start();
    const ready = await restarted.waitReady(60_000);
    console.info(
      `crash (${dialect}): restart after a kill during a training ready in ${((performance.now() - restarted.startedAt) / 1000).toFixed(1)} s`,
    );
    expect(ready.model).toBe(before);
    const again = await admin(restarted);
    const interrupted = await again.get<JobView>(`/api/admin/jobs/${jobId}`);
    expect(interrupted.body.status).toBe('failed');
    expect(interrupted.body.error).toMatch(/interrupted/);
    const versions = (await again.get<{ items: VersionView[] }>('/api/admin/models')).body.items;
    const failed = versions.find((v) => v.id === training.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/interrupted/);
    const serving = versions.find((v) => v.id === before);
    expect(serving?.status).toBe('active');
    expect(serving?.serving).toBe(true);

    // A new training runs to the end and replaces the serving model.
    const next = await again.post<JobView>('/api/admin/train');
    expect(next.status).toBe(202);
    expect(next.body.id).not.toBe(jobId);
    const done = await pollJob(again, next.body.id, 120_000);
    expect(done.status, done.error ?? '').toBe('done');
    const version = done.result?.version as number;
    expect(version).toBeGreaterThan(training.id);
    expect((await again.get<{ model: number }>('/ready')).body.model).toBe(version);
    const after = (await again.get<{ items: VersionView[] }>('/api/admin/models')).body.items;
    expect(after.find((v) => v.id === version)).toMatchObject({ status: 'active', serving: true });
    expect(after.find((v) => v.id === before)?.status).toBe('retired');
    expect(after.filter((v) => v.status === 'active')).toHaveLength(1);
  });

  it('c: every rating acknowledged before a kill -9 is there after the restart', {
    timeout: 180_000,
  }, async () => {
    const service = start();
    await service.waitReady(60_000);
    const client = new HttpClient(service, API_KEY);
    const works: string[] = [];
    for (const page of [1, 2, 3]) {
      const list = await client.get<{ items: { id: string }[] }>(
        `/api/works?sort=popular&pageSize=100&page=${page}`,
      );
      works.push(...list.body.items.map((w) => w.id));
    }
    const user = `crash-${dialect}`;
    const choiceOf = (k: number) => CHOICES[k % CHOICES.length];
    const acknowledged = new Map<string, string>();
    const put = async (k: number) => {
      const response = await client.put(`/api/v1/users/${user}/ratings/${works[k]}`, { choice: choiceOf(k) });
      expect(response.status).toBe(200);
      acknowledged.set(works[k], choiceOf(k));
    };
    // 200 writes, 8 at a time, all acknowledged before the kill…
    for (let k = 0; k < 200; k += 8) {
      await Promise.all(Array.from({ length: Math.min(8, 200 - k) }, (_, j) => put(k + j)));
    }
    expect(acknowledged.size).toBe(200);
    // …then 100 more in flight when it comes: each one acknowledged must survive too.
    let settled = 0;
    const inFlight = Array.from({ length: 100 }, (_, j) =>
      put(200 + j)
        .catch(() => {
          // Cut by the kill: it may or may not have been written.
        })
        .finally(() => {
          settled++;
        }),
    );
    while (acknowledged.size < 230 && settled < 100) await new Promise((resolve) => setTimeout(resolve, 1));
    await service.kill();
    await Promise.all(inFlight);
    console.info(`crash (${dialect}): killed with ${acknowledged.size} of 300 ratings acknowledged`);

    const restarted = start();
    await restarted.waitReady(60_000);
    const stored = await withDb((db) =>
      db
        .selectFrom('ratings')
        .innerJoin('users', 'users.id', 'ratings.user_id')
        .select(['ratings.work_id', 'ratings.choice'])
        .where('users.external_id', '=', user)
        .execute(),
    );
    const storedMap = new Map(stored.map((r) => [r.work_id, r.choice]));
    for (const [work, choice] of acknowledged) expect(storedMap.get(work), work).toBe(choice);
    // Nothing but what was sent.
    for (const [work, choice] of storedMap) expect(choiceOf(works.indexOf(work))).toBe(choice);
    expect(storedMap.size).toBeGreaterThanOrEqual(acknowledged.size);
    expect(storedMap.size).toBeLessThanOrEqual(300);

    // And the service uses them: recommendations for this user leave out every work they rated.
    const recommended = await new HttpClient(restarted, API_KEY).get<{ items: { work: string }[] }>(
      `/api/v1/users/${user}/recommendations?n=20`,
    );
    expect(recommended.status).toBe(200);
    expect(recommended.body.items.length).toBeGreaterThan(0);
    for (const item of recommended.body.items) expect(storedMap.has(item.work)).toBe(false);
  });
});

async function count(db: Db, table: 'works' | 'ratings'): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
