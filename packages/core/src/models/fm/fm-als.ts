import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { sigmoid, softplus } from '../../math/logistic.js';
import { Rng } from '../../math/rng.js';
import { throwIfAborted } from '../fit-options.js';
import { type FmParameters, fmFactorSums, fmPredictRow, randomFmParameters } from './fm-kernel.js';
import { checkFmOptions, checkFmTargets, type FmTask } from './fm-options.js';

export interface FmAlsOptions {
  task: FmTask;
  /** Factors per feature (0: a linear or logistic regression). */
  k: number;
  /** Sweeps over all the parameters. */
  iterations: number;
  /** L2 penalty on the feature weights wᵢ (not on w₀); defaults to `reg`, else 0. */
  regW?: number;
  /** L2 penalty on the factors v_if; defaults to `reg`, else 0. */
  regV?: number;
  /** One penalty for both, when regW and regV are not given. */
  reg?: number;
  /** Standard deviation of the factors' initial values (libFM: 0.1). */
  init: number;
  seed: number;
  onSweep?: (sweep: number, loss: number) => void;
  signal?: AbortSignal;
}

export interface FmAlsFit {
  params: FmParameters;
  /**
   * The penalized training objective per row after each sweep, (Σ ℓ(y, ŷ) + ½ regW ‖w‖² + ½ regV ‖V‖²) / n
   * with ℓ = ½ (y − ŷ)² or the log-loss: what the sweeps minimize, so it never rises for regression.
   */
  losses: number[];
  /** Wall time of each sweep (without the loss). */
  sweepSeconds: number[];
}

/**
 * An order-2 factorization machine by coordinate descent, as libFM's ALS (Rendle et al. 2011; Rendle 2012,
 * §4.2): every ŷ is linear in each single parameter θ, ŷ = g + θh, so with squared loss and an L2 penalty
 * θ's exact minimizer given all the others is θ* = Σ (y − ŷ + θh) h / (Σ h² + λ), computed from the cached
 * predictions in one pass over θ's column (h = xᵢ for wᵢ, xᵢ (q_f − v_if xᵢ) for v_if with the cached factor
 * sum q_f = Σⱼ v_jf xⱼ). No learning rate; a sweep costs O(k · nnz).
 *
 * The logistic loss has no closed-form coordinate minimizer, so a binary task takes one Newton step per
 * coordinate, Δ = −ℓ′/ℓ″ with ℓ′ = Σ (σ(ŷ) − y) h + λθ and ℓ″ = Σ σ(ŷ)(1 − σ(ŷ)) h² + λ, halved until the
 * loss drops enough (Armijo), as liblinear's coordinate descent does: then every step lowers the objective.
 */
