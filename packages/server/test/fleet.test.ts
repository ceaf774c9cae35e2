import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/db/connect.js';
import { POSTGRES_URL } from './harness.js';
import {
  freePort,
  HttpClient,
  type JobView,
  killAll,
  MAIN,
  pollJob,
  type ServiceProcess,
  sleep,
  spawnService,
} from './processes.js';

const API_KEY = 'fleet-test-key';
const ADMIN = { username: 'admin', password: 'adminpass123' };
const NODES = 3;
/** Short, so that a node's death is noticed within seconds. */
const LEASE_SECONDS = 3;

interface Recommended {
  items: { work: string; source: string }[];
  fallback: string;
  model: number;
}

/**
 * A fleet: three real services (`node packages/server/dist/src/main.js`), each with a home of its own and
 * its own port, on one PostgreSQL schema (docs/deploy.md). The demo data is imported and the first model
 * trained by the first node; the others load it from the database.
 */
describe('fleet: three nodes on one PostgreSQL schema', () => {
  const schema = `fleet_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const homes = Array.from({ length: NODES }, () => mkdtempSync(join(tmpdir(), 'osusume-fleet-')));
  const ports: number[] = [];
  const nodes: ServiceProcess[] = [];

  const start = (k: number): ServiceProcess => {
    nodes[k] = spawnService({
      command: [process.execPath, MAIN],
      port: ports[k],
      env: {
        OSUSUME_HOME: homes[k],
        // The last node with two API processes, which its primary tells of each new model.
        OSUSUME_WORKERS: k === NODES - 1 ? '2' : '1',
        OSUSUME_API_KEY: API_KEY,
        OSUSUME_ADMIN: `${ADMIN.username}:${ADMIN.password}`,
        DATABASE_URL: POSTGRES_URL,
        DATABASE_SCHEMA: schema,
        OSUSUME_DEMO_DATA: undefined,
        // Small, so that each training of the demo data takes seconds.
        OSUSUME_MODEL: 'als:factors=16,epochs=6',
        OSUSUME_TRAIN_EVERY_MINUTES: '0',
        OSUSUME_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
        OSUSUME_NODE_ID: `node-${k}`,
        LOG_LEVEL: undefined,
      },
    });
    return nodes[k];
  };

  /** What node `k` serves: /ready's model, once it answers 200. */
  const servedBy = async (k: number): Promise<number> => (await nodes[k].waitReady(120_000)).model;

  /** Polls until every running node in `ks` serves `version`. */
  const untilServing = async (ks: number[], version: number, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const served = await Promise.all(ks.map(servedBy));
      if (served.every((v) => v === version)) return;
      if (Date.now() > deadline) throw new Error(`nodes ${ks} serve ${served}, not v${version}`);
      await sleep(200);
    }
  };

  afterAll(async () => {
    await killAll();
    const cleanup = await openStorage({ databaseUrl: POSTGRES_URL });
    await cleanup.db.schema.dropSchema(schema).ifExists().cascade().execute();
    await cleanup.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  let first: number;
  const visitor = 'fleet-visitor';
  const rated = new Map<string, string>();

  it('every node serves the first model from its own copy; a rating on one is used by another at once', {
    timeout: 300_000,
  }, async () => {
    for (let k = 0; k < NODES; k++) ports.push(await freePort());
    start(0);
    first = await servedBy(0);
    start(1);
    start(2);
    expect(await servedBy(1)).toBe(first);
    expect(await servedBy(2)).toBe(first);
    for (let k = 0; k < NODES; k++) {
      // Each node reads its own copy, fetched from the database by the ones that did not train it.
      expect(existsSync(join(homes[k], 'models', `v${first}.safetensors`)), `node ${k}`).toBe(true);
    }
    for (const k of [1, 2])
      expect(
        nodes[k].messages().some((m) => /^train: /.test(m)),
        `node ${k}`,
      ).toBe(false);

    const clients = nodes.map((node) => new HttpClient(node, API_KEY));
    const popular = await clients[0].get<{ items: { id: string }[] }>('/api/works?sort=popular&pageSize=12');
    // Rated on node 1…
    for (const [j, work] of popular.body.items.map((w) => w.id).entries()) {
      const choice = j < 8 ? 'favorite' : 'dislike';
      expect((await clients[1].put(`/api/v1/users/${visitor}/ratings/${work}`, { choice })).status).toBe(200);
      rated.set(work, choice);
    }
    // …recommended from on node 2, with the ratings folded in.
    const before = await clients[2].get<Recommended>(`/api/v1/users/${visitor}/recommendations?n=10`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ fallback: 'none', model: first });
    expect(before.body.items).toHaveLength(10);
    for (const item of before.body.items) {
      expect(item.source).toBe('model');
      expect(rated.has(item.work)).toBe(false);
    }
    // Node 0 hears that none of those is wanted; node 2 recommends others at once.
    for (const { work } of before.body.items) {
      expect(
        (await clients[0].put(`/api/v1/users/${visitor}/ratings/${work}`, { choice: 'wontsee' })).status,
      ).toBe(200);
      rated.set(work, 'wontsee');
    }
    const after = await clients[2].get<Recommended>(`/api/v1/users/${visitor}/recommendations?n=10`);
    expect(after.body.items).toHaveLength(10);
    for (const item of after.body.items) expect(rated.has(item.work)).toBe(false);
  });

  it('kill -9 of the node that trains: another takes the job over, and every node serves the new version', {
    timeout: 300_000,
  }, async () => {
    // Logged in on node 0, the session works on node 1 (sessions live in the database).
    const target = { baseUrl: nodes[0].baseUrl };
    const admin = new HttpClient(target);
    await admin.login(ADMIN.username, ADMIN.password);
    target.baseUrl = nodes[1].baseUrl;
    const from = nodes.map((node) => node.lines.length);
    const queued = await admin.post<JobView>('/api/admin/train');
    expect(queued.status).toBe(202);

    // Whichever node claimed the job reports its progress from the training's worker thread.
    const trainingLine = (m: string) => {
      const percent = /^train: (\d+)% /.exec(m);
      return percent !== null && Number(percent[1]) < 100;
    };
    const trainer = await Promise.any(
      nodes.map((node, k) =>
        node.waitForLog(trainingLine, { from: from[k], timeoutMs: 60_000 }).then(() => k),
      ),
    );
    await nodes[trainer].kill();
    const survivors = [0, 1, 2].filter((k) => k !== trainer);
    target.baseUrl = nodes[survivors[0]].baseUrl;

    const job = await pollJob(admin, queued.body.id, 180_000);
    expect(job.status, job.error ?? '').toBe('done');
    const version = job.result?.version as number;
    expect(version).toBeGreaterThan(first);
    await untilServing(survivors, version);

    const storage = await openStorage({ databaseUrl: POSTGRES_URL, schema });
    try {
      const { db } = storage;
      const row = await db
        .selectFrom('jobs')
        .select(['owner', 'status'])
        .where('id', '=', queued.body.id)
        .executeTakeFirstOrThrow();
      expect(survivors.map((k) => `node-${k}`)).toContain(row.owner);
      // The killed node's version never serves: failed once the job was taken over.
      const versions = await db
        .selectFrom('model_versions')
        .select(['id', 'status', 'error'])
        .orderBy('id')
        .execute();
      const abandoned = versions.filter((v) => v.id > first && v.id < version);
      expect(abandoned.length).toBeGreaterThan(0);
      for (const v of abandoned)
        expect(v).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
      // Whatever part of its file the killed trainer had copied into the database is gone with it.
      const kept = await db.selectFrom('model_chunks').select('version_id').distinct().execute();
      expect(kept.map((c) => c.version_id).sort((a, b) => a - b)).toEqual([first, version]);
      expect(versions.filter((v) => v.status === 'active').map((v) => v.id)).toEqual([version]);
      const running = await db
        .selectFrom('jobs')
        .select('id')
        .where('status', 'in', ['queued', 'running'])
        .execute();
      expect(running).toEqual([]);
      // Nothing lost: every rating written through any node is there, and trained on.
      const stored = await db
        .selectFrom('ratings')
        .innerJoin('users', 'users.id', 'ratings.user_id')
        .select(['ratings.work_id', 'ratings.choice'])
        .where('users.external_id', '=', visitor)
        .execute();
      expect(new Map(stored.map((r) => [r.work_id, r.choice]))).toEqual(rated);
      const trained = await db
        .selectFrom('model_versions')
        .select('ratings')
        .where('id', '=', version)
        .executeTakeFirstOrThrow();
      const total = await db
        .selectFrom('ratings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(trained.ratings).toBe(Number(total.n));
    } finally {
      await storage.close();
    }

    // The killed node comes back: its job was taken over, so nothing of it is marked interrupted, and it
    // serves the new version, which it never trained, from its own copy.
    start(trainer);
    await untilServing([0, 1, 2], version);
    expect(nodes[trainer].messages().some((m) => /interrupted by the last stop/.test(m))).toBe(false);
    expect(readFileSync(join(homes[trainer], 'models', `v${version}.safetensors`)).length).toBeGreaterThan(0);
  });
});
