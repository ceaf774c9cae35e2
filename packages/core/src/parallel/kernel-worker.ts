// A worker thread of KernelPool: instantiates the kernels over the shared memory, then waits on the
// control block for work; each generation it runs its share and counts down `pending`.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateKernels } from '../math/kernels.js';
import { ARGS_PER_THREAD, CONTROL, ERROR_BYTES, POOL_KERNELS } from './kernel-pool.js';

const { module, memory, shared, slot, threads } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: SharedArrayBuffer;
  slot: number;
  threads: number;
};
const kernels = instantiateKernels(module, memory);
const control = new Int32Array(shared, 0, CONTROL.slots);
const args = new Float64Array(shared, CONTROL.slots * 4, threads * ARGS_PER_THREAD);
const errorText = new Uint8Array(shared, CONTROL.slots * 4 + threads * ARGS_PER_THREAD * 8, ERROR_BYTES);
// Read the generation before saying ready: the first job may be posted the moment we do.
let seen = Atomics.load(control, CONTROL.generation);
parentPort?.postMessage('ready');
for (;;) {
  Atomics.wait(control, CONTROL.generation, seen);
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
  if (Atomics.sub(control, CONTROL.pending, 1) === 1) Atomics.notify(control, CONTROL.pending);
}
