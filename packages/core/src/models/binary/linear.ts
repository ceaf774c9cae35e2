import type { FeatureColumns, FeatureField, FeatureMatrix } from '../../data/feature-matrix.js';
import { sigmoid, softplus } from '../../math/logistic.js';

export type LinearTask = 'regression' | 'binary';

export interface LinearOptions {
  /** Squared loss (a value) or logistic loss (the chance of a 1). */
  task: LinearTask;
  /** Lasso penalty l1 Σ|w_j|: drives weights to exact zeros. */
  l1: number;
  /** Ridge penalty (l2/2) Σ w_j². On the summed loss, so l2 = 1 is liblinear's C = 1. */
  l2: number;
  /** Sweeps over all the features at most. */
  maxIterations: number;
  /** Stop after a sweep in which no weight (nor the bias) moved by more than this. */
  tol: number;
  /** Called after each sweep with the mean training loss (squared error / 2, or log-loss). */
  onPass?: (pass: number, loss: number, model: LinearModel) => void;
}

export interface LinearModel {
  task: LinearTask;
  weights: Float64Array;
  /** The intercept, never penalized: shrinking it would bias every prediction towards 0 (or ½). */
  bias: number;
  /** Sweeps made. */
  iterations: number;
}

const softThreshold = (x: number, t: number) => (x > t ? x - t : x < -t ? x + t : 0);

/** Logistic loss of margin m for a label y ∈ {0, 1}: log(1 + e^{−m}) or log(1 + e^{m}). */
const logLoss = (m: number, y: number) => softplus(y ? -m : m);

/**
 * Linear or logistic regression with L1 and L2 penalties (the elastic net), minimizing
 * Σ_r loss(y_r, b + x_r·w) + l1‖w‖₁ + (l2/2)‖w‖², by cyclic coordinate descent over the features: one
 * weight at a time is optimized with the others held, each step touching only the rows that have that
 * feature (the column view is built once), which suits one-hot rows where a column is short.
 *
 * Squared loss: the residuals are kept, and the coordinate's exact minimizer is the soft-thresholded
 * S(Σ x r + a w, l1) / (a + l2), a = Σ x². Logistic loss: the margins are kept, and each coordinate takes
 * the minimizer of the penalized loss's quadratic model (one Newton step, soft-thresholded for L1),
 * halved until the true objective falls by a fraction of the model's promise, as a Newton step on a
 * logistic loss can overshoot where the curvature is small (nearly separated rows).
 */
export function fitLinear(train: FeatureMatrix, options: LinearOptions): LinearModel {
  const { l1, l2, task } = options;
  const n = train.rows;
  const cols = train.columns();
  const weights = new Float64Array(train.features);
  const model: LinearModel = { task, weights, bias: 0, iterations: 0 };
  const y = new Float64Array(n);
  let mean = 0;
  for (let r = 0; r < n; r++) {
    y[r] = task === 'binary' ? (train.target[r] > 0.5 ? 1 : 0) : train.target[r];
    mean += y[r] / n;
  }
  if (n === 0) return model;
  if (task === 'binary') {
    const q = Math.min(1 - 1e-6, Math.max(1e-6, mean));
    model.bias = Math.log(q / (1 - q));
  } else {
    model.bias = mean;
  }
  // Squared loss keeps residuals y − ŷ, logistic loss the margins ŷ: either is updated along one column
  // per step, never recomputed in full.
  const cache = new Float64Array(n);
  for (let r = 0; r < n; r++) cache[r] = task === 'binary' ? model.bias : y[r] - model.bias;
  const sumSquares = new Float64Array(train.features);
  for (let j = 0; j < train.features; j++) {
    for (let e = cols.colptr[j]; e < cols.colptr[j + 1]; e++) sumSquares[j] += cols.values[e] ** 2;
  }
  const step = task === 'binary' ? logisticStep : squaredStep;
  const oneHot = train.fields.filter((field) => isOneHot(train, field));
  const all: FeatureColumns = {
    colptr: Int32Array.of(0, n),
    rows: Int32Array.from({ length: n }, (_, r) => r),
    values: new Float64Array(n).fill(1),
  };
  for (let pass = 0; pass < options.maxIterations; pass++) {
    model.iterations = pass + 1;
    let moved = 0;
    for (let j = 0; j < train.features; j++) {
      if (sumSquares[j] === 0) continue;
      const w = weights[j];
      weights[j] = step(cols, j, w, sumSquares[j], cache, y, l1, l2);
      moved = Math.max(moved, Math.abs(weights[j] - w));
    }
    const b = model.bias;
    model.bias = step(all, 0, b, n, cache, y, 0, 0);
    moved = Math.max(moved, Math.abs(model.bias - b));
    for (const field of oneHot) moved = Math.max(moved, recentre(model, field, sumSquares, l1, l2));
    if (options.onPass) {
      let loss = 0;
      for (let r = 0; r < n; r++) loss += task === 'binary' ? logLoss(cache[r], y[r]) : cache[r] ** 2 / 2;
      options.onPass(pass, loss / n, model);
    }
    if (moved <= options.tol) break;
  }
  return model;
}