export function fitFmAls(train: FeatureMatrix, options: FmAlsOptions): FmAlsFit {
  checkFmOptions('fitFmAls', options);
  checkFmTargets('fitFmAls', train, options.task);
  const regW = options.regW ?? options.reg ?? 0;
  const regV = options.regV ?? options.reg ?? 0;
  if (!(regW >= 0 && regV >= 0 && Number.isFinite(regW) && Number.isFinite(regV))) {
    throw new Error(`fitFmAls: the penalties must be ≥ 0, got regW = ${regW}, regV = ${regV}`);
  }
  const { k } = options;
  const binary = options.task === 'binary';
  const n = train.rows;
  const p = train.features;
  const y = train.target;
  const rng = new Rng(options.seed);
  const params = randomFmParameters(p, k, options.init, rng);
  const { w, v } = params;

  const cols = train.columns();
  const { colptr, rows, values } = cols;
  // w₀'s column: every row, h = 1.
  const allRows = new Int32Array(n);
  for (let r = 0; r < n; r++) allRows[r] = r;
  const ones = new Float64Array(n).fill(1);
  const h = new Float64Array(Math.max(n, cols.rows.length));
  const q = new Float64Array(n);
  // s = ŷ, the cached predictions.
  const s = new Float64Array(n);
  const sums = new Float64Array(k);
  for (let r = 0; r < n; r++) s[r] = fmPredictRow(params, train, r, sums);

  const step = binary ? newtonStep : exactStep;

  const losses: number[] = [];
  const sweepSeconds: number[] = [];
  for (let sweep = 0; sweep < options.iterations; sweep++) {
    throwIfAborted(options.signal);
    const started = performance.now();
    params.w0 = step(params.w0, 0, allRows, ones, 0, n, y, s);
    for (let i = 0; i < p; i++) w[i] = step(w[i], regW, rows, values, colptr[i], colptr[i + 1], y, s);
    for (let f = 0; f < k; f++) {
      fmFactorSums(train, v, k, f, q);
      for (let i = 0; i < p; i++) {
        const begin = colptr[i];
        const end = colptr[i + 1];
        const old = v[i * k + f];
        for (let t = begin; t < end; t++) {
          const x = values[t];
          h[t] = x * (q[rows[t]] - old * x);
        }
        const next = step(old, regV, rows, h, begin, end, y, s);
        v[i * k + f] = next;
        const d = next - old;
        if (d !== 0) for (let t = begin; t < end; t++) q[rows[t]] += d * values[t];
      }
    }
    sweepSeconds.push((performance.now() - started) / 1000);

    let loss = 0;
    for (let r = 0; r < n; r++) {
      if (binary) loss += softplus(s[r]) - y[r] * s[r];
      else loss += 0.5 * (y[r] - s[r]) * (y[r] - s[r]);
    }
    let ww = 0;
    for (let i = 0; i < p; i++) ww += w[i] * w[i];
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    loss = (loss + 0.5 * regW * ww + 0.5 * regV * vv) / n;
    losses.push(loss);
    options.onSweep?.(sweep, loss);
  }
  return { params, losses, sweepSeconds };
}

/**
 * One coordinate's update: θ's new value from the entries [begin, end) of its column (rows, and h = ∂ŷ/∂θ
 * there), with the cached predictions s (= ŷ) moved along.
 */
type CoordinateStep = (
  theta: number,
  reg: number,
  rows: Int32Array,
  h: Float64Array,
  begin: number,
  end: number,
  y: Float64Array,
  s: Float64Array,
) => number;

/** θ's exact minimizer of ½ Σ (y − ŷ)² + ½ λ θ² given the rest; s (= ŷ) follows. */
const exactStep: CoordinateStep = (theta, reg, rows, h, begin, end, y, s) => {
  let hh = 0;
  let eh = 0;
  for (let t = begin; t < end; t++) {
    const r = rows[t];
    const ht = h[t];
    hh += ht * ht;
    eh += (y[r] - s[r]) * ht;
  }
  const denominator = hh + reg;
  // A feature without training rows and without penalty: any value fits, keep the one there is.
  if (!(denominator > 0)) return theta;
  const next = (eh + theta * hh) / denominator;
  const d = next - theta;
  for (let t = begin; t < end; t++) s[rows[t]] += d * h[t];
  return next;
};

/** One Newton step on θ for Σ log-loss + ½ λ θ², with Armijo backtracking; s (= ŷ) follows. */
const newtonStep: CoordinateStep = (theta, reg, rows, h, begin, end, y, s) => {
  let g = reg * theta;
  let hess = reg;
  for (let t = begin; t < end; t++) {
    const r = rows[t];
    const ht = h[t];
    const pr = sigmoid(s[r]);
    g += (pr - y[r]) * ht;
    hess += pr * (1 - pr) * ht * ht;
  }
  if (!(hess > 0) || g === 0) return theta;
  const direction = -g / hess;
  let step = 1;
  for (let tries = 0; tries < 30; tries++, step *= 0.5) {
    const d = step * direction;
    let change = 0.5 * reg * ((theta + d) * (theta + d) - theta * theta);
    for (let t = begin; t < end; t++) {
      const r = rows[t];
      const delta = d * h[t];
      change += softplus(s[r] + delta) - softplus(s[r]) - y[r] * delta;
    }
    if (change <= 0.01 * d * g) {
      for (let t = begin; t < end; t++) s[rows[t]] += d * h[t];
      return theta + d;
    }
  }
  return theta;
};
