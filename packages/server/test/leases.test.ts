import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { now } from '../src/db/schema.js';
import { type JobHandler, JobQueue } from '../src/jobs/queue.js';
import { createContext, DATABASES, type TestContext } from './harness.js';

/** Running jobs leased to a node: several nodes on one database, each with a queue of its own. */
describe.each(DATABASES)('job leases (%s)', (dialect) => {
  let context: TestContext;
  const queues: JobQueue[] = [];
  const queue = (node: string, handler: JobHandler, ms = 600) => {
    const made = new JobQueue(context.db, { counters: handler }, () => {}, { node, ms });
    queues.push(made);
    return made;
  };
  /** A job row as a node that died left it: running, its lease run out or not. */
  const leftRunning = async (owner: string, leaseUntil: string) => {
    const row = await context.db
      .insertInto('jobs')
      .values({
        kind: 'counters',
        status: 'running',
        progress: 0.5,
        created_at: now(),
        started_at: now(),
        owner,
        lease_until: leaseUntil,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  };

  beforeEach(async () => {
    context = await createContext(dialect);
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    await context.close();
  });

  it('fails only its own interrupted jobs at a restart, not another live node’s', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const mine = await leftRunning('node-a', future);
    await context.db.updateTable('jobs').set({ kind: 'train' }).where('id', '=', mine).execute();
    const theirs = await leftRunning('node-b', future);
    const a = queue('node-a', async () => ({}));
    expect(await a.failInterrupted()).toBe(1);
    expect((await a.get(mine))?.status).toBe('failed');
    expect((await a.get(theirs))?.status).toBe('running');
    expect(await a.leased('counters')).toBe(true);
    expect(await a.leased('train')).toBe(false);
  });

  it('takes over a job whose lease ran out and runs it to the end', async () => {
    const id = await leftRunning('dead-node', new Date(Date.now() - 1000).toISOString());
    const b = queue('node-b', async () => ({ ranOn: 'node-b' }));
    b.start(50);
    const job = await b.waitFor(id);
    expect(job).toMatchObject({ status: 'done', result: { ranOn: 'node-b' } });
    const row = await context.db.selectFrom('jobs').select('owner').where('id', '=', id).executeTakeFirst();
    expect(row?.owner).toBe('node-b');
  });

  it('lets a node wait for a job that another node runs', async () => {
    const watcher = new JobQueue(context.db);
    const job = await watcher.enqueue('counters');
    queue('node-b', async () => ({ ranOn: 'node-b' })).start(50);
    expect(await watcher.waitFor(job.id)).toMatchObject({ status: 'done', result: { ranOn: 'node-b' } });
  });

  it('leaves a job alone while its node renews the lease, longer than the lease lasts', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs: string[] = [];
    const handler =
      (node: string): JobHandler =>
      async () => {
        runs.push(node);
        await held;
        return {};
      };
    const a = queue('node-a', handler('node-a'), 300);
    const job = await a.enqueue('counters');
    a.start(50);
    const b = queue('node-b', handler('node-b'), 300);
    b.start(50);
    // Five leases' worth of time: node-a renews, node-b never gets the job.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    release();
    expect((await a.waitFor(job.id)).status).toBe('done');
    expect(runs).toEqual(['node-a']);
  });

  it('aborts the work of a node that lost its lease, and keeps the new owner’s result', async () => {
    let aborted: unknown;
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const a = queue('node-a', async (_job, _progress, lost) => {
      started();
      await new Promise((resolve) => lost.addEventListener('abort', resolve, { once: true }));
      aborted = lost.reason;
      return { ranOn: 'node-a' };
    });
    const job = await a.enqueue('counters');
    a.start(50);
    // Taken from node-a only once it runs the job: a fixed wait raced a slow claim on a busy machine.
    await running;
    // Another node took it (as after a pause longer than the lease).
    await context.db.updateTable('jobs').set({ owner: 'node-b' }).where('id', '=', job.id).execute();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await a.stop();
    expect(String(aborted)).toMatch(/lease lost/);
    const row = await a.get(job.id);
    expect(row?.status).toBe('running');
    expect(row?.result).toBeNull();
  });
});
