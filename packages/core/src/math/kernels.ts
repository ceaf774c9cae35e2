/**
 * The WebAssembly SIMD kernels (built from asm/kernels.ts into dist/kernels.wasm) and the shared linear
 * memory they work in. The JavaScript side lays the memory out with an `ArenaLayout` (a bump allocator
 * that only computes offsets), then creates a `KernelArena` of exactly that size: the memory is shared,
 * so worker threads instantiate the same module over the same bytes.
 */
export interface KernelExports {
  sgdEpoch(
    triplets: number,
    n: number,
    users: number,
    items: number,
    stride: number,
    mu: number,
    stepUser: number,
    keepUser: number,
    stepItem: number,
    keepItem: number,
  ): number;
  shuffleTriplets(triplets: number, n: number, seed: number): number;
  alsRows(
    begin: number,
    end: number,
    indptr: number,
    indices: number,
    values: number,
    solved: number,
    fixed: number,
    stride: number,
    mu: number,
    fixedSlot: number,
    mask: number,
    reg: number,
    regFixed: number,
    steps: number,
    scratch: number,
  ): void;
  /** Same arguments as alsRows (steps unused): exact Cholesky solves. */
  alsRowsExact(...args: Parameters<KernelExports['alsRows']>): void;
  gramRows(rows: number, count: number, stride: number, out: number): void;
  ialsRows(
    begin: number,
    end: number,
    indptr: number,
    indices: number,
    values: number,
    solved: number,
    fixed: number,
    stride: number,
    gram: number,
    steps: number,
    scratch: number,
  ): void;
  scoreRowsI16(
    row: number,
    rows: number,
    scales: number,
    count: number,
    stride: number,
    scale: number,
    out: number,
  ): void;
  mcmcPairFactor(
    features: number,
    colptr: number,
    rows: number,
    partners: number,
    v: number,
    e: number,
    scale: number,
    noise: number,
    groupOf: number,
    mu: number,
    lambda: number,
    k: number,
    alpha: number,
  ): void;
  mcmcFactor(
    features: number,
    colptr: number,
    rows: number,
    values: number,
    v: number,
    e: number,
    q: number,
    scale: number,
    noise: number,
    groupOf: number,
    mu: number,
    lambda: number,
    k: number,
    alpha: number,
  ): void;
  addColumns(
    out: number,
    starts: number,
    items: number,
    values: number,
    weights: number,
    columns: number,
  ): void;
  nearTop(
    scores: number,
    banned: number,
    count: number,
    n: number,
    slack: number,
    heap: number,
    near: number,
    floorOut: number,
  ): number;
  heapBase(): number;
}

const PAGE = 65536;
let compiled: WebAssembly.Module | undefined;

/**
 * Where the kernels are. A bundler (Vite, for the web app's private mode) sees this pattern and ships the
 * file as an asset, with the URL rewritten to it.
 */
export const KERNELS_URL = new URL('../../kernels.wasm', import.meta.url);

/**
 * Gives the kernels to a runtime that cannot read them from disk: a browser fetches and compiles
 * KERNELS_URL itself, then hands the module over before any model needs it (docs/web.md, "Private mode").
 */
export function useKernelModule(module: WebAssembly.Module): void {
  compiled = module;
}

/** The compiled kernel module (compiled once per thread, cached). */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    // Through getBuiltinModule rather than an import of node:fs: this module also runs in browsers.
    const fs = globalThis.process?.getBuiltinModule?.('node:fs');
    if (!fs) throw new Error('osusume: no WebAssembly kernels here: call useKernelModule first');
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(KERNELS_URL);
    } catch {
      throw new Error(
        `osusume: missing WebAssembly kernels at ${KERNELS_URL.pathname}; run \`npm run build\``,
      );
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/** Computes 16-byte-aligned offsets for the buffers a computation needs, before any memory exists. */
export class ArenaLayout {
  private end: number;

  constructor() {
    // Offsets start past the module's own static data (none today, but the module decides).
    const probe = instantiateKernels(
      kernelModule(),
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }),
    );
    this.end = probe.heapBase();
  }

  /** Reserves `bytes` and returns their offset. */
  reserve(bytes: number): number {
    const at = align16(this.end);
    this.end = at + bytes;
    return at;
  }

  get size(): number {
    return align16(this.end);
  }
}

/** A shared WebAssembly memory holding a computation's buffers, with the kernels instantiated over it. */
export class KernelArena {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly kernels: KernelExports;

  constructor(layout: ArenaLayout) {
    const pages = Math.max(1, Math.ceil(layout.size / PAGE));
    if (pages > 65536) {
      throw new Error(
        `osusume: this computation needs ${(layout.size / 2 ** 30).toFixed(1)} GiB of kernel memory (max 4 GiB)`,
      );
    }
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.module = kernelModule();
    this.kernels = instantiateKernels(this.module, this.memory);
  }

  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, offset, length);
  }
}

function align16(n: number): number {
  // Not `& ~15`: offsets may pass 2^31, beyond JavaScript's 32-bit bitwise operators.
  return Math.ceil(n / 16) * 16;
}
