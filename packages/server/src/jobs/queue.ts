import { hostname } from 'node:os';
import type { Selectable } from 'kysely';
import type { Db, JobsTable } from '../db/schema.js';
import { now } from '../db/schema.js';

export type JobKind = 'train' | 'counters' | 'import';

export interface Job {
  id: number;
  kind: JobKind;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  message: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
  requestedBy: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Reports how far a job is (0..1) and what it is doing. */
export type ReportProgress = (fraction: number, message: string) => void;

/**
 * Does a job's work; what it returns is kept as the job's result. `lost` aborts when this node no longer
 * holds the job's lease (another node took it over): the work must stop and leave nothing behind.
 */
export type JobHandler = (
  job: Job,
  progress: ReportProgress,
  lost: AbortSignal,
) => Promise<Record<string, unknown>>;

/** Who runs jobs here, and for how long a claim holds without being renewed. */
export interface JobLease {
  /** This node's id: jobs it claims carry it (docs/deploy.md). */
  node: string;
  ms: number;
}

export const DEFAULT_LEASE_MS = 30_000;

/** How often `waitFor` looks at a job that another node runs. */
const WAIT_POLL_MS = 1000;

/**
 * Background work as rows in the database, so every API process can queue a job and see its progress,
 * while one process per node (the one given handlers) runs them, one at a time, in the order queued.
 * Asking for a kind that is already queued or running returns that job instead of queueing a second one,
 * so one job of a kind runs at a time across nodes. A running job is leased to its node, which renews
 * the lease while it runs; a job whose lease ran out (its node died or lost the database) is taken over
 * by another node and run again from the start.
 */
export class JobQueue {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly finished = new Map<number, Array<() => void>>();

  constructor(
    private readonly db: Db,
    private readonly handlers: Partial<Record<JobKind, JobHandler>> = {},
    /** Also told every progress report (the service logs them). */
    private readonly onProgress: (job: Job, fraction: number, message: string) => void = () => {},
    private readonly lease: JobLease = { node: `${hostname()}:${process.pid}`, ms: DEFAULT_LEASE_MS },
  ) {}

  async enqueue(kind: JobKind, requestedBy: number | null = null): Promise<Job> {
    for (;;) {
      const pending = await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('kind', '=', kind)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (pending) return toJob(pending);
      // A unique index allows one pending job per kind: if another request inserted it first, the
      // insert does nothing and the loop returns that one.
      const row = await this.db
        .insertInto('jobs')
        .values({ kind, status: 'queued', progress: 0, requested_by: requestedBy, created_at: now() })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (row) {
        this.kick();
        return (await this.get(row.id)) as Job;
      }
    }
  }

  async get(id: number): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async list(limit = 50): Promise<Job[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toJob);
  }

  /**
   * Marks the jobs this node left running when it stopped (and those from before jobs had owners) as
   * failed. Other nodes' jobs are theirs: taken over only once their lease has run out.
   */
  async failInterrupted(): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'failed', error: 'interrupted: the process stopped while it ran', finished_at: now() })
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('owner', '=', this.lease.node), eb('owner', 'is', null)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Whether a job of `kind` runs on a node whose lease still holds. */
  async leased(kind: JobKind): Promise<boolean> {
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('kind', '=', kind)
      .where('status', '=', 'running')
      .where('lease_until', '>', now())
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Polls for queued jobs every `intervalMs` (for jobs queued by other processes). */
  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * Resolves when job `id` has finished (done or failed), with its final row: told at once when this
   * process runs it, otherwise seen by looking now and then (another node may run it).
   */
  async waitFor(id: number): Promise<Job> {
    for (;;) {
      const job = await this.get(id);
      if (!job) throw new Error(`no job ${id}`);
      if (job.status === 'done' || job.status === 'failed') return job;
      await new Promise<void>((resolve) => {
        const list = this.finished.get(id) ?? [];
        this.finished.set(id, list);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        // Not told within the poll: looked at again, and this waiter leaves the list.
        const timer = setTimeout(() => {
          list.splice(list.indexOf(wake), 1);
          resolve();
        }, WAIT_POLL_MS);
        timer.unref();
        list.push(wake);
      });
    }
  }

  /** Runs queued jobs this process has handlers for, until none is left. */
  private kick(): void {
    if (Object.keys(this.handlers).length === 0 || this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private leaseEnd(): string {
    return new Date(Date.now() + this.lease.ms).toISOString();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const kinds = Object.keys(this.handlers);
      // Queued jobs in order, and running ones whose node stopped renewing their lease.
      const next = await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('kind', 'in', kinds)
        .where((eb) =>
          eb.or([
            eb('status', '=', 'queued'),
            eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now())]),
          ]),
        )
        .orderBy('id')
        .executeTakeFirst();
      if (!next) return;
      const takeover = next.status === 'running';
      // Claim it as it was seen; another runner that got there first wins and we look again.
      const claimed = await this.db
        .updateTable('jobs')
        .set({
          status: 'running',
          owner: this.lease.node,
          lease_until: this.leaseEnd(),
          started_at: now(),
          ...(takeover ? { progress: 0, message: `taken over from ${next.owner}: its lease ran out` } : {}),
        })
        .where('id', '=', next.id)
        .where('status', '=', next.status)
        .$if(takeover, (qb) => qb.where('lease_until', '=', next.lease_until as string))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      await this.run(toJob({ ...next, status: 'running' }));
    }
  }

  /** Renews the lease of job `id` until stopped; aborts `lost` when the job is no longer this node's. */
  private keepLease(id: number, lost: AbortController): () => void {
    const timer = setInterval(() => {
      this.db
        .updateTable('jobs')
        .set({ lease_until: this.leaseEnd() })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('owner', '=', this.lease.node)
        .executeTakeFirst()
        .then((renewed) => {
          if (Number(renewed.numUpdatedRows) === 0)
            lost.abort(new Error('lease lost: another node took the job over'));
        })
        // The database out of reach: the next renewal tries again, and the lease may run out meanwhile.
        .catch(() => {});
    }, this.lease.ms / 3);
    return () => clearInterval(timer);
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers[job.kind] as JobHandler;
    const lost = new AbortController();
    const release = this.keepLease(job.id, lost);
    let lastWrite = 0;
    const progress: ReportProgress = (fraction, message) => {
      // Progress is for people watching: at most a few writes a second.
      const t = Date.now();
      if (t - lastWrite < 1000 && fraction < 1) return;
      lastWrite = t;
      this.onProgress(job, fraction, message);
      void this.db
        .updateTable('jobs')
        .set({ progress: Math.max(0, Math.min(1, fraction)), message })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .where('owner', '=', this.lease.node)
        .execute()
        .catch(() => {});
    };
    try {
      const result = await handler(job, progress, lost.signal);
      await this.db
        .updateTable('jobs')
        .set({
          status: 'done',
          progress: 1,
          message: 'done',
          result: JSON.stringify(result),
          finished_at: now(),
        })
        .where('id', '=', job.id)
        .where('owner', '=', this.lease.node)
        .execute();
    } catch (error) {
      await this.db
        .updateTable('jobs')
        .set({
          status: 'failed',
          error: error instanceof Error ? error.message : String(error),
          finished_at: now(),
        })
        .where('id', '=', job.id)
        .where('owner', '=', this.lease.node)
        .execute();
    } finally {
      release();
      for (const resolve of this.finished.get(job.id) ?? []) resolve();
      this.finished.delete(job.id);
    }
  }
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    status: row.status as Job['status'],
    progress: row.progress,
    message: row.message,
    error: row.error,
    result: row.result ? JSON.parse(row.result) : null,
    requestedBy: row.requested_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
