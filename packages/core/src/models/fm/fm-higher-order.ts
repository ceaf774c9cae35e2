import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { sigmoid } from '../../math/logistic.js';
import { Rng } from '../../math/rng.js';
import { throwIfAborted } from '../fit-options.js';
import { checkFmOptions, type FmTask, recordEpochLoss } from './fm-options.js';
import { clampInPlace, type FmClamp, type FmSgdOptions, fmLoss, SparseMinibatch } from './fm-sgd.js';

/**
 * The parameters of a higher-order factorization machine (Blondel, Fujino, Ueda & Ishihata 2016):
 * ŷ(x) = w₀ + Σᵢ wᵢxᵢ + Σ_{m=2}^{order} Σ_{s=1}^{k} Aᵐ(p_s⁽ᵐ⁾, x), with a factor matrix of its own for
 * each degree m (their "HOFM with separate parameters"), so that the pairwise and the three-way
 * interactions need not share one embedding.
 */
export interface FmHigherOrderParameters {
  k: number;
  /** The highest degree of interaction, ≥ 2. */
  order: number;
  w0: number;
  w: Float64Array;
  /** factors[m − 2] holds degree m's factors, feature-major: P⁽ᵐ⁾[i·k + s]. */
  factors: Float64Array[];
}

export function fmHigherOrderParameters(features: number, k: number, order: number): FmHigherOrderParameters {
  checkShape(k, order);
  const factors = Array.from({ length: order - 1 }, () => new Float64Array(features * k));
  return { k, order, w0: 0, w: new Float64Array(features), factors };
}

function checkShape(k: number, order: number): void {
  if (!(Number.isInteger(order) && order >= 2)) {
    throw new Error(`higher-order FM: order must be an integer ≥ 2 (2 is the usual FM), not ${order}`);
  }
  if (!(Number.isInteger(k) && k >= 0))
    throw new Error(`higher-order FM: factors k must be an integer ≥ 0, not ${k}`);
}

/**
 * The ANOVA kernel of degree m, Aᵐ(p, x) = Σ_{j₁<…<j_m} Π_t p_{j_t} x_{j_t}, of two vectors (a row's
 * non-zeros and their factors), by the dynamic programme of Blondel et al. (2016, §3): with zⱼ = pⱼxⱼ,
 * a_t after j entries is the elementary symmetric polynomial of degree t in z₁…zⱼ, and
 * a_t ← a_t + zⱼ a_{t−1} (t from m down, so a_{t−1} is still the previous one). O(m·n).
 */
export function anovaKernel(p: ArrayLike<number>, x: ArrayLike<number>, m: number): number {
  const a = new Float64Array(m + 1);
  a[0] = 1;
  for (let j = 0; j < p.length; j++) {
    const z = p[j] * x[j];
    for (let t = Math.min(m, j + 1); t >= 1; t--) a[t] += z * a[t - 1];
  }
  return a[m];
}

/**
 * ∂Aᵐ(p, x)/∂pⱼ for every j, into `out`. The terms of Aᵐ that hold zⱼ are zⱼ times a choice of t others
 * before j and m − 1 − t after it, so ∂Aᵐ/∂zⱼ = Σ_t a_t(z₁…z_{j−1}) · b_{m−1−t}(z_{j+1}…z_n): the forward
 * table a and the same recursion run backward, b. We use these tables rather than the closed forms by
 * power sums (A³ = (p₁³ − 3p₁p₂ + 2p₃)/6): they work for any order, and they only add products, where the
 * power sums subtract nearly equal terms and lose digits when one zⱼ dominates.
 */
export function anovaGradient(
  p: ArrayLike<number>,
  x: ArrayLike<number>,
  m: number,
  out = new Float64Array(p.length),
): Float64Array {
  const n = p.length;
  const width = m + 1;
  const table = new Float64Array((n + 1) * width);
  table[0] = 1;
  for (let j = 0; j < n; j++) {
    const z = p[j] * x[j];
    const from = j * width;
    const to = from + width;
    table[to] = 1;
    for (let t = 1; t <= m; t++) table[to + t] = table[from + t] + z * table[from + t - 1];
  }
  const b = new Float64Array(m);
  b[0] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const before = j * width;
    let dz = 0;
    for (let t = 0; t < m; t++) dz += table[before + t] * b[m - 1 - t];
    out[j] = dz * x[j];
    const z = p[j] * x[j];
    for (let u = m - 1; u >= 1; u--) b[u] += z * b[u - 1];
  }
  return out;
}

