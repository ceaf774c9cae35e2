import type { Interactions } from '../data/interactions.js';
import { rmse } from '../eval/metrics.js';
import { ArenaLayout, KernelArena } from '../math/kernels.js';
import { Rng } from '../math/rng.js';
import { fitBiases } from './baseline.js';
import { type FactorLayout, factorLayout, type Side, slotVector } from './factor-layout.js';
import type { FactorModel } from './factor-model.js';
import {
  BIASES_PARAM,
  buildFactorModel,
  initRows,
  type Standardization,
  standardization,
  standardizedRmse,
} from './factor-training.js';
import { type FitOptions, type FitReport, type FitResult, throwIfAborted } from './fit-options.js';
import { defineParams, type ParamsOf, type ParamValues, resolveParams } from './params.js';

/**
 * Biased matrix factorization by stochastic gradient descent (Funk 2006; Koren, Bell and Volinsky 2009):
 * for each rating, in a new random order every epoch, err = z − (user · item) and
 *   x ← x + lr·(err·y − reg·x),  y ← y + lr·(err·x − reg·y),  b ← b + lr·(err − regBias·b).
 * One epoch is one WebAssembly SIMD kernel call (sgdEpoch in asm/kernels.ts). SGD is sequential by
 * nature, so it runs on one thread. With `epochs=0` (the default) the number of epochs is chosen by
 * early stopping on a held-out 5 % of the training ratings, then the model is refitted on all of them.
 *
 * From the small random start the biases learn within a few epochs, while the factors sit near the
 * saddle at 0 for tens of epochs before they grow: the held-out RMSE stalls on this biases-only plateau,
 * and a plain patience stops there, at the biases' RMSE. So the patience of PATIENCE epochs only counts
 * once the factors help: once the held-out RMSE beats, by FACTOR_GAIN, that of the biases model fitted
 * on the same ratings; until then it is PLATEAU_PATIENCE, which still ends a fit whose factors never
 * help. (The same rows without their latent slots are no reference: early on the factors take up part
 * of the biases.) Nor does an epoch count while the factor part of the predictions grows by FACTOR_GROWTH
 * or more: the factors are leaving the saddle, and the held-out RMSE, which the biases' overfitting pushes
 * up meanwhile, turns down once they are out (on noisy 1–10 scores this took more than 50 epochs). A
 * larger random start escapes the plateau sooner but ends worse (docs/defaults.md).
 */
export const SGD_PARAMS = defineParams([
  {
    name: 'factors',
    type: 'int',
    default: 200,
    min: 0,
    max: 1024,
    description: 'latent dimensions',
    search: { min: 8, max: 256, log: true },
  },
  {
    name: 'epochs',
    type: 'int',
    default: 0,
    min: 0,
    description: 'passes over the ratings; 0 = chosen by early stopping on 5 % of the training ratings',
  },
  { name: 'maxEpochs', type: 'int', default: 300, min: 1, description: 'upper bound for epochs=0' },
  {
    name: 'lr',
    type: 'number',
    default: 0.005,
    min: 0,
    description: 'learning rate (standardized ratings)',
    search: { min: 0.001, max: 0.03, log: true },
  },
  {
    name: 'decay',
    type: 'number',
    default: 1,
    min: 0,
    max: 1,
    description: 'learning rate × decay after each epoch',
  },
  {
    name: 'reg',
    type: 'number',
    default: 0.06,
    min: 0,
    description: 'L2 penalty on factors, per rating',
    search: { min: 0.005, max: 0.3, log: true },
  },
  {
    name: 'regBias',
    type: 'number',
    default: 0.01,
    min: 0,
    description: 'L2 penalty on biases, per rating',
    search: { min: 0.001, max: 0.3, log: true },
  },
  BIASES_PARAM,
  { name: 'init', type: 'number', default: 0.01, min: 0, description: 'sd of the random start' },
]);

const PATIENCE = 5;
const PLATEAU_PATIENCE = 50;
const FACTOR_GAIN = 0.01;
const FACTOR_GROWTH = 0.01;
const VALIDATION_FRACTION = 0.05;

export interface SgdResult extends FitResult<FactorModel> {
  /** The epoch count used (chosen by early stopping when epochs=0). */
  epochs: number;
}

export async function fitSgd(
  data: Interactions,
  given: Record<string, ParamValues[string] | undefined> = {},
  options: FitOptions = {},
): Promise<SgdResult> {
  const params = resolveParams(SGD_PARAMS, given);
  const rng = new Rng(options.seed ?? 0);
  let epochs = params.epochs;
  let tuningSeconds = 0;
  if (epochs === 0) {
    const started = performance.now();
    const order = rng.split(2).permutation(data.length);
    const held = Math.max(1, Math.round(data.length * VALIDATION_FRACTION));
    const inner = data.subset(order.subarray(held));
    const check = data.subset(order.subarray(0, held));
    const biasesRmse = await referenceRmse(inner, check);
    const trial = runSgd(
      inner,
      params,
      params.maxEpochs,
      rng,
      { signal: options.signal },
      {
        validation: check,
        stopEarly: true,
        biasesRmse,
      },
    );
    epochs = trial.bestEpoch;
    tuningSeconds = (performance.now() - started) / 1000;
  }
  const result = runSgd(data, params, epochs, rng, options, {
    validation: options.validation,
    stopEarly: false,
  });
  result.report.fitSeconds += tuningSeconds;
  return { model: result.model, report: result.report, epochs };
}

