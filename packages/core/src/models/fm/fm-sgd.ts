import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { Rng } from '../../math/rng.js';
import { type FmParameters, fmParameters, fmPredictRow } from './fm-kernel.js';

/** What an FM predicts: a real value (squared loss) or the log-odds of a 0/1 outcome (logistic loss). */
export type FmTask = 'regression' | 'binary';

export interface FmSgdOptions {
  task: FmTask;
  /** Factors per feature (0: a linear or logistic regression). */
  k: number;
  epochs: number;
  /** Step size. */
  lr: number;
  /** L2 penalty on the feature weights and factors (not on w₀). */
  reg: number;
  /** Standard deviation of the factors' initial values. */
  init: number;
  seed: number;
}

export interface FmSgdFit {
  params: FmParameters;
  /** The mean training loss of each epoch (squared error / 2, or log-loss), as the epoch went. */
  losses: number[];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * An order-2 factorization machine (Rendle 2010) by stochastic gradient descent, one row at a time in a
 * new random order each epoch, as libFM's SGD. The loss's derivative g in ŷ (ŷ − y for squared loss,
 * σ(ŷ) − y for the logistic one) gives every step: w₀ −= η g, wᵢ −= η (g xᵢ + λ wᵢ),
 * v_if −= η (g xᵢ (Σⱼ v_jf xⱼ − v_if xᵢ) + λ v_if).
 */
export function fitFmSgd(train: FeatureMatrix, options: FmSgdOptions): FmSgdFit {
  const { k, lr, reg, task } = options;
  const rng = new Rng(options.seed);
  const params = fmParameters(train.features, k);
  for (let i = 0; i < params.v.length; i++) params.v[i] = rng.normal() * options.init;
  const { w, v } = params;
  const sums = new Float64Array(k);
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = rng.permutation(train.rows);
    let loss = 0;
    for (let o = 0; o < order.length; o++) {
      const r = order[o];
      const y = train.target[r];
      const score = fmPredictRow(params, train, r, sums);
      let g: number;
      if (task === 'binary') {
        const p = sigmoid(score);
        g = p - y;
        loss -= y * Math.log(Math.max(p, 1e-15)) + (1 - y) * Math.log(Math.max(1 - p, 1e-15));
      } else {
        g = score - y;
        loss += 0.5 * g * g;
      }
      params.w0 -= lr * g;
      for (let e = train.indptr[r]; e < train.indptr[r + 1]; e++) {
        const i = train.indices[e];
        const x = train.values[e];
        w[i] -= lr * (g * x + reg * w[i]);
        const base = i * k;
        for (let f = 0; f < k; f++) {
          const vif = v[base + f];
          v[base + f] = vif - lr * (g * x * (sums[f] - vif * x) + reg * vif);
        }
      }
    }
    losses.push(loss / Math.max(1, train.rows));
  }
  return { params, losses };
}

/** The FM's predictions for every row: ŷ for regression, σ(ŷ) (a probability) for a binary task. */
export function fmPredict(params: FmParameters, matrix: FeatureMatrix, task: FmTask): Float64Array {
  const sums = new Float64Array(params.k);
  const out = new Float64Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) {
    const score = fmPredictRow(params, matrix, r, sums);
    out[r] = task === 'binary' ? sigmoid(score) : score;
  }
  return out;
}
