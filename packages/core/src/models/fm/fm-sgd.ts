import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { ADAM_DEFAULTS, AdamState } from '../../math/adam.js';
import { sigmoid } from '../../math/logistic.js';
import { Rng } from '../../math/rng.js';
import { throwIfAborted } from '../fit-options.js';
import { type FmParameters, fmPredictRow, randomFmParameters } from './fm-kernel.js';
import { checkFmOptions, type FmOptimizer, type FmTask, recordEpochLoss } from './fm-options.js';

/** The range regression predictions are clamped to: libFM clamps to the training targets' range. */
export interface FmClamp {
  min: number;
  max: number;
}

export interface FmSgdOptions {
  task: FmTask;
  /** Factors per feature (0: a linear or logistic regression). */
  k: number;
  epochs: number;
  /** Step size (Adam's too). */
  lr: number;
  /** L2 penalty on the feature weights and factors (not on w₀). */
  reg: number;
  /** Standard deviation of the factors' initial values. */
  init: number;
  seed: number;
  /** Default 'sgd'. */
  optimizer?: FmOptimizer;
  /** Rows per step (default 1). Above 1 a step follows the batch's mean gradient. */
  batch?: number;
  /** Called after each epoch (1, 2, …) with its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Stops the fit between epochs with an AbortError. */
  signal?: AbortSignal;
}

export interface FmSgdFit {
  params: FmParameters;
  /** The mean training loss of each epoch (squared error / 2, or log-loss), as the epoch went. */
  losses: number[];
  /** Seconds of each epoch. */
  epochSeconds: number[];
}

/** The loss of score ŷ against target y, and its derivative in ŷ: what every FM solver steps on. */
export function fmLoss(task: FmTask, score: number, y: number, out: { loss: number; g: number }): void {
  if (task === 'binary') {
    const p = sigmoid(score);
    out.g = p - y;
    out.loss = -(y * Math.log(Math.max(p, 1e-15)) + (1 - y) * Math.log(Math.max(1 - p, 1e-15)));
  } else {
    out.g = score - y;
    out.loss = 0.5 * out.g * out.g;
  }
}

/** The smallest and largest target of `matrix`: the clamp libFM uses for regression. */
export function targetRange(matrix: FeatureMatrix): FmClamp {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const y of matrix.target) {
    if (y < min) min = y;
    if (y > max) max = y;
  }
  return { min, max };
}

/**
 * The minibatch half of the FM solvers. A batch's gradients are summed into buffers shaped like the
 * parameter blocks (w: width 1, factors: width k), but only at the features the batch touches, which are
 * listed as they come; the step then moves those features' weights and factor rows alone, by the mean
 * gradient, with plain SGD or Adam. So a step costs the batch's non-zeros, not the model's size, and
 * Adam's moments of an untouched feature wait for its next batch (lazy Adam, as sparse embeddings do).
 * The gradient of a feature's L2 term is added once per row it appears in, as per-row SGD does, so both
 * optimizers minimise the same objective.
 */
export class SparseMinibatch {
  /** The batch's summed gradient in w₀. */
  bias = 0;
  /** The batch's summed gradients, one buffer per block, shaped as the block (valid at touched features). */
  readonly grads: Float64Array[];
  private readonly stamp: Int32Array;
  private readonly touched: Int32Array;
  private count = 0;
  private batchId = 0;
  /** Adam's moments of each block, and of w₀ (then kept in `w0`), when the optimizer is Adam. */
  private readonly adam: AdamState[] = [];
  private readonly adamBias: AdamState | undefined;
  private readonly w0 = new Float64Array(1);
  private steps = 0;