function runSgd(
  data: Interactions,
  params: ParamsOf<typeof SGD_PARAMS>,
  epochs: number,
  rng: Rng,
  options: FitOptions,
  tracking: { validation: Interactions | undefined; stopEarly: boolean; biasesRmse?: number },
): { model: FactorModel; report: FitReport; bestEpoch: number } {
  const { validation } = tracking;
  const started = performance.now();
  const layout = factorLayout(params.factors, params.biases);
  const { stride } = layout;
  const std = standardization(data);
  const scale = data.range();
  const n = data.length;
  const nUsers = data.users.size;
  const nItems = data.items.size;

  const plan = new ArenaLayout();
  const at = {
    triplets: plan.reserve(12 * n),
    userRows: plan.reserve(4 * nUsers * stride),
    itemRows: plan.reserve(4 * nItems * stride),
    vectors: plan.reserve(16 * stride),
  };
  const arena = new KernelArena(plan);
  writeTriplets(arena, at.triplets, data, std);
  const userRows = arena.f32(at.userRows, nUsers * stride);
  const itemRows = arena.f32(at.itemRows, nItems * stride);
  initRows(userRows, layout, 'user', rng.split(0), params.init);
  initRows(itemRows, layout, 'item', rng.split(1), params.init);
  const vectors = {
    stepUser: at.vectors,
    keepUser: at.vectors + 4 * stride,
    stepItem: at.vectors + 8 * stride,
    keepItem: at.vectors + 12 * stride,
  };
  const setRates = (lr: number): void => {
    for (const side of ['user', 'item'] as Side[]) {
      const reg = params.reg;
      const regBias = params.regBias;
      const step = slotVector(layout, side, lr, lr);
      const keep = slotVector(layout, side, 1 - lr * reg, 1 - lr * regBias, 1);
      arena.f32(side === 'user' ? vectors.stepUser : vectors.stepItem, stride).set(step);
      arena.f32(side === 'user' ? vectors.keepUser : vectors.keepItem, stride).set(keep);
    }
  };

  const report: FitReport = { fitSeconds: 0, epochSeconds: [], curve: [] };
  const shuffleStream = rng.split(3);
  let lr = params.lr;
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = epochs;
  let factorsHelp = layout.factors === 0 || tracking.biasesRmse === undefined;
  let stalled = 0;
  let part = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    setRates(lr);
    arena.kernels.shuffleTriplets(at.triplets, n, shuffleStream.nextUint32() | 1);
    const loss = arena.kernels.sgdEpoch(
      at.triplets,
      n,
      at.userRows,
      at.itemRows,
      stride,
      0,
      vectors.stepUser,
      vectors.keepUser,
      vectors.stepItem,
      vectors.keepItem,
    );
    report.epochSeconds.push((performance.now() - t0) / 1000);
    if (!Number.isFinite(loss)) {
      throw new Error(`SGD diverged at epoch ${epoch} (lr=${params.lr}): lower the learning rate`);
    }
    lr *= params.decay;
    let validationRmse: number | undefined;
    if (validation) {
      validationRmse = standardizedRmse(validation, userRows, itemRows, stride, std, scale);
      report.curve.push(validationRmse);
      const previousPart = part;
      part = factorPartRms(validation, userRows, itemRows, layout);
      factorsHelp ||= validationRmse < (1 - FACTOR_GAIN) * (tracking.biasesRmse ?? Number.POSITIVE_INFINITY);
      if (validationRmse < best - 1e-5) {
        best = validationRmse;
        bestEpoch = epoch;
        stalled = 0;
      } else if (part < (1 + FACTOR_GROWTH) * previousPart) {
        stalled++;
        if (tracking.stopEarly && stalled >= (factorsHelp ? PATIENCE : PLATEAU_PATIENCE)) break;
      }
    }
    options.onProgress?.({
      epoch,
      epochs,
      elapsedSeconds: (performance.now() - started) / 1000,
      validationRmse,
    });
  }
  const model = buildFactorModel({
    data,
    layout,
    std,
    userRows,
    itemRows,
    penalty: { factors: params.reg, bias: params.regBias, weighted: true },
    scale,
  });
  report.fitSeconds = (performance.now() - started) / 1000;
  return { model, report, bestEpoch };
}

/** The held-out RMSE of the biases model (default penalties) fitted on `train`: the plateau's level. */
/** Root mean square of the latent part of the predictions (biases left out), in standardized units. */
function factorPartRms(
  data: Interactions,
  userRows: Float32Array,
  itemRows: Float32Array,
  layout: FactorLayout,
): number {
  const { factors, stride } = layout;
  let sum = 0;
  for (let t = 0; t < data.length; t++) {
    const a = data.user[t] * stride;
    const b = data.item[t] * stride;
    let dot = 0;
    for (let c = 0; c < factors; c++) dot += userRows[a + c] * itemRows[b + c];
    sum += dot * dot;
  }
  return Math.sqrt(sum / Math.max(1, data.length));
}

async function referenceRmse(train: Interactions, check: Interactions): Promise<number> {
  const { model } = await fitBiases(train);
  return rmse(model.predictIndices(check.user, check.item), check.value);
}

/** Packs standardized ratings as (user i32, item i32, value f32) triplets, the layout sgdEpoch reads. */
function writeTriplets(arena: KernelArena, offset: number, data: Interactions, std: Standardization): void {
  const ints = arena.i32(offset, 3 * data.length);
  const floats = arena.f32(offset, 3 * data.length);
  for (let t = 0; t < data.length; t++) {
    ints[3 * t] = data.user[t];
    ints[3 * t + 1] = data.item[t];
    floats[3 * t + 2] = (data.value[t] - std.mean) / std.sd;
  }
}
