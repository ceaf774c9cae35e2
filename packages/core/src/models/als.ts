import type { Interactions } from '../data/interactions.js';
import { ArenaLayout, KernelArena } from '../math/kernels.js';
import { Rng } from '../math/rng.js';
import { balancedRanges, defaultThreads, KernelPool } from '../parallel/kernel-pool.js';
import { type FactorLayout, factorLayout, fixedSlot, type Side, slotVector } from './factor-layout.js';
import type { FactorModel } from './factor-model.js';
import { heldOutRank, leadingRows, principalRows } from './factor-rank.js';
import {
  BIASES_PARAM,
  buildFactorModel,
  initRows,
  type Standardization,
  standardization,
  standardizedRmse,
} from './factor-training.js';
import { type FitOptions, type FitReport, type FitResult, throwIfAborted } from './fit-options.js';
import { defineParams, type ParamSpec, type ParamsOf, type ParamValues, resolveParams } from './params.js';

/** How many conjugate-gradient steps solve a row (ALS and implicit ALS). */
export const CG_STEPS_PARAM = {
  name: 'cgSteps',
  type: 'int',
  default: 3,
  min: 1,
  max: 64,
  description: 'conjugate-gradient steps per row',
} as const satisfies ParamSpec;

/**
 * ALS-WR (Zhou et al. 2008): alternately solve every item row with the user rows fixed, then every user
 * row with the item rows fixed, each a ridge regression whose penalty grows with the row's number of
 * ratings n: λ·(n + damping) on factors, lambdaBias·n + biasDamping on the biases. The constant parts
 * keep rows with a handful of ratings from fitting their noise (on long-tailed data most rows are such),
 * as damped means do; the count parts keep heavy rows in proportion (docs/defaults.md). Optional biases ride along as two extra slots (factor-layout.ts). Rows are solved by a few
 * conjugate-gradient steps warm-started from the previous sweep (the default), or exactly by Cholesky,
 * in WebAssembly SIMD, in parallel over worker threads sharing the memory (contiguous row blocks of equal
 * work; each row's solve does not depend on the split, so results are the same for any thread count).
 */
export const ALS_PARAMS = defineParams([
  {
    name: 'factors',
    type: 'int',
    default: 64,
    min: 0,
    max: 1024,
    description: 'latent dimensions',
    search: { min: 8, max: 256, log: true },
  },
  { name: 'epochs', type: 'int', default: 12, min: 1, description: 'sweeps (items, then users)' },
  {
    name: 'lambda',
    type: 'number',
    default: 0.08,
    min: 0,
    description: 'ridge penalty on factors, × the row’s rating count, on standardized ratings',
    search: { min: 0.01, max: 0.5, log: true },
  },
  {
    name: 'lambdaBias',
    type: 'number',
    default: 0.02,
    min: 0,
    description: 'ridge penalty on biases, × the row’s rating count',
    search: { min: 0.001, max: 0.5, log: true },
  },
  {
    name: 'damping',
    type: 'number',
    default: 20,
    min: 0,
    description: 'pseudo-ratings added to each row’s count in the factor penalty: lambda × (count + damping)',
    search: { min: 0.5, max: 50, log: true },
  },
  {
    name: 'biasDamping',
    type: 'number',
    default: 2,
    min: 0,
    description: 'ridge penalty on biases added once per row, not × its count (pseudo-ratings)',
    search: { min: 0.5, max: 50, log: true },
  },
  BIASES_PARAM,
  { name: 'solver', type: 'enum', default: 'cg', values: ['cg', 'cholesky'], description: 'row solver' },
  CG_STEPS_PARAM,
  { name: 'init', type: 'number', default: 0.1, min: 0, description: 'sd of the random start' },
  {
    name: 'prune',
    type: 'boolean',
    default: true,
    description: 'keep only the leading factors that predict held-out ratings better (docs/defaults.md)',
  },
]);

