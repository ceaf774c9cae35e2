import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/auth/accounts.js';
import { trainJob } from '../src/engine/trainer.js';
import { Client, createContext, DATABASES, SMALL_MODEL, seedCatalogue, type TestContext } from './harness.js';

const ADMIN = { username: 'admin', password: 'admin-password' };

interface JobAnswer {
  id: number;
  kind: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  message: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface VersionAnswer {
  id: number;
  family: string;
  params: Record<string, unknown>;
  metrics: { rmse?: number; curve?: number[] } & Record<string, unknown>;
  status: string;
  ratings: number;
  error: string | null;
  serving: boolean;
}

/** Every admin route, as a request. */
const ROUTES = [
  { method: 'POST', url: '/api/admin/train' },
  { method: 'GET', url: '/api/admin/models' },
  { method: 'GET', url: '/api/admin/jobs' },
  { method: 'GET', url: '/api/admin/jobs/1' },
] as const;

describe.each(DATABASES)('admin (%s)', (dialect) => {
  let context: TestContext;
  let admin: Client;
  /** While set, a training reports a quarter done and waits for `release`. */
  let gate: { promise: Promise<void>; release: () => void } | undefined;

  /** Polls the job over HTTP until it ends; returns every answer seen. */
  async function follow(id: number): Promise<JobAnswer[]> {
    const seen: JobAnswer[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await admin.get(`/api/admin/jobs/${id}`);
      expect(response.statusCode, response.body).toBe(200);
      const job: JobAnswer = response.json();
      seen.push(job);
      if (job.status === 'done' || job.status === 'failed') return seen;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function train(): Promise<JobAnswer[]> {
    const response = await admin.post('/api/admin/train');
    expect(response.statusCode, response.body).toBe(202);
    const job: JobAnswer = response.json();
    expect(job.kind).toBe('train');
    expect(['queued', 'running']).toContain(job.status);
    return [job, ...(await follow(job.id))];
  }

  async function versions(): Promise<VersionAnswer[]> {
    const response = await admin.get('/api/admin/models');
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  }

  beforeAll(async () => {
    context = await createContext(dialect, {
      config: { model: { ...SMALL_MODEL, params: { ...SMALL_MODEL.params } } },
      handlers: (services) => {
        const real = trainJob(services);
        return {
          train: async (job, progress, lost) => {
            if (gate) {
              progress(0.25, 'held by the test');
              await gate.promise;
            }
            return real(job, progress, lost);
          },
        };
      },
    });
    await seedCatalogue(context.db);
    await ensureAdmin(context.db, ADMIN.username, ADMIN.password);
    admin = new Client(context.app);
    const login = await admin.enter('/api/login', ADMIN.username, ADMIN.password);
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().user).toMatchObject({ username: 'admin', isAdmin: true });
  });
  afterAll(() => context.close());

  it('refuses visitors (401), anonymous raters (401) and accounts without the role (403)', async () => {
    const visitor = new Client(context.app);
    await visitor.session();
    const rater = new Client(context.app);
    expect((await rater.put('/api/ratings/w1', { choice: 'like' })).statusCode).toBe(200);
    const reader = new Client(context.app);
    const signup = await reader.enter('/api/signup', 'reader', 'reader-password');
    expect(signup.statusCode, signup.body).toBe(201);
    for (const route of ROUTES) {
      for (const [client, status] of [
        [visitor, 401],
        [rater, 401],
        [reader, 403],
      ] as const) {
        const response = await client.request({ method: route.method, url: route.url });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(status);
        expect(response.json().message).toMatch(status === 401 ? /log in/ : /admins only/);
      }
    }
    // Without the CSRF token even the admin cannot start a training.
    expect((await admin.post('/api/admin/train', undefined, { csrf: false })).statusCode).toBe(403);
    expect(await context.services.jobs.list()).toEqual([]);
  });

  it('starts a training (202) and shows the job’s status and progress until it is done', async () => {
    const seen = await train();
    const [queued] = seen;
    expect(queued.progress).toBeGreaterThanOrEqual(0);
    expect(queued.progress).toBeLessThan(1);
    expect(queued).not.toHaveProperty('requestedBy');
    // Status moves forward only (queued, running, done) and progress never goes back.
    const order = ['queued', 'running', 'done'];
    const statuses = seen.map((j) => order.indexOf(j.status));
    expect(statuses).not.toContain(-1);
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
    const progress = seen.map((j) => j.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    for (const job of seen.filter((j) => j.status === 'running')) {
      expect(job.startedAt).toBeTruthy();
      expect(job.finishedAt).toBeNull();
    }
    const done = seen[seen.length - 1];
    expect(done).toMatchObject({ id: queued.id, kind: 'train', status: 'done', progress: 1, error: null });
    expect(done.startedAt).toBeTruthy();
    expect(done.finishedAt).toBeTruthy();
    expect(done.result?.version).toBe(context.services.engine.version);
    expect(done.result?.ratings).toBeGreaterThan(0);
    const ready = await context.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().model).toBe(done.result?.version);
    // The job list shows it too.
    const list = await admin.get('/api/admin/jobs');
    expect(list.statusCode).toBe(200);
    expect((list.json().items as JobAnswer[]).map((j) => [j.id, j.status])).toContainEqual([
      queued.id,
      'done',
    ]);
  });

  it('shows a running job’s progress and message, and hands the same job to a second request', async () => {
    let release = () => {};
    gate = { promise: new Promise<void>((resolve) => (release = resolve)), release: () => release() };
    try {
      const started = await admin.post('/api/admin/train');
      expect(started.statusCode).toBe(202);
      const { id } = started.json() as JobAnswer;
      let job: JobAnswer | undefined;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        job = (await admin.get(`/api/admin/jobs/${id}`)).json();
        if (job?.progress === 0.25) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(job).toMatchObject({ id, status: 'running', progress: 0.25, message: 'held by the test' });
      expect(job?.startedAt).toBeTruthy();
      expect(job?.finishedAt).toBeNull();
      // Asking again while it runs returns that job.
      const again = await admin.post('/api/admin/train');
      expect(again.statusCode).toBe(202);
      expect(again.json()).toMatchObject({ id, status: 'running' });
      gate.release();
      const seen = await follow(id);
      expect(seen[seen.length - 1]).toMatchObject({ status: 'done', progress: 1 });
    } finally {
      gate?.release();
      gate = undefined;
    }
  });

  it('lists model versions with their metrics, the serving one marked', async () => {
    const items = await versions();
    expect(items.length).toBeGreaterThanOrEqual(1);
    const [active] = items;
    expect(active).toMatchObject({ family: 'als', status: 'active', serving: true, error: null });
    expect(active.id).toBe(context.services.engine.version);
    expect(active.params).toMatchObject({ factors: '8', epochs: '8' });
    expect(active.metrics.rmse).toBeGreaterThan(0);
    expect(Array.isArray(active.metrics.curve)).toBe(true);
    expect(active.metrics.curve?.length).toBeGreaterThan(0);
    expect(active.ratings).toBeGreaterThan(0);
    // A new training serves a new version; the list is newest first with one serving version.
    const seen = await train();
    expect(seen[seen.length - 1].status).toBe('done');
    const after = await versions();
    expect(after).toHaveLength(items.length + 1);
    expect(after[0]).toMatchObject({ serving: true, status: 'active' });
    expect(after[0].id).toBeGreaterThan(active.id);
    expect(after.filter((v) => v.serving)).toHaveLength(1);
    expect(after.find((v) => v.id === active.id)?.serving).toBe(false);
  });

  it('shows a failed training as a failed job with its error; the old version keeps serving', async () => {
    const { config, engine } = context.services;
    const serving = engine.version;
    expect(serving).toBeDefined();
    const before = await versions();
    const saved = config.model;
    config.model = { family: 'als', params: { factors: '-1' } };
    let seen: JobAnswer[];
    try {
      seen = await train();
    } finally {
      config.model = saved;
    }
    const failed = seen[seen.length - 1];
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/factors/);
    expect(failed.finishedAt).toBeTruthy();
    const after = await versions();
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({ status: 'failed', serving: false });
    expect(after[0].error).toMatch(/factors/);
    expect(after.find((v) => v.serving)?.id).toBe(serving);
    expect(engine.version).toBe(serving);
    const ready = await context.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().model).toBe(serving);
    // Recommendations still come from it.
    const recs = await new Client(context.app).get('/api/recommendations?n=3');
    expect(recs.statusCode).toBe(200);
    expect(recs.json().model).toBe(serving);
  });

  it('answers 404 for an unknown job and 400 for a bad job id', async () => {
    const unknown = await admin.get('/api/admin/jobs/999999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/999999/);
    for (const id of ['0', '-1', 'abc', '1.5']) {
      expect((await admin.get(`/api/admin/jobs/${id}`)).statusCode, id).toBe(400);
    }
  });

  it('stops answering the admin once logged out', async () => {
    const other = new Client(context.app);
    expect((await other.enter('/api/login', ADMIN.username, ADMIN.password)).statusCode).toBe(200);
    expect((await other.get('/api/admin/models')).statusCode).toBe(200);
    expect((await other.post('/api/logout')).statusCode).toBe(204);
    expect((await other.get('/api/admin/models')).statusCode).toBe(401);
  });
});
