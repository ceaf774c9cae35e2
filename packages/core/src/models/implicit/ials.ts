import type { Interactions } from '../../data/interactions.js';
import { ArenaLayout, KernelArena } from '../../math/kernels.js';
import { Rng } from '../../math/rng.js';
import { balancedRanges, defaultThreads, KernelPool } from '../../parallel/kernel-pool.js';
import { CG_STEPS_PARAM } from '../als.js';
import { factorLayout, type Side } from '../factor-layout.js';
import { initRows } from '../factor-training.js';
import { type FitOptions, type FitReport, type FitResult, throwIfAborted } from '../fit-options.js';
import { defineParams, resolveParams } from '../params.js';
import { type Confidence, extraConfidence } from './confidence.js';
import { ImplicitAlsModel } from './ials-model.js';

/**
 * Implicit ALS (Hu, Koren, Volinsky 2008): every user–item pair is a preference p = 1 (interacted) or 0
 * (not), weighted by a confidence c = 1 + α·r on interactions and 1 elsewhere; alternately every item
 * row, then every user row, minimizes its weighted squared error plus λ|x|². Rows are solved by a few
 * conjugate-gradient steps warm-started from the previous sweep (Takács, Pilászy, Tikk 2011), in
 * WebAssembly SIMD over worker threads, with YᵀY computed once per half-sweep (docs/implicit.md).
 */
export const IALS_PARAMS = defineParams([
  { name: 'factors', type: 'int', default: 64, min: 1, max: 1024, description: 'latent dimensions' },
  { name: 'epochs', type: 'int', default: 15, min: 1, description: 'sweeps (items, then users)' },
  { name: 'lambda', type: 'number', default: 0.1, min: 0, description: 'ridge penalty on factors' },
  {
    name: 'alpha',
    type: 'number',
    default: 2,
    min: 0,
    description: 'confidence slope: c = 1 + alpha·r (linear) or 1 + alpha·log(1 + r/epsilon) (log)',
  },
  {
    name: 'confidence',
    type: 'enum',
    default: 'linear',
    values: ['linear', 'log'],
    description: 'confidence form',
  },
  { name: 'epsilon', type: 'number', default: 1, min: 1e-9, description: 'scale of r in the log form' },
  CG_STEPS_PARAM,
  { name: 'init', type: 'number', default: 0.01, min: 0, description: 'sd of the random start' },
]);

export async function fitIals(
  data: Interactions,
  given: Record<string, number | boolean | string | undefined> = {},
  options: FitOptions = {},
): Promise<FitResult<ImplicitAlsModel>> {
  const params = resolveParams(IALS_PARAMS, given);
  const lambda = params.lambda;
  const confidence: Confidence = {
    form: params.confidence,
    alpha: params.alpha,
    epsilon: params.epsilon,
  };
  const layout = factorLayout(params.factors, false);
  const { stride } = layout;
  const threads = options.threads ?? defaultThreads();
  const started = performance.now();
  const byUser = data.byUser();
  const byItem = data.byItem();
  const nnz = data.length;
  const nUsers = data.users.size;
  const nItems = data.items.size;

  const plan = new ArenaLayout();
  // Per side: its CSR (indptr, item or user indices, c − 1) and its rows.
  const reserveSide = (rows: number) => ({
    ptr: plan.reserve(4 * (rows + 1)),
    idx: plan.reserve(4 * nnz),
    val: plan.reserve(4 * nnz),
    rows: plan.reserve(4 * rows * stride),
  });
  const user = reserveSide(nUsers);
  const item = reserveSide(nItems);
  const gram = plan.reserve(4 * stride * stride);
  const scratch = Array.from({ length: threads }, () => plan.reserve(12 * stride));
  const arena = new KernelArena(plan);
  for (const [csr, at] of [
    [byUser, user],
    [byItem, item],
  ] as const) {
    arena.i32(at.ptr, csr.indptr.length).set(csr.indptr);
    arena.i32(at.idx, nnz).set(csr.indices);
    const values = arena.f32(at.val, nnz);
    for (let e = 0; e < nnz; e++) values[e] = extraConfidence(confidence, csr.values[e]);
  }
  const userRows = arena.f32(user.rows, nUsers * stride);
  const itemRows = arena.f32(item.rows, nItems * stride);
  const rng = new Rng(options.seed ?? 0);
  initRows(userRows, layout, 'user', rng.split(0), params.init);
  initRows(itemRows, layout, 'item', rng.split(1), params.init);

  const shares = (side: Side): number[][] => {
    const [solved, fixed] = side === 'user' ? [user, item] : [item, user];
    const indptr = side === 'user' ? byUser.indptr : byItem.indptr;
    return balancedRanges(indptr, threads).map(([begin, end], thread) => [
      begin,
      end,
      solved.ptr,
      solved.idx,
      solved.val,
      solved.rows,
      fixed.rows,
      stride,
      gram,
      params.cgSteps,
      scratch[thread],
    ]);
  };
  const userShares = shares('user');
  const itemShares = shares('item');
  /** G = YᵀY + λI of the fixed side's rows, in kernel memory. */
  const setGram = (fixedRows: number, count: number): void => {
    arena.kernels.gramRows(fixedRows, count, stride, gram);
    const g = arena.f32(gram, stride * stride);
    for (let c = 0; c < stride; c++) g[c * stride + c] += Math.max(lambda, 1e-9);
  };

  const pool = await KernelPool.create(arena, threads);
  const report: FitReport = { fitSeconds: 0, epochSeconds: [], curve: [] };
  const epochs = params.epochs;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      throwIfAborted(options.signal);
      const t0 = performance.now();
      // Items first, so the user rows end solved against the final item rows (as fold-in solves them).
      setGram(user.rows, nUsers);
      pool.run('ialsRows', itemShares);
      setGram(item.rows, nItems);
      pool.run('ialsRows', userShares);
      report.epochSeconds.push((performance.now() - t0) / 1000);
      options.onProgress?.({ epoch, epochs, elapsedSeconds: (performance.now() - started) / 1000 });
    }
  } finally {
    await pool.close();
  }
  const train = data.byUser();
  const model = new ImplicitAlsModel(
    {
      layout,
      mean: 0,
      users: data.users,
      items: data.items,
      userRows: new Float32Array(userRows),
      itemRows: new Float32Array(itemRows),
      regularization: { factors: lambda, bias: 0, weighted: false },
      scale: undefined,
      train: { indptr: train.indptr, indices: train.indices, values: train.values },
    },
    confidence,
  );
  report.fitSeconds = (performance.now() - started) / 1000;
  return { model, report };
}