  constructor(
    features: number,
    private readonly blocks: readonly { values: Float64Array; width: number }[],
    private readonly optimizer: FmOptimizer,
    private readonly lr: number,
  ) {
    this.grads = blocks.map((b) => new Float64Array(b.values.length));
    this.stamp = new Int32Array(features).fill(-1);
    this.touched = new Int32Array(features);
    if (optimizer === 'adam') {
      const settings = { ...ADAM_DEFAULTS, lr };
      this.adam = blocks.map((b) => new AdamState(b.values.length, settings));
      this.adamBias = new AdamState(1, settings);
    }
  }

  /** The minibatch state `options` ask for; undefined for per-row SGD, which takes its own fast loop. */
  static unlessPerRow(
    features: number,
    blocks: readonly { values: Float64Array; width: number }[],
    options: { lr: number; optimizer?: FmOptimizer; batch?: number },
  ): SparseMinibatch | undefined {
    const optimizer = options.optimizer ?? 'sgd';
    if (optimizer === 'sgd' && (options.batch ?? 1) === 1) return undefined;
    return new SparseMinibatch(features, blocks, optimizer, options.lr);
  }

  /** Starts a batch: no feature touched, zero gradient. */
  begin(): void {
    this.batchId++;
    this.count = 0;
    this.bias = 0;
  }

  /** Marks feature i as in the batch; its gradients start from zero the first time. */
  touch(i: number): void {
    if (this.stamp[i] === this.batchId) return;
    this.stamp[i] = this.batchId;
    this.touched[this.count++] = i;
    for (let b = 0; b < this.blocks.length; b++) {
      const width = this.blocks[b].width;
      this.grads[b].fill(0, i * width, (i + 1) * width);
    }
  }

  /** Moves w₀ (returned) and the touched features' parameters against the mean gradient of `rows` rows. */
  step(w0: number, rows: number): number {
    const scale = 1 / rows;
    if (this.optimizer === 'sgd') {
      const lr = this.lr * scale;
      for (let b = 0; b < this.blocks.length; b++) {
        const { values, width } = this.blocks[b];
        const grad = this.grads[b];
        for (let t = 0; t < this.count; t++) {
          const end = (this.touched[t] + 1) * width;
          for (let c = end - width; c < end; c++) values[c] -= lr * grad[c];
        }
      }
      return w0 - lr * this.bias;
    }
    // AdamState.update's formula, inlined over the touched rows on the states' moments: a call per
    // coordinate made an epoch on one-hot data about 1.5 times slower.
    this.steps++;
    const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
    const step = this.lr / (1 - beta1 ** this.steps);
    const correction2 = 1 / (1 - beta2 ** this.steps);
    for (let b = 0; b < this.blocks.length; b++) {
      const { values, width } = this.blocks[b];
      const grad = this.grads[b];
      const { m, v } = this.adam[b];
      for (let t = 0; t < this.count; t++) {
        const end = (this.touched[t] + 1) * width;
        for (let c = end - width; c < end; c++) {
          const g = grad[c] * scale;
          const mc = beta1 * m[c] + (1 - beta1) * g;
          const vc = beta2 * v[c] + (1 - beta2) * g * g;
          m[c] = mc;
          v[c] = vc;
          values[c] -= (step * mc) / (Math.sqrt(vc * correction2) + epsilon);
        }
      }
    }
    const bias = this.adamBias!;
    bias.next();
    this.w0[0] = w0;
    bias.update(this.w0, 0, this.bias * scale);
    return this.w0[0];
  }
}

/**
 * An order-2 factorization machine (Rendle 2010) by stochastic gradient descent, one row at a time in a
 * new random order each epoch, as libFM's SGD. The loss's derivative g in ŷ (ŷ − y for squared loss,
 * σ(ŷ) − y for the logistic one) gives every step: w₀ −= η g, wᵢ −= η (g xᵢ + λ wᵢ),
 * v_if −= η (g xᵢ (Σⱼ v_jf xⱼ − v_if xᵢ) + λ v_if).
 *
 * With `batch` > 1 or Adam, the same gradients are summed over a minibatch (all taken at the parameters
 * the batch started from) and applied once, to the batch's features only (see SparseMinibatch). Adam's
 * per-coordinate step sizes suit one-hot data, where a rare item's factors get few and small gradients.
 * The per-row SGD loop is kept as it was, apart from the minibatch path, because it is the fast one.
 */
