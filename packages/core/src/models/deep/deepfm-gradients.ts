import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { sigmoid, softplus } from '../../math/logistic.js';
import type { Rng } from '../../math/rng.js';
import type { FeatureTask } from '../features/feature-family.js';
import type { DeepFmNet } from './deepfm-net.js';

/**
 * A minibatch's gradient: dense for w₀ and the MLP, and for w and v full-size buffers of which only the
 * touched features' entries are non-zero; `touched` lists them, so that a step and the clearing after it
 * cost the batch's non-zeros, not the number of features.
 */
export class Gradients {
  readonly dense: Float64Array;
  readonly w: Float64Array;
  readonly v: Float64Array;
  readonly touched: Int32Array;
  count = 0;
  private readonly seen: Uint8Array;

  constructor(net: DeepFmNet) {
    this.dense = new Float64Array(net.dense.length);
    this.w = new Float64Array(net.w.length);
    this.v = new Float64Array(net.v.length);
    this.touched = new Int32Array(net.features);
    this.seen = new Uint8Array(net.features);
  }

  touch(i: number): void {
    if (this.seen[i] === 0) {
      this.seen[i] = 1;
      this.touched[this.count++] = i;
    }
  }

  /** Zeroes the touched entries and the dense part for the next batch. */
  clear(k: number): void {
    for (let t = 0; t < this.count; t++) {
      const i = this.touched[t];
      this.seen[i] = 0;
      if (this.w.length) this.w[i] = 0;
      this.v.fill(0, i * k, i * k + k);
    }
    this.count = 0;
    this.dense.fill(0);
  }
}

/**
 * The loss of one row and its derivative in the score: ½(s − y)² and s − y for regression; the log-loss
 * of σ(s), −y·ln σ(s) − (1 − y)·ln(1 − σ(s)) = softplus(s) − y·s, and σ(s) − y for a binary task.
 */
function lossAndSlope(task: FeatureTask, s: number, y: number, out: Float64Array): void {
  if (task === 'binary') {
    out[0] = softplus(s) - y * s;
    out[1] = sigmoid(s) - y;
  } else {
    const d = s - y;
    out[0] = 0.5 * d * d;
    out[1] = d;
  }
}

/**
 * Accumulates a minibatch (rows[begin..end)) into `grads`, each row weighted 1/B so the gradient is the
 * batch's mean; returns the sum of the rows' losses. The L2 penalty is left to the step, which knows the
 * touched features.
 */
export function accumulateBatch(
  net: DeepFmNet,
  m: FeatureMatrix,
  rows: ArrayLike<number>,
  begin: number,
  end: number,
  grads: Gradients,
  keep: number,
  rng: Rng | undefined,
  pair: Float64Array,
): number {
  const scale = 1 / (end - begin);
  const backKeep = rng !== undefined ? keep : 1;
  let total = 0;
  for (let t = begin; t < end; t++) {
    const r = rows[t];
    const s = net.score(m, r, keep, rng);
    lossAndSlope(net.task, s, m.target[r], pair);
    total += pair[0];
    net.backward(m, r, pair[1] * scale, grads, backKeep);
  }
  return total;
}

/**
 * For tests: the objective of one minibatch without dropout — the mean row loss plus (l2/2)·Σ over the
 * touched features of (wᵢ² + |vᵢ|²) — and its full gradient.
 */
export function deepFmObjective(
  net: DeepFmNet,
  m: FeatureMatrix,
  rows: ArrayLike<number>,
  l2: number,
): { loss: number; dense: Float64Array; w: Float64Array; v: Float64Array } {
  const grads = new Gradients(net);
  const total = accumulateBatch(net, m, rows, 0, rows.length, grads, 1, undefined, new Float64Array(2));
  let loss = total / rows.length;
  const { k, w, v } = net;
  for (let t = 0; t < grads.count; t++) {
    const i = grads.touched[t];
    if (w.length) {
      loss += 0.5 * l2 * w[i] * w[i];
      grads.w[i] += l2 * w[i];
    }
    for (let f = i * k; f < i * k + k; f++) {
      loss += 0.5 * l2 * v[f] * v[f];
      grads.v[f] += l2 * v[f];
    }
  }
  return { loss, dense: grads.dense, w: grads.w, v: grads.v };
}
