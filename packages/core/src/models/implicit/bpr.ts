import type { Interactions } from '../../data/interactions.js';
import { Rng } from '../../math/rng.js';
import { type FactorLayout, factorLayout } from '../factor-layout.js';
import {
  FactorModel,
  type FactorModelInit,
  indexRatings,
  type RatedItems,
  type UserVector,
} from '../factor-model.js';
import { factorInitFrom } from '../factor-model-file.js';
import { initRows } from '../factor-training.js';
import { type FitOptions, type FitReport, type FitResult, throwIfAborted } from '../fit-options.js';
import { defineParams, resolveParams } from '../params.js';
import type { Explanation, ModelLoader } from '../recommender.js';
import { implicitExplanation } from './explanation.js';

/**
 * BPR (Rendle et al. 2009): for sampled triples (u, i, j) — i an item the user interacted with, j one
 * they did not — SGD ascends ln σ(x̂_ui − x̂_uj) − λ‖Θ‖², with x̂_ui = x_u·y_i + b_i (an item bias, no
 * user bias: it cancels in the difference). Positives are drawn uniformly over the interactions, negatives
 * uniformly over the items (redrawn while the user has them). Seeded; in JavaScript, one thread.
 */
export const BPR_PARAMS = defineParams([
  { name: 'factors', type: 'int', default: 64, min: 1, max: 1024, description: 'latent dimensions' },
  {
    name: 'epochs',
    type: 'int',
    default: 40,
    min: 1,
    description: 'passes of as many triples as interactions',
  },
  { name: 'learningRate', type: 'number', default: 0.05, min: 0, description: 'SGD step' },
  {
    name: 'lambda',
    type: 'number',
    default: 0.005,
    min: 0,
    description: 'L2 penalty on factors and item biases',
  },
  { name: 'init', type: 'number', default: 0.1, min: 0, description: 'sd of the random start' },
]);

/** Fold-in: this many sampled triples per interaction of the new user, with a decaying step. */
const FOLD_IN_STEPS = 300;

export async function fitBpr(
  data: Interactions,
  given: Record<string, number | boolean | string | undefined> = {},
  options: FitOptions = {},
): Promise<FitResult<BprModel>> {
  const params = resolveParams(BPR_PARAMS, given);
  const layout = factorLayout(params.factors, true);
  const { stride } = layout;
  const rate = params.learningRate;
  const lambda = params.lambda;
  const started = performance.now();
  const { indptr, indices, values } = data.byUser();
  const nItems = data.items.size;
  const rng = new Rng(options.seed ?? 0);
  const userRows = new Float32Array(data.users.size * stride);
  const itemRows = new Float32Array(nItems * stride);
  initRows(userRows, layout, 'user', rng.split(0), params.init);
  initRows(itemRows, layout, 'item', rng.split(1), params.init);
  const draw = rng.split(2);
  const users = data.user;
  const report: FitReport = { fitSeconds: 0, epochSeconds: [], curve: [] };
  const epochs = params.epochs;
  if (nItems < 2) throw new Error('bpr needs at least two items');
  for (let epoch = 1; epoch <= epochs; epoch++) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    for (let s = 0; s < data.length; s++) {
      const t = draw.int(data.length);
      const u = users[t];
      const j = negative(draw, indices, indptr[u], indptr[u + 1], nItems);
      if (j < 0) continue;
      step(layout, userRows, u * stride, itemRows, data.item[t] * stride, j * stride, rate, lambda, true);
    }
    report.epochSeconds.push((performance.now() - t0) / 1000);
    options.onProgress?.({ epoch, epochs, elapsedSeconds: (performance.now() - started) / 1000 });
  }
  const model = new BprModel(
    {
      layout,
      mean: 0,
      users: data.users,
      items: data.items,
      userRows,
      itemRows,
      regularization: { factors: lambda, bias: lambda, weighted: false },
      scale: undefined,
      train: { indptr, indices, values },
    },
    { learningRate: rate, lambda },
  );
  report.fitSeconds = (performance.now() - started) / 1000;
  return { model, report };
}

/** An item the user (items sorted in indices[begin..end)) has not interacted with; -1 if there is none. */
function negative(rng: Rng, indices: Int32Array, begin: number, end: number, nItems: number): number {
  if (end - begin >= nItems) return -1;
  for (;;) {
    const j = rng.int(nItems);
    let lo = begin;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indices[mid] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo === end || indices[lo] !== j) return j;
  }
}

/**
 * One SGD step on the triple (user row at u, positive row at i, negative row at j); returns
 * g = σ(−(x̂_ui − x̂_uj)), the step's weight. Items are updated only when `items` is true (fold-in
 * keeps them fixed).
 */
