import { IdMap } from '../data/id-map.js';
import { type LoadModelOptions, loadModelFile, saveModelFile } from '../io/model-file.js';
import type { Tensor } from '../io/safetensors.js';
import { factorLayout, setFixedSlots } from './factor-layout.js';
import { FactorModel, type Regularization } from './factor-model.js';

/** What a saved model records besides its tensors. */
export interface SavedModelInfo {
  /** Model family name ("als", "sgd", "biases", "mean"). */
  model: string;
  params: Record<string, unknown>;
  seed?: number;
  fingerprint?: string;
  metrics?: Record<string, number>;
}

/**
 * A factor model in the safetensors layout, with tensors a numpy user would expect: `user_factors`
 * (users × factors, F32), `item_factors`, `user_bias`, `item_bias` (F32, with biases), `global_mean`
 * (F64 scalar) and the training ratings by user (`train_indptr`, `train_items`, `train_values`) that
 * recommend and explain need. Id maps, penalties and the rating scale are in the metadata.
 */
export async function saveFactorModel(path: string, model: FactorModel, info: SavedModelInfo): Promise<void> {
  const { factors, biases, stride, userBiasSlot, itemBiasSlot } = model.layout;
  const nUsers = model.users.size;
  const nItems = model.items.size;
  const tensors: Record<string, Tensor> = {
    global_mean: { dtype: 'F64', shape: [], data: Float64Array.of(model.mean) },
  };
  if (factors > 0) {
    tensors.user_factors = { dtype: 'F32', shape: [nUsers, factors], data: model.userFactors() };
    tensors.item_factors = { dtype: 'F32', shape: [nItems, factors], data: model.itemFactors() };
  }
  if (biases) {
    tensors.user_bias = { dtype: 'F32', shape: [nUsers], data: column(model.userRows, stride, userBiasSlot) };
    tensors.item_bias = { dtype: 'F32', shape: [nItems], data: column(model.itemRows, stride, itemBiasSlot) };
  }
  const { indptr, indices, values } = model.train;
  tensors.train_indptr = { dtype: 'I32', shape: [indptr.length], data: indptr };
  tensors.train_items = { dtype: 'I32', shape: [indices.length], data: indices };
  tensors.train_values = { dtype: 'F64', shape: [values.length], data: values };
  await saveModelFile(
    path,
    {
      ...info,
      users: model.users.toArray(),
      items: model.items.toArray(),
      extra: { factors, biases, regularization: model.regularization, scale: model.scale ?? null },
    },
    tensors,
  );
}

/** Reads a model written by saveFactorModel; `expectModel` checks the family. */
export async function loadFactorModel(
  path: string,
  options: Pick<LoadModelOptions, 'expectModel'> = {},
): Promise<{ model: FactorModel; info: SavedModelInfo }> {
  const file = await loadModelFile(path, { ...options, copy: true });
  const { header, tensors } = file;
  const extra = header.extra ?? {};
  const factors = Number(extra.factors);
  const biases = extra.biases === true;
  const fail = (why: string): never => {
    throw new Error(`${path}: not a factor model file: ${why}`);
  };
  if (!Number.isInteger(factors) || factors < 0) fail('no factor count in its metadata');
  if (!header.users || !header.items) fail('no id maps in its metadata');
  const users = IdMap.from(header.users ?? []);
  const items = IdMap.from(header.items ?? []);
  const layout = factorLayout(factors, biases);
  const userRows = new Float32Array(users.size * layout.stride);
  const itemRows = new Float32Array(items.size * layout.stride);
  const take = (name: string, length: number): Tensor['data'] => {
    const t = tensors[name];
    if (!t) return fail(`tensor ${name} is missing`);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== length) fail(`tensor ${name} has ${size} values, expected ${length}`);
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
  const model = new FactorModel({
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
  });
  return {
    model,
    info: {
      model: header.model,
      params: header.params,
      seed: header.seed,
      fingerprint: header.fingerprint,
      metrics: header.metrics,
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
