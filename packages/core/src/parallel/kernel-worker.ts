// A worker thread of KernelPool: instantiates the kernels over the shared memory, then waits on the
// control block for work; each generation it runs its share and records that generation as done.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateKernels } from '../math/kernels.js';
import {
  ARGS_PER_THREAD,
  CONTROL,
  controlBlock,
  ERROR_BYTES,
  IDLE_CHECK_MS,
  POOL_KERNELS,
} from './kernel-pool.js';

const { module, memory, shared, slot, threads } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: SharedArrayBuffer;
  slot: number;
  threads: number;
};
const kernels = instantiateKernels(module, memory);
const { control, args, errorText } = controlBlock(threads, shared);
// Read the generation before saying ready: the first job may be posted the moment we do.
let seen = Atomics.load(control, CONTROL.generation);
parentPort?.postMessage('ready');
for (;;) {
  // Timed, and re-checked: a wake-up that went astray delays the job by IDLE_CHECK_MS, never forever.
  while (Atomics.load(control, CONTROL.generation) === seen)
    Atomics.wait(control, CONTROL.generation, seen, IDLE_CHECK_MS);
  seen = Atomics.load(control, CONTROL.generation);
  const base = slot * ARGS_PER_THREAD;
  const index = args[base];
  if (index < 0) break;
  try {
    const fn = kernels[POOL_KERNELS[index]] as (...a: number[]) => void;
    fn(...Array.from(args.subarray(base + 1, base + ARGS_PER_THREAD)));
  } catch (error) {
    errorText.set(new TextEncoder().encode(String(error)).subarray(0, ERROR_BYTES));
    Atomics.store(control, CONTROL.failed, 1);
  }
  Atomics.store(control, CONTROL.done + slot, seen);
  Atomics.notify(control, CONTROL.done + slot);
}
