import type { FeatureField, FeatureMatrix } from '../../data/feature-matrix.js';
import { logLoss, rmse } from '../../eval/metrics.js';
import { ADAM_DEFAULTS, AdamState } from '../../math/adam.js';
import { sigmoid, softplus } from '../../math/logistic.js';
import { Rng } from '../../math/rng.js';
import {
  type FeatureFitOptions,
  type FeatureFitResult,
  type FeatureModelFamily,
  type FeatureTask,
  featureFitResult,
} from '../features/feature-family.js';
import { throwIfAborted } from '../fit-options.js';
import type { ParamSpec, ParamValues } from '../params.js';
import { Mlp } from './mlp.js';

/**
 * DeepFM (Guo et al. 2017) and its deep half alone. Every feature i has a weight wᵢ and an embedding vᵢ
 * of k numbers, shared by both halves:
 *
 *   FM(x)   = w₀ + Σᵢ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ
 *   MLP(x)  = a ReLU network on [e₁, …, e_F], e_f = Σ_{i in field f} vᵢxᵢ (the field's embedding)
 *   DeepFM  = FM(x) + MLP(x);   Deep = w₀ + MLP(x)
 *
 * The score is the prediction for regression (squared loss) and the log-odds for a binary task
 * (logistic loss). Sharing the embeddings is the paper's point: the FM's pairwise terms give the
 * low-order interactions directly and the MLP learns higher-order ones from the same vectors.
 */
export interface DeepFmOptions {
  task: FeatureTask;
  /** Embedding size (default 8). */
  k?: number;
  /** Hidden layer sizes, input side first (default [64, 32]); may be empty for DeepFM, not for Deep. */
  hidden?: readonly number[];
  /** Probability of dropping a hidden unit during training (default 0.1); prediction uses them all. */
  dropout?: number;
  /** Adam's step size (default 0.001). */
  lr?: number;
  /** Rows per minibatch (default 256). */
  batch?: number;
  /** The most epochs (default 30); early stopping may end sooner. */
  epochs?: number;
  /** Stop after this many epochs without a better validation loss (default 3). */
  patience?: number;
  /** Share of the training rows held out for early stopping when `validation` is not given (default 0.1; 0: none). */
  validationFraction?: number;
  /** L2 penalty on the weights and embeddings of the features a minibatch touches (default 0.01). */
  l2?: number;
  /** Standard deviation of the embeddings' initial values (default 0.01). */
  init?: number;
  /** With the FM half (DeepFM, default) or without (Deep). */
  fm?: boolean;
  seed?: number;
  /** Rows for early stopping; the training rows are then all used for training. */
  validation?: FeatureMatrix;
  /** After each epoch: the validation loss (RMSE, or log-loss for a binary task), else the training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Checked between epochs; an aborted fit throws an AbortError. */
  signal?: AbortSignal;
}

export const DEEPFM_DEFAULTS = {
  k: 8,
  hidden: [64, 32] as readonly number[],
  dropout: 0.1,
  lr: 0.001,
  batch: 256,
  epochs: 30,
  patience: 3,
  validationFraction: 0.1,
  l2: 0.01,
  init: 0.01,
  fm: true,
  seed: 0,
};

export interface DeepFmFit {
  /** One prediction per row: the value (regression) or the probability of a 1 (binary). */
  predict(rows: FeatureMatrix): Float64Array;
  epochSeconds: number[];
  /** The validation loss after each epoch run (RMSE, or log-loss for a binary task); empty without validation. */
  curve: number[];
  /** The mean training loss of each epoch (½ squared error, or log-loss), dropout on. */
  trainLoss: number[];
  /** The epoch (1-based; curve[bestEpoch − 1]) whose parameters the model kept: the last one without validation. */
  bestEpoch: number;
  net: DeepFmNet;
}

type Settings = Required<Omit<DeepFmOptions, 'validation' | 'onEpoch' | 'signal'>>;