export function fitFmSgd(train: FeatureMatrix, options: FmSgdOptions): FmSgdFit {
  checkFmOptions('fitFmSgd', options);
  const { k, lr, reg, task } = options;
  const batch = options.batch ?? 1;
  const rng = new Rng(options.seed);
  const params = randomFmParameters(train.features, k, options.init, rng);
  const { w, v } = params;
  const sums = new Float64Array(k);
  const losses: number[] = [];
  const epochSeconds: number[] = [];
  const minibatch = SparseMinibatch.unlessPerRow(
    train.features,
    [
      { values: w, width: 1 },
      { values: v, width: k },
    ],
    options,
  );
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    const order = rng.permutation(train.rows);
    let loss = 0;
    if (minibatch === undefined) {
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
    } else {
      loss = minibatchEpoch(train, params, order, minibatch, batch, task, reg);
    }
    epochSeconds.push((performance.now() - t0) / 1000);
    recordEpochLoss('fitFmSgd', losses, loss / Math.max(1, train.rows));
    options.onEpoch?.(epoch, losses[losses.length - 1]);
  }
  return { params, losses, epochSeconds };
}

/**
 * One epoch of minibatch steps (SGD or Adam) in the given row order; returns the summed loss. Apart
 * from fitFmSgd so that its per-row loop stays as lean as it was.
 */
function minibatchEpoch(
  train: FeatureMatrix,
  params: FmParameters,
  order: Int32Array,
  minibatch: SparseMinibatch,
  batch: number,
  task: FmTask,
  reg: number,
): number {
  const { k, w, v } = params;
  const sums = new Float64Array(k);
  const out = { loss: 0, g: 0 };
  const [gw, gv] = minibatch.grads;
  let loss = 0;
  for (let start = 0; start < order.length; start += batch) {
    const end = Math.min(order.length, start + batch);
    minibatch.begin();
    for (let o = start; o < end; o++) {
      const r = order[o];
      fmLoss(task, fmPredictRow(params, train, r, sums), train.target[r], out);
      const g = out.g;
      loss += out.loss;
      minibatch.bias += g;
      for (let e = train.indptr[r]; e < train.indptr[r + 1]; e++) {
        const i = train.indices[e];
        const x = train.values[e];
        minibatch.touch(i);
        gw[i] += g * x + reg * w[i];
        const base = i * k;
        for (let f = 0; f < k; f++) {
          const vif = v[base + f];
          gv[base + f] += g * x * (sums[f] - vif * x) + reg * vif;
        }
      }
    }
    params.w0 = minibatch.step(params.w0, end - start);
  }
  return loss;
}

/**
 * The FM's predictions for every row: ŷ for regression, σ(ŷ) (a probability) for a binary task. A
 * regression's predictions are clamped to `clamp` when given (say `targetRange(train)`, as libFM does:
 * an FM extrapolates freely, and a 6-star prediction on a 1–5 scale only costs RMSE).
 */
export function fmPredict(
  params: FmParameters,
  matrix: FeatureMatrix,
  task: FmTask,
  clamp?: FmClamp,
): Float64Array {
  const sums = new Float64Array(params.k);
  const out = new Float64Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) {
    const score = fmPredictRow(params, matrix, r, sums);
    out[r] = task === 'binary' ? sigmoid(score) : score;
  }
  if (clamp && task === 'regression') clampInPlace(out, clamp);
  return out;
}

/** Clamps every value to [min, max]. */
export function clampInPlace(values: Float64Array, { min, max }: FmClamp): void {
  for (let r = 0; r < values.length; r++) values[r] = Math.min(max, Math.max(min, values[r]));
}
