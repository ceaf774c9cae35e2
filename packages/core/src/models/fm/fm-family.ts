import type { FeatureMatrix } from '../../data/feature-matrix.js';
import {
  type FeatureFitOptions,
  type FeatureFitResult,
  type FeatureModelFamily,
  featureFitResult,
} from '../features/feature-family.js';
import { defineParams, type ParamValues, resolveParams } from '../params.js';
import { fitFmAls } from './fm-als.js';
import { fitFmHigherOrder, fmHigherOrderPredict } from './fm-higher-order.js';
import { type FmParameters, fmPredictRow } from './fm-kernel.js';
import { fitFmMcmc, normalCdf } from './fm-mcmc.js';
import { fitFmSgd, fmPredict, targetRange } from './fm-sgd.js';

export const FM_PARAMS = defineParams([
  {
    name: 'solver',
    type: 'enum',
    default: 'mcmc',
    values: ['mcmc', 'als', 'sgd', 'adam'],
    description: 'Gibbs sampling (Bayesian, nothing to tune), coordinate descent, SGD or minibatch Adam',
  },
  {
    name: 'order',
    type: 'int',
    default: 2,
    min: 2,
    description: 'interaction order; 3 and more by SGD or Adam',
  },
  { name: 'factors', type: 'int', default: 8, min: 0, description: 'factors per feature (k)' },
  {
    name: 'iterations',
    type: 'int',
    default: 100,
    min: 1,
    description: 'samples (mcmc), sweeps (als) or epochs',
  },
  { name: 'burnin', type: 'int', default: 0, min: 0, description: 'mcmc: samples left out of the average' },
  {
    name: 'noise',
    type: 'enum',
    default: 'robust',
    values: ['robust', 'gaussian'],
    description: 'mcmc regression: a noise scale per user, item or one-hot level, or one for all (libFM)',
  },
  {
    name: 'lr',
    type: 'number',
    default: 0,
    min: 0,
    description: 'step size; 0 = 0.01 for sgd, 0.001 for adam',
  },
  {
    name: 'batch',
    type: 'int',
    default: 0,
    min: 0,
    description: 'rows per step; 0 = 1 for sgd, 64 for adam',
  },
  { name: 'reg', type: 'number', default: 0.1, min: 0, description: 'L2 penalty (als, sgd, adam)' },
  {
    name: 'init',
    type: 'number',
    default: 0.1,
    min: 0,
    description: 'standard deviation of the initial factors',
  },
]);

/**
 * The `fm` family: one set of parameters, four ways to learn them. Regression predictions are clamped to
 * the training targets' range, as libFM does; a binary task predicts σ(ŷ), or Φ(ŷ) for MCMC's probit.
 */
async function fitFm(
  train: FeatureMatrix,
  given: ParamValues,
  options: FeatureFitOptions,
): Promise<FeatureFitResult> {
  const started = performance.now();
  const params = resolveParams(FM_PARAMS, given);
  const { task, seed, signal } = options;
  const solver = params.solver;
  const order = params.order;
  const k = params.factors;
  const iterations = params.iterations;
  const init = params.init;
  const reg = params.reg;
  const range = task === 'regression' ? targetRange(train) : undefined;
  const onEpoch = options.onEpoch;
  if (order > 2 && (solver === 'mcmc' || solver === 'als')) {
    throw new Error(`fm: order ${order} is learned by solver=sgd or adam, not ${solver}`);
  }
  // An order-2 FM is its own FM view: the recommender uses the parameters as fitted (for MCMC, the last
  // sample's, a point estimate: averaging factors over samples is meaningless, as they may rotate).
  const done = (
    predict: (rows: FeatureMatrix) => Float64Array,
    epochSeconds: number[],
    params?: FmParameters,
  ) => {
    const link = task === 'regression' ? 'identity' : solver === 'mcmc' ? 'probit' : 'logistic';
    const asFm = params ? () => ({ params, link }) as const : undefined;
    return featureFitResult(started, asFm ? { predict, asFm } : { predict }, epochSeconds, []);
  };

  if (solver === 'mcmc') {
    const predictOn = options.predictOn ?? [];
    const fit = fitFmMcmc(
      train,
      {
        task,
        k,
        iterations,
        init,
        seed,
        burnIn: params.burnin,
        noise: params.noise,
        signal,
        onSample: onEpoch,
      },
      predictOn,
    );
    // The average over the samples exists for the rows named before the fit; other rows get the last
    // sample's prediction, a point estimate.
    const sums = new Float64Array(k);
    const last = (rows: FeatureMatrix) => {
      const out = new Float64Array(rows.rows);
      for (let r = 0; r < rows.rows; r++) {
        const score = fmPredictRow(fit.params, rows, r, sums);
        out[r] = range ? Math.min(range.max, Math.max(range.min, score)) : normalCdf(score);
      }
      return out;
    };
    return done(
      (rows) => {
        const at = predictOn.indexOf(rows);
        return at >= 0 ? fit.predictions[at].slice() : last(rows);
      },
      fit.sampleSeconds,
      fit.params,
    );
  }
  if (solver === 'als') {
    const fit = fitFmAls(train, { task, k, iterations, reg, init, seed, signal, onSweep: onEpoch });
    return done((rows) => fmPredict(fit.params, rows, task, range), fit.sweepSeconds, fit.params);
  }
  const adam = solver === 'adam';
  const lr = params.lr || (adam ? 0.001 : 0.01);
  const batch = params.batch || (adam ? 64 : 1);
  const common = {
    task,
    k,
    epochs: iterations,
    lr,
    reg,
    init,
    seed,
    optimizer: adam ? 'adam' : 'sgd',
    batch,
    onEpoch,
    signal,
  } as const;
  if (order > 2) {
    const fit = fitFmHigherOrder(train, { ...common, order });
    return done((rows) => fmHigherOrderPredict(fit.params, rows, task, range), fit.epochSeconds);
  }
  const fit = fitFmSgd(train, common);
  return done((rows) => fmPredict(fit.params, rows, task, range), fit.epochSeconds, fit.params);
}

export const FM_FAMILY: FeatureModelFamily = {
  name: 'fm',
  description: 'factorization machine (Rendle): every feature a weight and a factor vector',
  params: FM_PARAMS,
  tasks: ['regression', 'binary'],
  fit: fitFm,
};