/** Fills in the defaults and rejects what cannot be trained, saying which option is wrong. */
function settingsOf(options: DeepFmOptions): Settings {
  const s: Settings = { ...DEEPFM_DEFAULTS, ...stripUndefined(options) } as Settings;
  const fail = (why: string): never => {
    throw new Error(`${s.fm ? 'DeepFM' : 'Deep'}: ${why}`);
  };
  if (s.task !== 'regression' && s.task !== 'binary')
    fail(`task must be regression or binary, not ${s.task}`);
  const isCount = (x: number, min: number) => Number.isInteger(x) && x >= min;
  if (!isCount(s.k, 1)) fail(`k (the embedding size) must be a whole number ≥ 1, not ${s.k}`);
  if (!s.hidden.every((h) => isCount(h, 1)))
    fail(`hidden layer sizes must be whole numbers ≥ 1: ${s.hidden}`);
  if (!s.fm && s.hidden.length === 0) fail('Deep needs at least one hidden layer (hidden is empty)');
  if (!(s.dropout >= 0 && s.dropout < 1)) fail(`dropout must be in [0, 1), not ${s.dropout}`);
  if (!(s.lr > 0 && Number.isFinite(s.lr))) fail(`lr must be > 0, not ${s.lr}`);
  if (!isCount(s.batch, 1)) fail(`batch must be a whole number ≥ 1, not ${s.batch}`);
  if (!isCount(s.epochs, 1)) fail(`epochs must be a whole number ≥ 1, not ${s.epochs}`);
  if (!isCount(s.patience, 1)) fail(`patience must be a whole number ≥ 1, not ${s.patience}`);
  if (!(s.validationFraction >= 0 && s.validationFraction < 1)) {
    fail(`validationFraction must be in [0, 1), not ${s.validationFraction}`);
  }
  if (!(s.l2 >= 0 && Number.isFinite(s.l2))) fail(`l2 must be ≥ 0, not ${s.l2}`);
  if (!(s.init >= 0 && Number.isFinite(s.init))) fail(`init must be ≥ 0, not ${s.init}`);
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The network's parameters and its per-row working buffers. `dense` holds w₀ at 0 and the MLP from 1 on,
 * so that they share one dense Adam state; `w` and `v` (v[i·k + f]) are updated sparsely, only for the
 * features a minibatch touches.
 */
export class DeepFmNet {
  readonly k: number;
  readonly fm: boolean;
  readonly task: FeatureTask;
  readonly features: number;
  /** The fields of the matrix trained on (checked against the matrices predicted). */
  readonly fields: readonly FeatureField[];
  /** Each feature's slot among the MLP's field inputs. */
  readonly fieldOf: Int32Array;
  readonly slots: number;
  readonly mlp: Mlp;
  readonly dense: Float64Array;
  /** Feature weights (empty for Deep, which has none). */
  readonly w: Float64Array;
  readonly v: Float64Array;
  /** Σᵢ v_if xᵢ over the row, for the FM's pairwise term and its gradient. */
  private readonly sums: Float64Array;

  constructor(
    features: number,
    fields: readonly FeatureField[],
    settings: { k: number; hidden: readonly number[]; fm: boolean; task: FeatureTask },
  ) {
    this.k = settings.k;
    this.fm = settings.fm;
    this.task = settings.task;
    this.features = features;
    this.fields = fields;
    // Features outside every field (or all of them, when the matrix has no fields) form one more field:
    // the MLP should see them too.
    this.fieldOf = new Int32Array(features).fill(-1);
    fields.forEach((field, f) => {
      this.fieldOf.fill(f, field.offset, field.offset + field.size);
    });
    let slots = fields.length;
    if (this.fieldOf.includes(-1)) {
      for (let i = 0; i < features; i++) if (this.fieldOf[i] < 0) this.fieldOf[i] = slots;
      slots++;
    }
    this.slots = slots;
    this.mlp = new Mlp(slots * this.k, settings.hidden, 1);
    this.dense = new Float64Array(1 + this.mlp.parameterCount);
    this.w = new Float64Array(this.fm ? features : 0);
    this.v = new Float64Array(features * this.k);
    this.sums = new Float64Array(this.k);
  }

  /** Small normal embeddings, zero weights, w₀ at the targets' mean (or its log-odds): a head start. */
  initialize(rng: Rng, init: number, meanTarget: number): void {
    const embeddings = rng.split(0);
    for (let i = 0; i < this.v.length; i++) this.v[i] = embeddings.normal() * init;
    this.w.fill(0);
    this.mlp.initialize(this.dense, rng.split(1));
    if (this.task === 'binary') {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, meanTarget));
      this.dense[0] = Math.log(p / (1 - p));
    } else {
      this.dense[0] = meanTarget;
    }
  }

  /** Throws unless `m`'s features are the ones trained on. */
  check(m: FeatureMatrix): void {
    if (m.features > this.features) {
      throw new Error(`the rows have ${m.features} features; the model was trained on ${this.features}`);
    }
    if (m.fields.length > 0 && this.fields.length > 0 && !sameFields(m.fields, this.fields)) {
      const list = (fs: readonly FeatureField[]) =>
        fs.map((f) => `${f.name}[${f.offset}+${f.size}]`).join(', ');
      throw new Error(
        `the rows' fields (${list(m.fields)}) are not the training rows' (${list(this.fields)})`,
      );
    }
  }

  /**
   * Row r's score. Fills the MLP's input with the field embeddings and `sums` with Σᵢ v_if xᵢ, which
   * `backward` then uses; with `keep` < 1 and a generator, hidden units are dropped (training).
   */
  score(m: FeatureMatrix, r: number, keep = 1, rng?: Rng): number {
    const { k, v, w, sums, fieldOf, fm } = this;
    const input = this.mlp.input;
    input.fill(0);
    sums.fill(0);
    let linear = this.dense[0];
    let squares = 0;
    const end = m.indptr[r + 1];
    for (let e = m.indptr[r]; e < end; e++) {
      const i = m.indices[e];
      const x = m.values[e];
      const base = i * k;
      const slot = fieldOf[i] * k;
      if (fm) {
        linear += w[i] * x;
        for (let f = 0; f < k; f++) {
          const vx = v[base + f] * x;
          input[slot + f] += vx;
          sums[f] += vx;
          squares += vx * vx;
        }
      } else {
        for (let f = 0; f < k; f++) input[slot + f] += v[base + f] * x;
      }
    }
    let pairs = 0;
    if (fm) {
      for (let f = 0; f < k; f++) pairs += sums[f] * sums[f];
    }
    return linear + 0.5 * (pairs - squares) + this.mlp.forward(this.dense, keep, rng);
  }

  /**
   * Adds g · ∂score/∂θ for the row `score` just saw to the gradients: g for w₀, g·xᵢ for wᵢ, and for
   * v_if the FM's g·xᵢ(Σⱼ v_jf xⱼ − v_if xᵢ) plus what the MLP sends back to its field's input, times xᵢ.
   */
  backward(m: FeatureMatrix, r: number, g: number, grads: Gradients, keep = 1): void {
    const { k, v, sums, fieldOf, fm } = this;
    grads.dense[0] += g;
    this.mlp.backward(this.dense, grads.dense, g, keep);
    const back = this.mlp.inputGradient;
    const gw = grads.w;
    const gv = grads.v;
    const end = m.indptr[r + 1];
    for (let e = m.indptr[r]; e < end; e++) {
      const i = m.indices[e];
      const x = m.values[e];
      grads.touch(i);
      const base = i * k;
      const slot = fieldOf[i] * k;
      if (fm) {
        gw[i] += g * x;
        for (let f = 0; f < k; f++) {
          gv[base + f] += x * (g * (sums[f] - v[base + f] * x) + back[slot + f]);
        }
      } else {
        for (let f = 0; f < k; f++) gv[base + f] += x * back[slot + f];
      }
    }
  }

  /** The scores (keep every unit) turned into predictions: σ(score) for a binary task. */
  predict(m: FeatureMatrix): Float64Array {
    this.check(m);
    const out = new Float64Array(m.rows);
    const binary = this.task === 'binary';
    for (let r = 0; r < m.rows; r++) {
      const s = this.score(m, r);
      out[r] = binary ? sigmoid(s) : s;
    }
    return out;
  }

  /** A copy of the trainable parameters (the best epoch's, for early stopping). */
  snapshot(): Float64Array[] {
    return [this.dense.slice(), this.w.slice(), this.v.slice()];
  }

  restore(saved: Float64Array[]): void {
    this.dense.set(saved[0]);
    this.w.set(saved[1]);
    this.v.set(saved[2]);
  }
}

