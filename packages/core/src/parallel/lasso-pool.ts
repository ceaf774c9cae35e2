import { Worker } from 'node:worker_threads';
import {
  type LassoJob,
  type LassoOutputs,
  type LassoProblem,
  PathStore,
  runLassoJob,
} from '../math/lasso-cd.js';

/** A typed array over a SharedArrayBuffer, zeroed (length) or holding a copy of `from`. */
export function shared<A extends Int32Array | Float64Array | Uint8Array>(
  Kind: { new (buffer: SharedArrayBuffer, offset: number, length: number): A; BYTES_PER_ELEMENT: number },
  from: number | ArrayLike<number>,
): A {
  const length = typeof from === 'number' ? from : from.length;
  const array = new Kind(new SharedArrayBuffer(Math.max(1, length * Kind.BYTES_PER_ELEMENT)), 0, length);
  if (typeof from !== 'number') array.set(from);
  return array;
}

/**
 * Worker threads for the per-user solves: each gets the problem and outputs once (shared memory) and
 * then one block of users per job; the calling thread takes the first block itself. Every user's solve
 * is the same whatever block it falls in, so results do not depend on the thread count.
 */
export class LassoThreads {
  private problem: LassoProblem | undefined;
  private outputs: LassoOutputs | undefined;
  /** The calling thread's cross-validation paths. */
  private readonly paths = new PathStore();
  /** A worker's failure outside a job (it could not load, say), reported by the next `run`. */
  private crash: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) worker.on('error', (error) => (this.crash ??= error));
  }

  /** Starts `threads - 1` workers (they load while the caller builds the problem). */
  static start(threads: number): LassoThreads {
    return new LassoThreads(
      Array.from({ length: threads - 1 }, () => new Worker(new URL('./lasso-worker.js', import.meta.url))),
    );
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  share(problem: LassoProblem, outputs: LassoOutputs): void {
    this.problem = problem;
    this.outputs = outputs;
    for (const worker of this.workers) worker.postMessage({ problem, outputs });
  }

  /** Runs `job`, block t of `ranges` on thread t; resolves when every block is done. */
  async run(job: LassoJob, ranges: [number, number][]): Promise<void> {
    if (!this.problem || !this.outputs) throw new Error('LassoThreads.run before share');
    if (this.crash) throw this.crash;
    const replies = this.workers.map((worker, w) => {
      const [begin, end] = ranges[w + 1];
      const reply = answerOf(worker);
      worker.postMessage({ job, begin, end });
      return reply;
    });
    let failure: unknown;
    try {
      runLassoJob(this.problem, this.outputs, job, ranges[0][0], ranges[0][1], this.paths);
    } catch (error) {
      failure = error;
    }
    // Wait for every block even when this thread's failed: the workers write the shared outputs.
    for (const settled of await Promise.allSettled(replies)) {
      if (settled.status === 'rejected') failure ??= settled.reason;
    }
    if (failure !== undefined) throw failure;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker's next answer: resolves on success, rejects on a failure it reports or its crash. */
function answerOf(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { ok: boolean; error?: string }): void => {
      done();
      if (message.ok) resolve();
      else reject(new Error(`lasso worker thread failed: ${message.error}`));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`lasso worker thread stopped (exit code ${code})`));
    };
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