/** Pruning holds out this share of the ratings, and only when that makes at least PRUNE_MIN_HELD_OUT. */
const PRUNE_HELD_OUT = 0.1;
const PRUNE_MIN_HELD_OUT = 1000;
/** The paired z statistic the gain of fewer factors must reach (a strict bar: the rank is chosen among k). */
const PRUNE_Z = 3;
/** Sweeps over all the ratings after the held-out fit, from its rows: all of them, or cut to fewer factors. */
const WARM_EPOCHS = 3;
const PRUNED_EPOCHS = 1;
/** After a cut, the penalties tried (× lambda) and the sweeps each gets on the fitted part. */
const PENALTY_SCALES = [1, 0.5, 0.25];
const PENALTY_EPOCHS = 4;

/**
 * ALS, with pruning (the default) in three steps: fit on all but a held-out 10 % of the ratings; rotate
 * the factors onto the singular directions of UVᵀ and find the leading count that predicts the held-out
 * ratings best (factor-rank.ts); then finish on all the ratings from the held-out fit's rows: one sweep
 * from rows cut to fewer factors when those win clearly, else a few sweeps with all of them.
 */
export async function fitAls(
  data: Interactions,
  given: Record<string, ParamValues[string] | undefined> = {},
  options: FitOptions = {},
): Promise<FitResult<FactorModel>> {
  const params = resolveParams(ALS_PARAMS, given);
  const settings = alsSettings(params);
  const started = performance.now();
  const prune = params.prune && settings.factors >= 2 && data.length * PRUNE_HELD_OUT >= PRUNE_MIN_HELD_OUT;
  // The held-out phase returns only rows: its ratings, kernel memory and rotations are freed before the
  // final sweeps allocate theirs.
  const start = prune ? await heldOutStart(data, settings, options) : undefined;
  const finish = start?.settings ?? settings;
  const last = await sweepAls(
    data,
    finish,
    options,
    { epochs: start?.epochs ?? settings.epochs, done: start ? settings.epochs : 0 },
    start,
  );
  const report: FitReport = {
    fitSeconds: (performance.now() - started) / 1000,
    epochSeconds: [...(start?.report.epochSeconds ?? []), ...last.report.epochSeconds],
    curve: [...(start?.report.curve ?? []), ...last.report.curve],
  };
  if (start) report.factors = finish.factors;
  if (start?.cut) report.lambda = finish.lambda;
  const penalty = {
    factors: finish.lambda,
    bias: finish.lambdaBias,
    weighted: true,
    factorsFixed: finish.lambda * finish.damping,
    biasFixed: finish.biasDamping,
  };
  const { layout, std, userRows, itemRows } = last;
  const model = buildFactorModel({ data, layout, std, userRows, itemRows, penalty, scale: data.range() });
  return { model, report };
}

/** Where the final sweeps over all the ratings start: rows, the settings to finish with, how many sweeps. */
interface HeldOutStart extends SweepResult {
  settings: AlsSettings;
  epochs: number;
  /** Whether the rows were cut to fewer factors. */
  cut: boolean;
}

/** Steps 1 and 2 of fitAls: the fit on 90 % of the ratings, and the cut when the held-out 10 % say so. */
async function heldOutStart(
  data: Interactions,
  settings: AlsSettings,
  options: FitOptions,
): Promise<HeldOutStart> {
  const { fit, heldOut } = holdOut(data, PRUNE_HELD_OUT, new Rng(options.seed ?? 0).split(2));
  const total = settings.epochs + WARM_EPOCHS;
  const first = await sweepAls(fit, settings, options, { epochs: settings.epochs, total });
  const principal = principalRows(first.userRows, first.itemRows, first.layout);
  const choice = heldOutRank(principal, first.layout, heldOut, first.std, data.range());
  if (choice.rank === settings.factors || choice.z < PRUNE_Z)
    return { ...first, settings, epochs: WARM_EPOCHS, cut: false };
  const cut = await cutPenalty(fit, heldOut, settings, options, principal, choice.rank);
  return { ...cut, report: first.report, epochs: PRUNED_EPOCHS, cut: true };
}

/**
 * The rows cut to `rank` factors, refitted on `fit` at λ × each of PENALTY_SCALES (a few sweeps: few
 * factors are cheap); the held-out ratings pick the penalty. A penalty strong enough to keep 64 factors'
 * noise down also shrinks the taste that the cut keeps: on the dense shape 6 factors want half of it.
 */
