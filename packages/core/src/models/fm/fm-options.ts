import type { FeatureMatrix } from '../../data/feature-matrix.js';

/** What an FM predicts: a real value (squared loss) or the log-odds of a 0/1 outcome (logistic loss). */
export type FmTask = 'regression' | 'binary';

/** How a step moves the parameters: plain SGD, or Adam (Kingma & Ba 2015) with `lr` as its step size. */
export type FmOptimizer = 'sgd' | 'adam';

/** The options the FM solvers have in common; a solver passes its own, the fields it lacks are skipped. */
export interface FmCommonOptions {
  task: FmTask;
  k: number;
  init: number;
  /** SGD and Adam: passes over the rows (0 leaves the initial parameters). */
  epochs?: number;
  /** ALS sweeps, MCMC samples. */
  iterations?: number;
  lr?: number;
  reg?: number;
  optimizer?: FmOptimizer;
  batch?: number;
}

/**
 * Throws, naming `what` (the solver) and the option, unless the options are usable: clear messages
 * rather than NaNs after a minute of work.
 */
export function checkFmOptions(what: string, options: FmCommonOptions): void {
  const { task, k, init, epochs, iterations, lr, reg, optimizer, batch } = options;
  const fail = (why: string): never => {
    throw new Error(`${what}: ${why}`);
  };
  if (task !== 'regression' && task !== 'binary')
    fail(`task must be "regression" or "binary", got "${task}"`);
  if (!(Number.isInteger(k) && k >= 0)) fail(`k (factors) must be an integer ≥ 0, got ${k}`);
  if (!(Number.isFinite(init) && init >= 0))
    fail(`init (the factors' initial stdev) must be ≥ 0, got ${init}`);
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 0)) {
    fail(`epochs must be an integer ≥ 0, got ${epochs}`);
  }
  if (iterations !== undefined && !(Number.isInteger(iterations) && iterations >= 1)) {
    fail(`iterations must be an integer ≥ 1, got ${iterations}`);
  }
  if (lr !== undefined && !(lr > 0)) fail(`the step size lr must be > 0, got ${lr}`);
  if (reg !== undefined && !(reg >= 0)) fail(`reg must be ≥ 0, got ${reg}`);
  if (optimizer !== undefined && optimizer !== 'sgd' && optimizer !== 'adam') {
    fail(`unknown optimizer "${optimizer}" (sgd, adam)`);
  }
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
    fail(`batch must be an integer ≥ 1, got ${batch}`);
  }
}

/** Throws unless there are training rows and every target is finite (and 0 or 1 for a binary task). */
export function checkFmTargets(what: string, train: FeatureMatrix, task: FmTask): void {
  if (train.rows === 0) throw new Error(`${what}: no training rows`);
  for (let r = 0; r < train.rows; r++) {
    const y = train.target[r];
    if (!Number.isFinite(y)) throw new Error(`${what}: training row ${r} has target ${y}`);
    if (task === 'binary' && y !== 0 && y !== 1) {
      throw new Error(`${what}: a binary task needs targets 0 or 1, row ${r} has ${y}`);
    }
  }
}

/**
 * Records an epoch's mean loss, failing clearly when it is no longer a number: a step too large for the
 * features' scale (raw counters, say) sends SGD off to infinity, and NaN predictions would only surface
 * later as a puzzling metric.
 */
export function recordEpochLoss(what: string, losses: number[], loss: number): void {
  if (!Number.isFinite(loss)) {
    throw new Error(
      `${what}: the training loss became ${loss} in epoch ${losses.length + 1}: the step is too large for these features; lower lr, or use Adam`,
    );
  }
  losses.push(loss);
}
