import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KernelArena, KernelExports } from '../math/kernels.js';

/** Kernels a pool can run, by their index in the shared control block. */
export const POOL_KERNELS = ['alsRows', 'alsRowsExact', 'ialsRows'] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/**
 * Control block layout (Int32 slots), shared with kernel-worker.ts: the job generation, a failure flag,
 * then one slot per thread holding the last generation that thread finished. Per-thread slots rather
 * than one shared countdown, so the caller waits on each worker by name and can tell which one is late.
 */
export const CONTROL = { generation: 0, failed: 1, done: 2 } as const;
/** How long an idle worker sleeps before it checks the generation again (a missed wake-up costs this). */
export const IDLE_CHECK_MS = 1000;
/** How long the caller waits on a worker before it checks that the worker is still alive. */
const ALIVE_CHECK_MS = 5000;
/** Float64 argument slots per thread: [kernel index, ...arguments]. */
export const ARGS_PER_THREAD = 24;
export const ERROR_BYTES = 1024;

/** The default thread count: one per core the process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * Runs one WebAssembly kernel on several threads over a shared KernelArena. The calling thread takes the
 * first share itself, `threads - 1` workers take the others; dispatch and completion go through Atomics
 * on a small shared control block (no message round-trips), so a call costs microseconds. `run` blocks
 * until every share is done, which keeps the computation deterministic: each share writes only its own
 * rows.
 */
export class KernelPool {
  private constructor(
    private readonly arena: KernelArena,
    private readonly workers: Worker[],
    private readonly control: Int32Array,
    private readonly args: Float64Array,
    private readonly errorText: Uint8Array,
  ) {}

  static async create(arena: KernelArena, threads: number): Promise<KernelPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`threads must be a whole number ≥ 1, got ${threads}`);
    const { control, args, errorText, shared } = controlBlock(threads);
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let slot = 1; slot < threads; slot++) {
      const worker = new Worker(new URL('./kernel-worker.js', import.meta.url), {
        workerData: { module: arena.module, memory: arena.memory, shared, slot, threads },
      });
      workers.push(worker);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    return new KernelPool(arena, workers, control, args, errorText);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs `kernel` once per thread with that thread's arguments (shares.length must equal `threads`). */
  run(kernel: PoolKernel, shares: number[][]): void {
    if (shares.length !== this.threads)
      throw new Error(`${shares.length} shares for ${this.threads} threads`);
    const index = POOL_KERNELS.indexOf(kernel);
    for (let slot = 1; slot < shares.length; slot++) {
      const base = slot * ARGS_PER_THREAD;
      this.args[base] = index;
      this.args.set(shares[slot], base + 1);
    }
    Atomics.store(this.control, CONTROL.failed, 0);
    const generation = Atomics.add(this.control, CONTROL.generation, 1) + 1;
    Atomics.notify(this.control, CONTROL.generation);
    const fn = this.arena.kernels[kernel] as (...a: number[]) => void;
    try {
      fn(...shares[0]);
    } finally {
      this.awaitWorkers(generation);
    }
    if (Atomics.load(this.control, CONTROL.failed)) {
      const text = new TextDecoder().decode(this.errorText.slice()).replace(/\0+$/, '');
      throw new Error(`kernel ${kernel} failed in a worker thread: ${text}`);
    }
  }

  async close(): Promise<void> {
    for (let slot = 1; slot <= this.workers.length; slot++) this.args[slot * ARGS_PER_THREAD] = -1;
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    await Promise.all(this.workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  }

  private awaitWorkers(generation: number): void {
    this.workers.forEach((worker, i) => {
      const slot = CONTROL.done + i + 1;
      for (;;) {
        const done = Atomics.load(this.control, slot);
        if (done === generation) return;
        const timedOut = Atomics.wait(this.control, slot, done, ALIVE_CHECK_MS) === 'timed-out';
        if (timedOut && worker.threadId < 0)
          throw new Error(`kernel worker thread ${i + 1} stopped unexpectedly`);
      }
    });
  }
}

/** The shared control block of a pool of `threads` threads and its views (also built by each worker). */
export function controlBlock(threads: number, shared?: SharedArrayBuffer) {
  const controlBytes = (CONTROL.done + threads) * 4;
  const argBytes = threads * ARGS_PER_THREAD * 8;
  // Float64 arguments need 8-byte alignment after the Int32 control slots.
  const argsAt = Math.ceil(controlBytes / 8) * 8;
  const buffer = shared ?? new SharedArrayBuffer(argsAt + argBytes + ERROR_BYTES);
  return {
    shared: buffer,
    control: new Int32Array(buffer, 0, CONTROL.done + threads),
    args: new Float64Array(buffer, argsAt, threads * ARGS_PER_THREAD),
    errorText: new Uint8Array(buffer, argsAt + argBytes, ERROR_BYTES),
  };
}

/** Splits rows 0..rows-1 into `parts` contiguous ranges of about equal cost (entries + one per row). */
export function balancedRanges(indptr: Int32Array, parts: number): [number, number][] {
  const rows = indptr.length - 1;
  const total = indptr[rows] + rows;
  const ranges: [number, number][] = [];
  let begin = 0;
  for (let p = 1; p <= parts; p++) {
    const goal = (total * p) / parts;
    const cost = (end: number): number => indptr[end] + end;
    let end = begin;
    // Take the next row while that lands closer to this part's share of the total.
    while (end < rows && (p === parts || Math.abs(cost(end + 1) - goal) <= Math.abs(goal - cost(end)))) end++;
    ranges.push([begin, end]);
    begin = end;
  }
  return ranges;
}

export type { KernelExports };