async function cutPenalty(
  fit: Interactions,
  heldOut: Interactions,
  settings: AlsSettings,
  options: FitOptions,
  principal: { userRows: Float32Array; itemRows: Float32Array },
  rank: number,
): Promise<SweepResult & { settings: AlsSettings }> {
  const layout = factorLayout(settings.factors, settings.biases);
  const cut = {
    userRows: leadingRows(principal.userRows, layout, rank).rows,
    itemRows: leadingRows(principal.itemRows, layout, rank).rows,
  };
  const quiet = { ...options, onProgress: undefined, validation: undefined };
  let best: (SweepResult & { settings: AlsSettings; rmse: number }) | undefined;
  for (const scale of PENALTY_SCALES) {
    const trial = { ...settings, factors: rank, lambda: settings.lambda * scale };
    const run = await sweepAls(fit, trial, quiet, { epochs: PENALTY_EPOCHS }, cut);
    const rmse = standardizedRmse(
      heldOut,
      run.userRows,
      run.itemRows,
      run.layout.stride,
      run.std,
      fit.range(),
    );
    if (!best || rmse < best.rmse) best = { ...run, settings: trial, rmse };
  }
  return best as SweepResult & { settings: AlsSettings };
}

/** ALS's parameters, read once. */
interface AlsSettings {
  factors: number;
  epochs: number;
  lambda: number;
  lambdaBias: number;
  damping: number;
  biasDamping: number;
  biases: boolean;
  exact: boolean;
  cgSteps: number;
  init: number;
}

function alsSettings(params: ParamsOf<typeof ALS_PARAMS>): AlsSettings {
  return {
    factors: params.factors,
    epochs: params.epochs,
    lambda: params.lambda,
    lambdaBias: params.lambdaBias,
    damping: params.damping,
    biasDamping: params.biasDamping,
    biases: params.biases,
    exact: params.solver === 'cholesky',
    cgSteps: params.cgSteps,
    init: params.init,
  };
}

/** The ratings split at random into a part to fit and a held-out `share`. */
function holdOut(data: Interactions, share: number, rng: Rng): { fit: Interactions; heldOut: Interactions } {
  const fit: number[] = [];
  const heldOut: number[] = [];
  for (let t = 0; t < data.length; t++) (rng.uniform() < share ? heldOut : fit).push(t);
  return { fit: data.subset(fit), heldOut: data.subset(heldOut) };
}

/**
 * How many sweeps (items, then users) a run makes; `done` and `total` place them in the whole fit's
 * progress.
 */
interface SweepPlan {
  epochs: number;
  total?: number;
  done?: number;
}

/** What one run of sweeps leaves: its rows in standardized units (copied out of kernel memory), and times. */
interface SweepResult {
  userRows: Float32Array;
  itemRows: Float32Array;
  std: Standardization;
  layout: FactorLayout;
  report: FitReport;
}

/**
 * The ALS sweeps over `data`, from random rows or from `start` (standardized rows of the same layout).
 */