/**
 * Scratch for one degree m of one row: the forward tables of all k factors after each of the row's
 * entries, table[(j·k + s)·(m + 1) + t], and the backward vectors b[s·m + u].
 */
interface DegreeScratch {
  m: number;
  table: Float64Array;
  back: Float64Array;
}

function degreeScratch(m: number, k: number, entries: number): DegreeScratch {
  return { m, table: new Float64Array((entries + 1) * k * (m + 1)), back: new Float64Array(k * m) };
}

/** Σ_s Aᵐ(p_s, x) of row r, filling the forward tables (entries outer, factors inner: P's rows are contiguous). */
function forward(P: Float64Array, k: number, matrix: FeatureMatrix, r: number, d: DegreeScratch): number {
  const { m, table } = d;
  const width = m + 1;
  const stride = k * width;
  table.fill(0, 0, stride);
  for (let s = 0; s < k; s++) table[s * width] = 1;
  const begin = matrix.indptr[r];
  const n = matrix.indptr[r + 1] - begin;
  for (let j = 0; j < n; j++) {
    const base = matrix.indices[begin + j] * k;
    const x = matrix.values[begin + j];
    let from = j * stride;
    let to = from + stride;
    for (let s = 0; s < k; s++, from += width, to += width) {
      const z = P[base + s] * x;
      table[to] = 1;
      for (let t = 1; t <= m; t++) table[to + t] = table[from + t] + z * table[from + t - 1];
    }
  }
  let sum = 0;
  for (let s = 0, at = n * stride + m; s < k; s++, at += width) sum += table[at];
  return sum;
}

/**
 * The backward sweep of row r after `forward`: for every entry j and factor s, with
 * dⱼₛ = g xⱼ ∂Aᵐ/∂zⱼₛ + λ pⱼₛ (the row's loss gradient and the L2 term), adds scale · dⱼₛ to
 * target[iⱼ·k + s]. target = P with scale = −η is an SGD step; a gradient buffer with scale = 1 sums a
 * minibatch. Each zⱼₛ is read before its pⱼₛ moves, so the step uses the row's starting parameters.
 */
function backward(
  P: Float64Array,
  k: number,
  matrix: FeatureMatrix,
  r: number,
  d: DegreeScratch,
  g: number,
  reg: number,
  target: Float64Array,
  scale: number,
): void {
  const { m, table, back } = d;
  const width = m + 1;
  const stride = k * width;
  back.fill(0, 0, k * m);
  for (let s = 0; s < k; s++) back[s * m] = 1;
  const begin = matrix.indptr[r];
  const n = matrix.indptr[r + 1] - begin;
  for (let j = n - 1; j >= 0; j--) {
    const base = matrix.indices[begin + j] * k;
    const x = matrix.values[begin + j];
    for (let s = 0; s < k; s++) {
      const before = j * stride + s * width;
      const b = s * m;
      let dz = 0;
      for (let t = 0; t < m; t++) dz += table[before + t] * back[b + m - 1 - t];
      const p = P[base + s];
      const z = p * x;
      for (let u = m - 1; u >= 1; u--) back[b + u] += z * back[b + u - 1];
      target[base + s] += scale * (g * x * dz + reg * p);
    }
  }
}

function linear(params: FmHigherOrderParameters, matrix: FeatureMatrix, r: number): number {
  let sum = params.w0;
  for (let e = matrix.indptr[r]; e < matrix.indptr[r + 1]; e++)
    sum += params.w[matrix.indices[e]] * matrix.values[e];
  return sum;
}

function maxRowLength(matrix: FeatureMatrix): number {
  let max = 0;
  for (let r = 0; r < matrix.rows; r++) max = Math.max(max, matrix.indptr[r + 1] - matrix.indptr[r]);
  return max;
}

function scratches(params: FmHigherOrderParameters, matrix: FeatureMatrix): DegreeScratch[] {
  const entries = maxRowLength(matrix);
  return params.factors.map((_, d) => degreeScratch(d + 2, params.k, entries));
}

function score(
  params: FmHigherOrderParameters,
  matrix: FeatureMatrix,
  r: number,
  ds: DegreeScratch[],
): number {
  let y = linear(params, matrix, r);
  for (let d = 0; d < ds.length; d++) y += forward(params.factors[d], params.k, matrix, r, ds[d]);
  return y;
}