function sameFields(a: readonly FeatureField[], b: readonly FeatureField[]): boolean {
  return (
    a.length === b.length &&
    a.every((f, i) => f.name === b[i].name && f.offset === b[i].offset && f.size === b[i].size)
  );
}

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
function accumulateBatch(
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

/** A network for `train`'s features and fields, initialized from the options' seed (for tests). */
export function createDeepFmNet(train: FeatureMatrix, options: DeepFmOptions): DeepFmNet {
  const s = settingsOf(options);
  const net = new DeepFmNet(train.features, train.fields, s);
  let mean = 0;
  for (let r = 0; r < train.rows; r++) mean += train.target[r];
  net.initialize(new Rng(s.seed), s.init, train.rows ? mean / train.rows : 0);
  return net;
}

/** Validation loss: RMSE for regression, log-loss for a binary task (what the fit reports' curves hold). */
function validationLoss(net: DeepFmNet, m: FeatureMatrix): number {
  const predicted = net.predict(m);
  return net.task === 'binary' ? logLoss(predicted, m.target) : rmse(predicted, m.target);
}

/**
 * Training, one epoch per step of the generator, so that the synchronous `fitDeepFm` and the
 * asynchronous family (which yields to the event loop between epochs, for abort signals and progress)
 * share it.
 */
function* deepFmEpochs(train: FeatureMatrix, options: DeepFmOptions): Generator<void, DeepFmFit> {
  const s = settingsOf(options);
  const name = s.fm ? 'DeepFM' : 'Deep';
  if (train.rows === 0) throw new Error(`${name}: no training rows`);
  if (s.task === 'binary') {
    for (let r = 0; r < train.rows; r++) {
      const y = train.target[r];
      if (!(y >= 0 && y <= 1))
        throw new Error(`${name}: binary targets must lie in [0, 1]; row ${r} has ${y}`);
    }
  }
  const rng = new Rng(s.seed);

  // The training rows (as positions in `train`) and the validation rows.
  let trainRows: Int32Array;
  let validation = options.validation;
  if (validation) {
    trainRows = new Int32Array(train.rows);
    for (let r = 0; r < train.rows; r++) trainRows[r] = r;
  } else if (s.validationFraction > 0) {
    const held = Math.max(1, Math.round(s.validationFraction * train.rows));
    if (held >= train.rows) {
      throw new Error(
        `${name}: ${train.rows} rows are too few to hold out ${s.validationFraction} for validation`,
      );
    }
    const order = rng.split(2).permutation(train.rows);
    validation = train.select(order.subarray(0, held).sort());
    trainRows = order.slice(held).sort();
  } else {
    trainRows = new Int32Array(train.rows);
    for (let r = 0; r < train.rows; r++) trainRows[r] = r;
  }

  const net = new DeepFmNet(train.features, train.fields, s);
  if (validation) net.check(validation);
  let mean = 0;
  for (let t = 0; t < trainRows.length; t++) mean += train.target[trainRows[t]];
  net.initialize(rng, s.init, mean / trainRows.length);

  const adam = { ...ADAM_DEFAULTS, lr: s.lr };
  const adamDense = new AdamState(net.dense.length, adam);
  const adamW = new AdamState(net.w.length, adam);
  const adamV = new AdamState(net.v.length, adam);
  const grads = new Gradients(net);
  const pair = new Float64Array(2);
  const shuffle = rng.split(3);
  const dropout = s.dropout > 0 ? rng.split(4) : undefined;
  const keep = 1 - s.dropout;
  const { k, w, v, dense } = net;
  const l2 = s.l2;

  const epochSeconds: number[] = [];
  const curve: number[] = [];
  const trainLoss: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let saved: Float64Array[] | undefined;
  for (let epoch = 1; epoch <= s.epochs; epoch++) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    shuffle.shuffle(trainRows);
    let total = 0;
    for (let begin = 0; begin < trainRows.length; begin += s.batch) {
      const end = Math.min(trainRows.length, begin + s.batch);
      total += accumulateBatch(net, train, trainRows, begin, end, grads, keep, dropout, pair);
      adamDense.step(dense, grads.dense);
      adamW.next();
      adamV.next();
      for (let t = 0; t < grads.count; t++) {
        const i = grads.touched[t];
        if (w.length) adamW.update(w, i, grads.w[i] + l2 * w[i]);
        for (let f = i * k; f < i * k + k; f++) adamV.update(v, f, grads.v[f] + l2 * v[f]);
      }
      grads.clear(k);
    }
    epochSeconds.push((performance.now() - t0) / 1000);
    const meanLoss = total / trainRows.length;
    trainLoss.push(meanLoss);
    if (!Number.isFinite(meanLoss)) {
      throw new Error(`${name} diverged at epoch ${epoch} (lr=${s.lr}): lower the learning rate`);
    }
    let reported = meanLoss;
    let stop = false;
    if (validation) {
      const loss = validationLoss(net, validation);
      curve.push(loss);
      reported = loss;
      if (loss < best) {
        best = loss;
        bestEpoch = epoch;
        saved = epoch < s.epochs ? net.snapshot() : undefined;
      } else if (epoch - bestEpoch >= s.patience) {
        stop = true;
      }
    } else {
      bestEpoch = epoch;
    }
    options.onEpoch?.(epoch, reported);
    if (stop) break;
    yield;
  }
  // The network holds the last epoch's parameters; go back to the best one's when it was earlier.
  if (saved && bestEpoch < epochSeconds.length) net.restore(saved);
  return {
    predict: (rows) => net.predict(rows),
    epochSeconds,
    curve,
    trainLoss,
    bestEpoch,
    net,
  };
}

