import type { IdMap } from '../data/id-map.js';
import type { Tensor } from '../io/safetensors.js';
import { factorLayout, setFixedSlots } from './factor-layout.js';
import type { FactorModel, FactorModelInit, Regularization } from './factor-model.js';

/**
 * A factor model as tensors a numpy user would expect: `user_factors` (users × factors, F32),
 * `item_factors`, `user_bias`, `item_bias` (F32, with biases), `global_mean` (F64 scalar) and the
 * training ratings by user (`train_indptr`, `train_items`, `train_values`) that recommend and explain
 * need; `extra` (layout, penalties, scale) goes into the file's metadata. Names take a prefix so a blend
 * can keep several models in one file ("als.user_factors", "lasso.user_factors").
 */
export function factorTensors(
  model: FactorModel,
  prefix = '',
): { tensors: Record<string, Tensor>; extra: Record<string, unknown> } {
  const { factors, biases, stride, userBiasSlot, itemBiasSlot } = model.layout;
  const nUsers = model.users.size;
  const nItems = model.items.size;
  const tensors: Record<string, Tensor> = {
    [`${prefix}global_mean`]: { dtype: 'F64', shape: [], data: Float64Array.of(model.mean) },
  };
  if (factors > 0) {
    tensors[`${prefix}user_factors`] = { dtype: 'F32', shape: [nUsers, factors], data: model.userFactors() };
    tensors[`${prefix}item_factors`] = { dtype: 'F32', shape: [nItems, factors], data: model.itemFactors() };
  }
  if (biases) {
    tensors[`${prefix}user_bias`] = {
      dtype: 'F32',
      shape: [nUsers],
      data: column(model.userRows, stride, userBiasSlot),
    };
    tensors[`${prefix}item_bias`] = {
      dtype: 'F32',
      shape: [nItems],
      data: column(model.itemRows, stride, itemBiasSlot),
    };
  }
  const { indptr, indices, values } = model.train;
  tensors[`${prefix}train_indptr`] = { dtype: 'I32', shape: [indptr.length], data: indptr };
  tensors[`${prefix}train_items`] = { dtype: 'I32', shape: [indices.length], data: indices };
  tensors[`${prefix}train_values`] = { dtype: 'F64', shape: [values.length], data: values };
  return {
    tensors,
    extra: { factors, biases, regularization: model.regularization, scale: model.scale ?? null },
  };
}

/** The constructor arguments of a factor model read back from `factorTensors`' output; throws on a mismatch. */
export function factorInitFrom(
  tensors: Record<string, Tensor>,
  extra: Record<string, unknown>,
  ids: { users: IdMap; items: IdMap },
  source: string,
  prefix = '',
): FactorModelInit {
  const { users, items } = ids;
  const factors = Number(extra.factors);
  const biases = extra.biases === true;
  const fail = (why: string): never => {
    throw new Error(`${source}: not a factor model file: ${why}`);
  };
  if (!Number.isInteger(factors) || factors < 0) fail('no factor count in its metadata');
  const layout = factorLayout(factors, biases);
  const userRows = new Float32Array(users.size * layout.stride);
  const itemRows = new Float32Array(items.size * layout.stride);
  const take = (name: string, length: number): Tensor['data'] => {
    const t = tensors[prefix + name];
    if (!t) return fail(`tensor ${prefix}${name} is missing`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== length) fail(`tensor ${prefix}${name} has ${size} values, expected ${length}`);
    return t.data;
  };
  if (factors > 0) {
    spread(take('user_factors', users.size * factors) as Float32Array, userRows, layout.stride, factors, 0);
    spread(take('item_factors', items.size * factors) as Float32Array, itemRows, layout.stride, factors, 0);
  }
  if (biases) {
    spread(take('user_bias', users.size) as Float32Array, userRows, layout.stride, 1, layout.userBiasSlot);
    spread(take('item_bias', items.size) as Float32Array, itemRows, layout.stride, 1, layout.itemBiasSlot);
  }
  setFixedSlots(userRows, layout, 'user');
  setFixedSlots(itemRows, layout, 'item');
  const indptr = take('train_indptr', users.size + 1) as Int32Array;
  const nnz = indptr[users.size];
  return {
    layout,
    mean: (take('global_mean', 1) as Float64Array)[0],
    users,
    items,
    userRows,
    itemRows,
    regularization: extra.regularization as Regularization,
    scale: (extra.scale as { min: number; max: number } | null) ?? undefined,
    train: {
      indptr,
      indices: take('train_items', nnz) as Int32Array,
      values: take('train_values', nnz) as Float64Array,
    },
  };
}

function column(rows: Float32Array, stride: number, slot: number): Float32Array {
  const out = new Float32Array(rows.length / stride);
  for (let r = 0; r < out.length; r++) out[r] = rows[r * stride + slot];
  return out;
}

function spread(packed: Float32Array, rows: Float32Array, stride: number, width: number, slot: number): void {
  const count = packed.length / width;
  for (let r = 0; r < count; r++) rows.set(packed.subarray(r * width, (r + 1) * width), r * stride + slot);
}