/** The model's score ŷ (before any link) of every row. */
function scores(params: FmHigherOrderParameters, matrix: FeatureMatrix): Float64Array {
  const ds = scratches(params, matrix);
  const out = new Float64Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) out[r] = score(params, matrix, r, ds);
  return out;
}

/**
 * Predictions for every row: ŷ for regression (clamped to `clamp` when given, as fmPredict), σ(ŷ) for a
 * binary task.
 */
export function fmHigherOrderPredict(
  params: FmHigherOrderParameters,
  matrix: FeatureMatrix,
  task: FmTask,
  clamp?: FmClamp,
): Float64Array {
  const out = scores(params, matrix);
  if (task === 'binary') for (let r = 0; r < out.length; r++) out[r] = sigmoid(out[r]);
  else if (clamp) clampInPlace(out, clamp);
  return out;
}

/** fitFmSgd's options and the order; k and reg then apply to the factors of every degree. */
export interface FmHigherOrderOptions extends FmSgdOptions {
  /** The highest degree of interaction (2: an FM, 3: adds the three-way terms, …). */
  order: number;
}

export interface FmHigherOrderFit {
  params: FmHigherOrderParameters;
  /** The mean training loss of each epoch (squared error / 2, or log-loss), as the epoch went. */
  losses: number[];
  /** Seconds of each epoch. */
  epochSeconds: number[];
}

/**
 * A higher-order FM by stochastic gradient steps, one row (or one minibatch, with SGD or Adam) at a
 * time in a new random order each epoch, as fitFmSgd. A row costs O(order² · k · nnz): per degree m a
 * forward table for ŷ, then the backward sweep for ∂Aᵐ/∂p. Note that Aᵐ vanishes on rows with fewer than
 * m non-zeros: on user + item one-hot rows alone, degree 3 adds nothing, it needs a third field.
 */
export function fitFmHigherOrder(train: FeatureMatrix, options: FmHigherOrderOptions): FmHigherOrderFit {
  checkFmOptions('fitFmHigherOrder', options);
  const { k, lr, reg, task } = options;
  const batch = options.batch ?? 1;
  const rng = new Rng(options.seed);
  const params = fmHigherOrderParameters(train.features, k, options.order);
  for (const P of params.factors) for (let i = 0; i < P.length; i++) P[i] = rng.normal() * options.init;
  const { w, factors } = params;
  const ds = scratches(params, train);
  const losses: number[] = [];
  const epochSeconds: number[] = [];
  const minibatch = SparseMinibatch.unlessPerRow(
    train.features,
    [{ values: w, width: 1 }, ...factors.map((values) => ({ values, width: k }))],
    options,
  );
  const out = { loss: 0, g: 0 };
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    const order = rng.permutation(train.rows);
    let loss = 0;
    for (let start = 0; start < order.length; start += batch) {
      const end = Math.min(order.length, start + batch);
      minibatch?.begin();
      for (let o = start; o < end; o++) {
        const r = order[o];
        fmLoss(task, score(params, train, r, ds), train.target[r], out);
        const g = out.g;
        loss += out.loss;
        if (minibatch === undefined) {
          for (let d = 0; d < factors.length; d++)
            backward(factors[d], k, train, r, ds[d], g, reg, factors[d], -lr);
          params.w0 -= lr * g;
          for (let e = train.indptr[r]; e < train.indptr[r + 1]; e++) {
            const i = train.indices[e];
            w[i] -= lr * (g * train.values[e] + reg * w[i]);
          }
        } else {
          const gw = minibatch.grads[0];
          minibatch.bias += g;
          for (let e = train.indptr[r]; e < train.indptr[r + 1]; e++) {
            const i = train.indices[e];
            minibatch.touch(i);
            gw[i] += g * train.values[e] + reg * w[i];
          }
          for (let d = 0; d < factors.length; d++) {
            backward(factors[d], k, train, r, ds[d], g, reg, minibatch.grads[d + 1], 1);
          }
        }
      }
      if (minibatch) params.w0 = minibatch.step(params.w0, end - start);
    }
    epochSeconds.push((performance.now() - t0) / 1000);
    recordEpochLoss('fitFmHigherOrder', losses, loss / Math.max(1, train.rows));
    options.onEpoch?.(epoch, losses[losses.length - 1]);
  }
  return { params, losses, epochSeconds };
}