/** Fits DeepFM (or Deep, with `fm: false`) on `train` by Adam on minibatches, with early stopping. */
export function fitDeepFm(train: FeatureMatrix, options: DeepFmOptions): DeepFmFit {
  const epochs = deepFmEpochs(train, options);
  for (;;) {
    const step = epochs.next();
    if (step.done) return step.value;
  }
}

/** Parses a hidden-layer list such as "64,32" ("" or "none": no hidden layer). */
export function parseHidden(text: string): number[] {
  const trimmed = text.replace(/\s+/g, '');
  if (trimmed === '' || trimmed === 'none') return [];
  return trimmed.split(',').map((part) => {
    const n = Number(part);
    if (!(Number.isInteger(n) && n >= 1))
      throw new Error(`hidden=${text}: layer sizes must be whole numbers ≥ 1`);
    return n;
  });
}

function paramSpecs(fm: boolean): readonly ParamSpec[] {
  const d = DEEPFM_DEFAULTS;
  return [
    { name: 'factors', type: 'int', default: d.k, min: 1, description: 'embedding size k per feature' },
    {
      name: 'hidden',
      type: 'string',
      default: d.hidden.join(','),
      pattern: fm ? /^\s*(none|\d+(\s*,\s*\d+)*)?\s*$/ : /^\s*\d+(\s*,\s*\d+)*\s*$/,
      description: fm
        ? 'hidden layer sizes, input side first ("none": the MLP is one linear unit)'
        : 'hidden layer sizes, input side first (at least one)',
    },
    {
      name: 'dropout',
      type: 'number',
      default: d.dropout,
      min: 0,
      max: 0.95,
      description: 'dropout on hidden units',
    },
    { name: 'lr', type: 'number', default: d.lr, min: 1e-6, max: 1, description: "Adam's step size" },
    { name: 'batch', type: 'int', default: d.batch, min: 1, description: 'rows per minibatch' },
    {
      name: 'epochs',
      type: 'int',
      default: d.epochs,
      min: 1,
      description: 'most epochs (early stopping may end sooner)',
    },
    {
      name: 'patience',
      type: 'int',
      default: d.patience,
      min: 1,
      description: 'epochs without a better validation loss before stopping',
    },
    {
      name: 'holdout',
      type: 'number',
      default: d.validationFraction,
      min: 0,
      max: 0.5,
      description:
        'share of the training rows held out for early stopping, when no validation rows are given',
    },
    {
      name: 'l2',
      type: 'number',
      default: d.l2,
      min: 0,
      description: 'L2 penalty on the touched weights and embeddings',
    },
    {
      name: 'init',
      type: 'number',
      default: d.init,
      min: 0,
      description: "std of the embeddings' initial values",
    },
  ];
}