/** Whether every row has exactly one feature of the field, with value 1 (a one-hot field with no gaps). */
function isOneHot(m: FeatureMatrix, field: FeatureField): boolean {
  const end = field.offset + field.size;
  for (let r = 0; r < m.rows; r++) {
    let count = 0;
    for (let e = m.indptr[r]; e < m.indptr[r + 1]; e++) {
      const f = m.indices[e];
      if (f >= field.offset && f < end) {
        if (m.values[e] !== 1) return false;
        count++;
      }
    }
    if (count !== 1) return false;
  }
  return true;
}

/**
 * The weights of a one-hot field raised by c and the bias lowered by c leave every prediction as it is
 * and change only the penalty, so coordinate steps, each seeing a flat loss in that direction, crawl
 * along it for hundreds of sweeps (the predictions settle in ten). That direction is solved exactly:
 * c minimizes Σ_j l1|w_j + c| + (l2/2)(w_j + c)² over the field's features that occur (the others rightly
 * stay 0): the mean's negative for L2 alone, a median's for L1 alone, by bisection on the (monotone)
 * derivative otherwise. Returns |c|.
 */
function recentre(
  model: LinearModel,
  field: FeatureField,
  sumSquares: Float64Array,
  l1: number,
  l2: number,
): number {
  const { weights } = model;
  const present: number[] = [];
  for (let j = field.offset; j < field.offset + field.size; j++) if (sumSquares[j] !== 0) present.push(j);
  if (present.length === 0) return 0;
  const w = present.map((j) => weights[j]);
  const penalty = (c: number) => {
    let sum = 0;
    for (const x of w) sum += l1 * Math.abs(x + c) + 0.5 * l2 * (x + c) ** 2;
    return sum;
  };
  let c: number;
  if (l1 === 0) {
    c = -w.reduce((s, x) => s + x, 0) / w.length;
  } else {
    const slope = (c: number) => {
      let sum = 0;
      for (const x of w) sum += l1 * Math.sign(x + c) + l2 * (x + c);
      return sum;
    };
    let [lo, hi] = [-Math.max(...w), -Math.min(...w)];
    for (let step = 0; step < 60 && hi - lo > 0; step++) {
      const mid = (lo + hi) / 2;
      if (slope(mid) < 0) lo = mid;
      else hi = mid;
    }
    c = (lo + hi) / 2;
    // The optimum of an L1 sum sits at a kink (some w_j + c = 0 exactly, keeping that weight at zero):
    // bisection only gets near it, so the nearest kink wins when it is no worse.
    let kink = -w[0];
    for (const x of w) if (Math.abs(-x - c) < Math.abs(kink - c)) kink = -x;
    if (penalty(kink) <= penalty(c)) c = kink;
  }
  if (!(penalty(c) < penalty(0))) return 0;
  for (const j of present) weights[j] += c;
  model.bias -= c;
  return Math.abs(c);
}

