import type { FeatureField } from '../../data/feature-matrix.js';
import { AdamState } from '../../math/adam.js';
import { pooledLogit, sigmoid, softplus } from '../../math/logistic.js';
import { Rng } from '../../math/rng.js';
import { type FmParameters, fmParameters } from '../fm/fm-kernel.js';
import type { OutcomeColumns, SideFields } from './outcomes.js';

export interface LmfOptions {
  /** Dimensions of the user and item vectors (0: biases only, a 1PL model by Adam). */
  factors: number;
  epochs: number;
  /** Adam's step size. */
  lr: number;
  /** L2 penalty per row on the parameters the row touches: (reg/2)(b_u² + b_i² + ‖u_u‖² + ‖v_i‖²). */
  reg: number;
  /** Rows per Adam step. */
  batch: number;
  /** Standard deviation of the vectors' initial values: zeros would be a saddle point the gradient never leaves. */
  init: number;
  seed: number;
  /** Called after each epoch with its mean training log-loss, as the epoch went. */
  onPass?: (pass: number, loss: number, model: LmfModel) => void;
}

/** P(y = 1) = σ(b₀ + b_u + b_i + ⟨u_u, v_i⟩). */
export interface LmfModel {
  factors: number;
  users: number;
  items: number;
  /**
   * All parameters in one vector, so that one Adam state serves them: b₀, then the user biases, the item
   * biases, the user vectors (`factors` each, user by user), the item vectors.
   */
  params: Float64Array;
  /**
   * The bias of a user the training rows never saw (with no vector): the one that best explains all the
   * training answers. b_u's penalty centres the users' biases per user, not per answer, and learners
   * who answer more need not be average.
   */
  newUserBias: number;
}

function layout(model: LmfModel) {
  const { users, items, factors } = model;
  const userBias = 1;
  const itemBias = userBias + users;
  const userVectors = itemBias + items;
  const itemVectors = userVectors + users * factors;
  return { userBias, itemBias, userVectors, itemVectors, size: itemVectors + items * factors };
}

/**
 * The logit for user u and item i; an unknown user (−1) contributes `newUserBias` and no vector, an unknown
 * item no bias and no vector.
 */
export function lmfLogit(model: LmfModel, u: number, i: number, at = layout(model)): number {
  const { params, factors } = model;
  let z = params[0];
  z += u >= 0 ? params[at.userBias + u] : model.newUserBias;
  if (i >= 0) z += params[at.itemBias + i];
  if (u >= 0 && i >= 0) {
    const pu = at.userVectors + u * factors;
    const qi = at.itemVectors + i * factors;
    for (let f = 0; f < factors; f++) z += params[pu + f] * params[qi + f];
  }
  return z;
}

/** σ(b₀ + b_u + b_i + ⟨u_u, v_i⟩) is an order-2 FM over one-hot users and items: the same numbers, placed. */
export function lmfAsFm(model: LmfModel, sides: SideFields): FmParameters {
  const { params, factors } = model;
  const at = layout(model);
  const fm = fmParameters(sides.features, factors);
  fm.w0 = params[0];
  const place = (field: FeatureField, count: number, bias: number, vectors: number) => {
    fm.w.set(params.subarray(bias, bias + count), field.offset);
    fm.v.set(params.subarray(vectors, vectors + count * factors), field.offset * factors);
  };
  place(sides.user, model.users, at.userBias, at.userVectors);
  place(sides.item, model.items, at.itemBias, at.itemVectors);
  return fm;
}

export function lmfPredict(model: LmfModel, rows: OutcomeColumns): Float64Array {
  const out = new Float64Array(rows.user.length);
  const at = layout(model);
  for (let t = 0; t < out.length; t++) out[t] = sigmoid(lmfLogit(model, rows.user[t], rows.item[t], at));
  return out;
}

/**
 * Logistic matrix factorization (the 0/1 counterpart of biased MF; with biases alone it is the 1PL
 * model) by minibatch Adam on the log-loss: the rows are taken in a new seeded order each epoch, a batch's
 * gradients are summed with every parameter as the batch found it, and only the parameters the batch
 * touched move (Adam's moments of the others wait), so an epoch costs O(rows × factors).
 */
