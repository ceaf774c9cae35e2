import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { logLoss, rmse } from '../../eval/metrics.js';
import { ADAM_DEFAULTS, AdamState } from '../../math/adam.js';
import { Rng } from '../../math/rng.js';
import type { FeatureTask } from '../features/feature-family.js';
import { throwIfAborted } from '../fit-options.js';
import { accumulateBatch, Gradients } from './deepfm-gradients.js';
import { DeepFmNet } from './deepfm-net.js';

/** How DeepFM and Deep (deepfm-net.ts) are trained: by Adam on minibatches, with early stopping. */
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
export function* deepFmEpochs(train: FeatureMatrix, options: DeepFmOptions): Generator<void, DeepFmFit> {
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