function step(
  layout: FactorLayout,
  userRows: Float32Array,
  u: number,
  itemRows: Float32Array,
  i: number,
  j: number,
  rate: number,
  lambda: number,
  items: boolean,
): number {
  const { factors, itemBiasSlot } = layout;
  let diff = itemRows[i + itemBiasSlot] - itemRows[j + itemBiasSlot];
  for (let c = 0; c < factors; c++) diff += userRows[u + c] * (itemRows[i + c] - itemRows[j + c]);
  const g = 1 / (1 + Math.exp(diff));
  for (let c = 0; c < factors; c++) {
    const x = userRows[u + c];
    const yi = itemRows[i + c];
    const yj = itemRows[j + c];
    userRows[u + c] = x + rate * (g * (yi - yj) - lambda * x);
    if (items) {
      itemRows[i + c] = yi + rate * (g * x - lambda * yi);
      itemRows[j + c] = yj + rate * (-g * x - lambda * yj);
    }
  }
  if (items) {
    itemRows[i + itemBiasSlot] += rate * (g - lambda * itemRows[i + itemBiasSlot]);
    itemRows[j + itemBiasSlot] += rate * (-g - lambda * itemRows[j + itemBiasSlot]);
  }
  return g;
}

/** The SGD settings the fit used, which fold-in reuses. */
export interface BprSteps {
  learningRate: number;
  lambda: number;
}

/**
 * A BPR model: scores x_u·y_i + b_i rank items and are not ratings. Fold-in runs the same SGD on the new
 * user's row alone (items fixed, from zero, a fixed seed, a decaying step), and tracks how much each of
 * their items and the sampled negatives added to the row, so the row is exactly Σᵢ aᵢ yᵢ + n and a
 * score splits into the item bias, one term aᵢ yᵢ·y per interacted item and the negatives' share n·y.
 */
export class BprModel extends FactorModel {
  constructor(
    init: FactorModelInit,
    readonly sgd: BprSteps,
  ) {
    super(init);
  }

  override foldIn(ratings: Iterable<{ item: string; value: number }>): UserVector {
    const { rated, unknownItems } = indexRatings(this.items, ratings);
    return { row: this.trace(rated).row, rated, unknownItems };
  }

  /** The weights of the user's items: aᵢ yᵢ·y each; `rest` holds the unlisted items and the negatives' n·y. */
  override explain(user: string | UserVector, item: string, top = 5): Explanation {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    const { factors, stride, itemBiasSlot } = this.layout;
    const { row, share } = this.trace(vector.rated);
    const target = j * stride;
    const itemBias = this.itemRows[target + itemBiasSlot];
    let userPart = 0;
    for (let c = 0; c < factors; c++) userPart += row[c] * this.itemRows[target + c];
    const terms = Array.from(vector.rated.items, (i, l) => {
      let dot = 0;
      for (let c = 0; c < factors; c++) dot += this.itemRows[i * stride + c] * this.itemRows[target + c];
      return { item: this.items.idAt(i), rating: vector.rated.values[l], weight: share[l] * dot };
    });
    return implicitExplanation(item, itemBias, userPart, terms, top);
  }

  /** The fold-in SGD with each interacted item's accumulated coefficient aᵢ. */
  private trace(rated: RatedItems): { row: Float32Array; share: Float64Array } {
    const { stride, itemBiasSlot } = this.layout;
    const row = new Float32Array(stride);
    row[itemBiasSlot] = 1;
    const share = new Float64Array(rated.items.length);
    const count = rated.items.length;
    if (count === 0 || count >= this.items.size) return { row, share };
    const rng = new Rng(0);
    const { learningRate, lambda } = this.sgd;
    const steps = FOLD_IN_STEPS * count;
    // share[l] · decay is aᵢ: the weight decay of every step scales all of them, kept as one factor.
    let decay = 1;
    for (let s = 0; s < steps; s++) {
      const l = rng.int(count);
      const j = negative(rng, rated.items, 0, count, this.items.size);
      const r = learningRate / (1 + (10 * s) / steps);
      const g = step(
        this.layout,
        row,
        0,
        this.itemRows,
        rated.items[l] * stride,
        j * stride,
        r,
        lambda,
        false,
      );
      decay *= 1 - r * lambda;
      share[l] += (r * g) / decay;
      if (decay < 1e-100) {
        for (let m = 0; m < count; m++) share[m] *= decay;
        decay = 1;
      }
    }
    for (let m = 0; m < count; m++) share[m] *= decay;
    return { row, share };
  }

  override toFile(): ReturnType<FactorModel['toFile']> {
    const file = super.toFile();
    return { tensors: file.tensors, extra: { ...file.extra, bpr: this.sgd } };
  }
}

export const loadBpr: ModelLoader = (tensors, extra, ids, source) => {
  const sgd = extra.bpr as Partial<BprSteps> | undefined;
  if (typeof sgd?.learningRate !== 'number' || typeof sgd.lambda !== 'number')
    throw new Error(`${source}: no BPR settings (learningRate, lambda) in its metadata`);
  return new BprModel(factorInitFrom(tensors, extra, ids, source), {
    learningRate: sgd.learningRate,
    lambda: sgd.lambda,
  });
};