export function fitLmf(rows: OutcomeColumns, options: LmfOptions): LmfModel {
  const { factors, reg } = options;
  const batch = Math.max(1, Math.floor(options.batch));
  const model: LmfModel = {
    factors,
    users: rows.users,
    items: rows.items,
    params: new Float64Array(0),
    newUserBias: 0,
  };
  const at = layout(model);
  const params = new Float64Array(at.size);
  model.params = params;
  const rng = new Rng(options.seed);
  for (let k = at.userVectors; k < at.size; k++) params[k] = rng.normal() * options.init;
  const { user, item, value } = rows;
  const n = user.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += (value[t] > 0.5 ? 1 : 0) / Math.max(1, n);
  const q = Math.min(1 - 1e-6, Math.max(1e-6, mean));
  params[0] = Math.log(q / (1 - q));

  const adam = new AdamState(at.size, { lr: options.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const gradient = new Float64Array(at.size);
  // The users and items a batch touched, each listed once (stamped with the batch's number).
  const userStamp = new Int32Array(rows.users).fill(-1);
  const itemStamp = new Int32Array(rows.items).fill(-1);
  const touchedUsers: number[] = [];
  const touchedItems: number[] = [];
  let batchNumber = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = rng.permutation(n);
    let loss = 0;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      touchedUsers.length = 0;
      touchedItems.length = 0;
      gradient[0] = 0;
      for (let o = start; o < end; o++) {
        const t = order[o];
        const [u, i] = [user[t], item[t]];
        if (u >= 0 && userStamp[u] !== batchNumber) {
          userStamp[u] = batchNumber;
          touchedUsers.push(u);
          gradient[at.userBias + u] = 0;
          gradient.fill(0, at.userVectors + u * factors, at.userVectors + (u + 1) * factors);
        }
        if (i >= 0 && itemStamp[i] !== batchNumber) {
          itemStamp[i] = batchNumber;
          touchedItems.push(i);
          gradient[at.itemBias + i] = 0;
          gradient.fill(0, at.itemVectors + i * factors, at.itemVectors + (i + 1) * factors);
        }
      }
      for (let o = start; o < end; o++) {
        const t = order[o];
        const [u, i] = [user[t], item[t]];
        const z = lmfLogit(model, u, i, at);
        const y = value[t] > 0.5 ? 1 : 0;
        loss += softplus(y ? -z : z);
        const e = sigmoid(z) - y;
        gradient[0] += e;
        if (u >= 0) gradient[at.userBias + u] += e + reg * params[at.userBias + u];
        if (i >= 0) gradient[at.itemBias + i] += e + reg * params[at.itemBias + i];
        if (u >= 0 && i >= 0) {
          const pu = at.userVectors + u * factors;
          const qi = at.itemVectors + i * factors;
          for (let f = 0; f < factors; f++) {
            gradient[pu + f] += e * params[qi + f] + reg * params[pu + f];
            gradient[qi + f] += e * params[pu + f] + reg * params[qi + f];
          }
        }
      }
      const scale = 1 / (end - start);
      adam.next();
      adam.update(params, 0, gradient[0] * scale);
      for (const u of touchedUsers) {
        adam.update(params, at.userBias + u, gradient[at.userBias + u] * scale);
        const pu = at.userVectors + u * factors;
        for (let f = 0; f < factors; f++) adam.update(params, pu + f, gradient[pu + f] * scale);
      }
      for (const i of touchedItems) {
        adam.update(params, at.itemBias + i, gradient[at.itemBias + i] * scale);
        const qi = at.itemVectors + i * factors;
        for (let f = 0; f < factors; f++) adam.update(params, qi + f, gradient[qi + f] * scale);
      }
      batchNumber++;
    }
    options.onPass?.(epoch, n ? loss / n : 0, model);
  }
  settleNewUsers(model, rows, at);
  return model;
}

/**
 * Sets `newUserBias`, and gives users without training rows that bias and no vector in place of their
 * untouched initial values (random noise). The training rows' outcomes are read with the item side as
 * fitted: the bias is the maximum-likelihood one of a user who had given every training answer.
 */
function settleNewUsers(model: LmfModel, rows: OutcomeColumns, at: ReturnType<typeof layout>): void {
  const { params, factors } = model;
  const offset = Float64Array.from(rows.item, (i) => params[0] + (i >= 0 ? params[at.itemBias + i] : 0));
  model.newUserBias = pooledLogit(rows.value, offset);
  const answered = new Uint8Array(rows.users);
  for (const u of rows.user) if (u >= 0) answered[u] = 1;
  for (let u = 0; u < rows.users; u++) {
    if (answered[u]) continue;
    params[at.userBias + u] = model.newUserBias;
    params.fill(0, at.userVectors + u * factors, at.userVectors + (u + 1) * factors);
  }
}