/** The exact coordinate minimizer of the squared loss; `residual` (y − ŷ) follows the change. */
function squaredStep(
  cols: FeatureColumns,
  j: number,
  w: number,
  a: number,
  residual: Float64Array,
  _y: Float64Array,
  l1: number,
  l2: number,
): number {
  let rho = a * w;
  for (let e = cols.colptr[j]; e < cols.colptr[j + 1]; e++) rho += cols.values[e] * residual[cols.rows[e]];
  const next = softThreshold(rho, l1) / (a + l2);
  const delta = next - w;
  if (delta !== 0) {
    for (let e = cols.colptr[j]; e < cols.colptr[j + 1]; e++)
      residual[cols.rows[e]] -= delta * cols.values[e];
  }
  return next;
}

/** Armijo's fraction of the promised decrease that a logistic step must achieve. */
const SUFFICIENT = 0.01;

/** One safeguarded Newton step on a logistic coordinate; `margin` (ŷ) follows the change. */
function logisticStep(
  cols: FeatureColumns,
  j: number,
  w: number,
  a: number,
  margin: Float64Array,
  y: Float64Array,
  l1: number,
  l2: number,
): number {
  const [start, end] = [cols.colptr[j], cols.colptr[j + 1]];
  let g = l2 * w;
  let h = l2;
  for (let e = start; e < end; e++) {
    const r = cols.rows[e];
    const x = cols.values[e];
    const p = sigmoid(margin[r]);
    g += x * (p - y[r]);
    h += x * x * p * (1 - p);
  }
  if (!(h > 1e-12)) return w;
  // Minimizer of g δ + h δ²/2 + l1 |w + δ|.
  let delta = softThreshold(h * w - g, l1) / h - w;
  if (delta === 0) return w;
  // The logistic loss bends by at most ¼ (σ' ≤ ¼), which bounds the change from above: when even that
  // bound meets the test, the step is taken without evaluating the loss.
  const l1Change = l1 * (Math.abs(w + delta) - Math.abs(w));
  const bound = g * delta + 0.5 * delta * delta * (a / 4 + l2) + l1Change;
  if (bound <= SUFFICIENT * (g * delta + l1Change)) {
    for (let e = start; e < end; e++) margin[cols.rows[e]] += delta * cols.values[e];
    return w + delta;
  }
  for (let halvings = 0; ; halvings++) {
    if (halvings === 30) return w;
    const promise = g * delta + l1 * (Math.abs(w + delta) - Math.abs(w));
    let change = l2 * ((w + delta) ** 2 - w * w) * 0.5 + l1 * (Math.abs(w + delta) - Math.abs(w));
    for (let e = start; e < end; e++) {
      const r = cols.rows[e];
      const m = margin[r];
      change += logLoss(m + delta * cols.values[e], y[r]) - logLoss(m, y[r]);
    }
    if (change <= SUFFICIENT * promise) break;
    delta *= 0.5;
  }
  for (let e = start; e < end; e++) margin[cols.rows[e]] += delta * cols.values[e];
  return w + delta;
}

/** The model's value for each row (σ of it for a binary task); features beyond the model's count as 0. */
export function linearPredict(model: LinearModel, rows: FeatureMatrix): Float64Array {
  const out = new Float64Array(rows.rows);
  const { weights } = model;
  for (let r = 0; r < rows.rows; r++) {
    let z = model.bias;
    for (let e = rows.indptr[r]; e < rows.indptr[r + 1]; e++) {
      const f = rows.indices[e];
      if (f < weights.length) z += weights[f] * rows.values[e];
    }
    out[r] = model.task === 'binary' ? sigmoid(z) : z;
  }
  return out;
}