function family(fm: boolean): FeatureModelFamily {
  return {
    name: fm ? 'deepfm' : 'deep',
    description: fm
      ? 'DeepFM (Guo et al. 2017): an FM and a ReLU MLP on shared field embeddings, Adam, early stopping'
      : 'Deep: the MLP half of DeepFM alone (field embeddings into a ReLU MLP), Adam, early stopping',
    params: paramSpecs(fm),
    tasks: ['regression', 'binary'],
    notARecommender:
      'its MLP mixes the user with the item, so a score is no user term plus item terms and a new user cannot be solved for; it has no model file yet (osusume eval measures it)',
    async fit(
      train: FeatureMatrix,
      params: ParamValues,
      options: FeatureFitOptions,
    ): Promise<FeatureFitResult> {
      const t0 = performance.now();
      const epochs = deepFmEpochs(train, {
        task: options.task,
        k: params.factors as number,
        hidden: parseHidden(String(params.hidden)),
        dropout: params.dropout as number,
        lr: params.lr as number,
        batch: params.batch as number,
        epochs: params.epochs as number,
        patience: params.patience as number,
        validationFraction: params.holdout as number,
        l2: params.l2 as number,
        init: params.init as number,
        fm,
        seed: options.seed,
        validation: options.validation,
        onEpoch: options.onEpoch,
        signal: options.signal,
      });
      let fit: DeepFmFit;
      for (;;) {
        const step = epochs.next();
        if (step.done) {
          fit = step.value;
          break;
        }
        // Let timers, abort signals and progress output through between epochs.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return featureFitResult(t0, { predict: (rows) => fit.predict(rows) }, fit.epochSeconds, fit.curve);
    },
  };
}

/** DeepFM as `osusume eval --model deepfm` sees it. */
export const DEEPFM_FAMILY: FeatureModelFamily = family(true);

/** Deep (DeepFM without its FM half) as `osusume eval --model deep` sees it. */
export const DEEP_FAMILY: FeatureModelFamily = family(false);