async function sweepAls(
  data: Interactions,
  settings: AlsSettings,
  options: FitOptions,
  sweeps: SweepPlan,
  start?: { userRows: Float32Array; itemRows: Float32Array },
): Promise<SweepResult> {
  const { factors, lambda, lambdaBias, exact } = settings;
  const fixed = { factors: lambda * settings.damping, bias: settings.biasDamping };
  const steps = settings.cgSteps;
  const layout = factorLayout(factors, settings.biases);
  const { stride } = layout;
  const threads = options.threads ?? defaultThreads();
  const started = performance.now();
  const std = standardization(data);
  const scale = data.range();
  const byUser = data.byUser();
  const byItem = data.byItem();
  const plan = new ArenaLayout();
  const nnz = data.length;
  const nUsers = data.users.size;
  const nItems = data.items.size;
  const scratchBytes = exact ? 12 * stride * stride + 8 * stride : 16 * stride;
  const at = {
    userPtr: plan.reserve(4 * (nUsers + 1)),
    userIdx: plan.reserve(4 * nnz),
    userVal: plan.reserve(4 * nnz),
    itemPtr: plan.reserve(4 * (nItems + 1)),
    itemIdx: plan.reserve(4 * nnz),
    itemVal: plan.reserve(4 * nnz),
    userRows: plan.reserve(4 * nUsers * stride),
    itemRows: plan.reserve(4 * nItems * stride),
    userMask: plan.reserve(4 * stride),
    userReg: plan.reserve(4 * stride),
    itemMask: plan.reserve(4 * stride),
    itemReg: plan.reserve(4 * stride),
    userRegFixed: plan.reserve(4 * stride),
    itemRegFixed: plan.reserve(4 * stride),
    scratch: Array.from({ length: threads }, () => plan.reserve(scratchBytes)),
  };
  const arena = new KernelArena(plan);
  const copyCsr = (csr: typeof byUser, ptr: number, idx: number, val: number): void => {
    arena.i32(ptr, csr.indptr.length).set(csr.indptr);
    arena.i32(idx, nnz).set(csr.indices);
    const values = arena.f32(val, nnz);
    for (let e = 0; e < nnz; e++) values[e] = (csr.values[e] - std.mean) / std.sd;
  };
  copyCsr(byUser, at.userPtr, at.userIdx, at.userVal);
  copyCsr(byItem, at.itemPtr, at.itemIdx, at.itemVal);
  const userRows = arena.f32(at.userRows, nUsers * stride);
  const itemRows = arena.f32(at.itemRows, nItems * stride);
  if (start) {
    userRows.set(start.userRows);
    itemRows.set(start.itemRows);
  } else {
    const rng = new Rng(options.seed ?? 0);
    initRows(userRows, layout, 'user', rng.split(0), settings.init);
    initRows(itemRows, layout, 'item', rng.split(1), settings.init);
  }
  for (const side of ['user', 'item'] as const) {
    arena.f32(side === 'user' ? at.userMask : at.itemMask, stride).set(slotVector(layout, side, 1, 1));
    arena
      .f32(side === 'user' ? at.userReg : at.itemReg, stride)
      .set(slotVector(layout, side, lambda, lambdaBias));
    arena
      .f32(side === 'user' ? at.userRegFixed : at.itemRegFixed, stride)
      .set(slotVector(layout, side, fixed.factors, fixed.bias));
  }

  const halfSweep = (side: Side, ranges: [number, number][]): number[][] =>
    ranges.map(([begin, end], thread) => {
      const user = side === 'user';
      return [
        begin,
        end,
        user ? at.userPtr : at.itemPtr,
        user ? at.userIdx : at.itemIdx,
        user ? at.userVal : at.itemVal,
        user ? at.userRows : at.itemRows,
        user ? at.itemRows : at.userRows,
        stride,
        0,
        fixedSlot(layout, side),
        user ? at.userMask : at.itemMask,
        user ? at.userReg : at.itemReg,
        user ? at.userRegFixed : at.itemRegFixed,
        steps,
        at.scratch[thread],
      ];
    });
  const userShares = halfSweep('user', balancedRanges(byUser.indptr, threads));
  const itemShares = halfSweep('item', balancedRanges(byItem.indptr, threads));
  const kernel = exact ? 'alsRowsExact' : 'alsRows';

  const pool = await KernelPool.create(arena, threads);
  const report: FitReport = { fitSeconds: 0, epochSeconds: [], curve: [] };
  const { done = 0, total = done + sweeps.epochs } = sweeps;
  try {
    for (let epoch = 1; epoch <= sweeps.epochs; epoch++) {
      throwIfAborted(options.signal);
      const t0 = performance.now();
      // Items first, so the user rows end solved against the final item rows (fold-in reproduces them).
      pool.run(kernel, itemShares);
      pool.run(kernel, userShares);
      report.epochSeconds.push((performance.now() - t0) / 1000);
      let validationRmse: number | undefined;
      if (options.validation) {
        validationRmse = standardizedRmse(options.validation, userRows, itemRows, stride, std, scale);
        report.curve.push(validationRmse);
      }
      options.onProgress?.({
        epoch: done + epoch,
        epochs: total,
        elapsedSeconds: (performance.now() - started) / 1000,
        validationRmse,
      });
    }
  } finally {
    await pool.close();
  }
  report.fitSeconds = (performance.now() - started) / 1000;
  return { report, userRows: userRows.slice(), itemRows: itemRows.slice(), std, layout };
}
