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

/** Does a job's work; what it returns is kept as the job's result. */
export type JobHandler = (job: Job, progress: ReportProgress) => Promise<Record<string, unknown>>;

/**
 * Background work as rows in the database, so every API process can queue a job and see its progress,
 * while one process (the one given handlers) runs them, one at a time, in the order queued. Asking for
 * a kind that is already queued or running returns that job instead of queueing a second one.
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

  /** Marks jobs left running by a process that died as failed. */
  async failInterrupted(): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'failed', error: 'interrupted: the process stopped while it ran', finished_at: now() })
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
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

  /** Resolves when job `id` has finished (done or failed), with its final row. */
  async waitFor(id: number): Promise<Job> {
    const job = await this.get(id);
    if (!job) throw new Error(`no job ${id}`);
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise<void>((resolve) => {
      const list = this.finished.get(id) ?? [];
      list.push(resolve);
      this.finished.set(id, list);
    });
    return (await this.get(id)) as Job;
  }

  /** Runs queued jobs this process has handlers for, until none is left. */
  private kick(): void {
    if (Object.keys(this.handlers).length === 0 || this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const kinds = Object.keys(this.handlers);
      const next = await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('status', '=', 'queued')
        .where('kind', 'in', kinds)
        .orderBy('id')
        .executeTakeFirst();
      if (!next) return;
      // Claim it; another runner that got there first wins and we look again.
      const claimed = await this.db
        .updateTable('jobs')
        .set({ status: 'running', started_at: now() })
        .where('id', '=', next.id)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      await this.run(toJob({ ...next, status: 'running' }));
    }
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers[job.kind] as JobHandler;
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
        .execute()
        .catch(() => {});
    };
    try {
      const result = await handler(job, progress);
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
        .execute();
    } finally {
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
