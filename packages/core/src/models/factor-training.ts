import type { Interactions } from '../data/interactions.js';
import type { Rng } from '../math/rng.js';
import { biasSlot, type FactorLayout, type Side, setFixedSlots } from './factor-layout.js';
import { FactorModel, type Regularization } from './factor-model.js';
import type { ParamSpec } from './params.js';

/** The `biases` parameter of the factor fits (ALS and SGD): whether the rows carry a user and an item bias. */
export const BIASES_PARAM = {
  name: 'biases',
  type: 'boolean',
  default: true,
  description: 'learn a bias per user and per item',
} as const satisfies ParamSpec;

/**
 * What ALS and SGD share. Both fit standardized ratings z = (r − mean) / sd, so one set of default
 * hyper-parameters suits any rating scale (1–5 stars, 1–10 scores); the rows go back to rating units
 * when the model is built: latent slots × √sd, bias slots × sd, penalties on latent slots × sd.
 */
export interface Standardization {
  mean: number;
  sd: number;
}

export function standardization(data: Interactions): Standardization {
  const mean = data.mean();
  let sum = 0;
  for (let t = 0; t < data.length; t++) sum += (data.value[t] - mean) ** 2;
  const sd = Math.sqrt(sum / Math.max(1, data.length));
  return { mean, sd: sd > 1e-12 ? sd : 1 };
}

/** Latent slots ~ N(0, sd²), biases 0, the constant slot 1, padding 0. */
export function initRows(rows: Float32Array, layout: FactorLayout, side: Side, rng: Rng, sd: number): void {
  rows.fill(0);
  const { factors, stride } = layout;
  for (let at = 0; at < rows.length; at += stride) {
    for (let c = 0; c < factors; c++) rows[at + c] = rng.normal() * sd;
  }
  setFixedSlots(rows, layout, side);
}

/** RMSE of rows still in standardized units on `data`, predictions clipped to `scale`. */
export function standardizedRmse(
  data: Interactions,
  userRows: Float32Array,
  itemRows: Float32Array,
  stride: number,
  std: Standardization,
  scale: { min: number; max: number },
): number {
  let se = 0;
  for (let t = 0; t < data.length; t++) {
    const a = data.user[t] * stride;
    const b = data.item[t] * stride;
    let dot = 0;
    for (let c = 0; c < stride; c++) dot += userRows[a + c] * itemRows[b + c];
    const p = Math.min(scale.max, Math.max(scale.min, std.mean + std.sd * dot));
    se += (p - data.value[t]) ** 2;
  }
  return Math.sqrt(se / Math.max(1, data.length));
}

/**
 * Builds the FactorModel from standardized rows (copied): back to rating units, and rows of users or
 * items without a training rating reset to "no information" (zeros, constant slot 1), so they predict
 * from the mean and the other side's bias instead of from their random start.
 */
export function buildFactorModel(args: {
  data: Interactions;
  layout: FactorLayout;
  std: Standardization;
  userRows: Float32Array;
  itemRows: Float32Array;
  penalty: Regularization;
  scale: { min: number; max: number };
}): FactorModel {
  const { data, layout, std } = args;
  const userRows = destandardize(args.userRows, data.userCounts(), layout, 'user', std.sd);
  const itemRows = destandardize(args.itemRows, data.itemCounts(), layout, 'item', std.sd);
  const train = data.byUser();
  return new FactorModel({
    layout,
    mean: std.mean,
    users: data.users,
    items: data.items,
    userRows,
    itemRows,
    regularization: {
      factors: args.penalty.factors * std.sd,
      bias: args.penalty.bias,
      weighted: args.penalty.weighted,
      factorsFixed: (args.penalty.factorsFixed ?? 0) * std.sd,
      biasFixed: args.penalty.biasFixed,
    },
    scale: args.scale,
    train: { indptr: train.indptr, indices: train.indices, values: train.values },
  });
}

function destandardize(
  standardized: Float32Array,
  counts: Int32Array,
  layout: FactorLayout,
  side: Side,
  sd: number,
): Float32Array {
  const { factors, stride } = layout;
  const rows = new Float32Array(standardized);
  const root = Math.sqrt(sd);
  const own = biasSlot(layout, side);
  for (let r = 0; r < counts.length; r++) {
    const at = r * stride;
    if (counts[r] === 0) {
      rows.fill(0, at, at + stride);
      continue;
    }
    for (let c = 0; c < factors; c++) rows[at + c] *= root;
    if (own >= 0) rows[at + own] *= sd;
  }
  setFixedSlots(rows, layout, side);
  return rows;
}
