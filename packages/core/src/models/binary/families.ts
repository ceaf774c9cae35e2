import type { FeatureMatrix } from '../../data/feature-matrix.js';
import { logLoss, rmse } from '../../eval/metrics.js';
import {
  type FeatureFitOptions,
  type FeatureFitResult,
  type FeatureModel,
  type FeatureModelFamily,
  type FeatureTask,
  featureFitResult,
} from '../features/feature-family.js';
import { throwIfAborted } from '../fit-options.js';
import { type FmParameters, fmParameters } from '../fm/fm-kernel.js';
import { defineParams, type ParamSpec, type ParamsOf, type ParamValues, resolveParams } from '../params.js';
import { type EloModel, eloPredict, fitElo } from './elo.js';
import { fitIrt, fitIrtOnline, type IrtModel, irtPredict } from './irt.js';
import { fitLinear, linearPredict } from './linear.js';
import { fitLmf, type LmfModel, lmfAsFm, lmfPredict } from './lmf.js';
import { checkBinary, fieldPairs, type OutcomeColumns, type SideFields } from './outcomes.js';

/**
 * The models of this folder as `osusume eval --model` families on feature rows. The two-sided ones (IRT,
 * Elo, logistic MF) read the user and the item of each row from two one-hot fields, named by parameters
 * so that a knowledge-tracing set can pair e.g. 'user' with 'skill' instead.
 */

const fieldParam = <const N extends string>(name: N, value: string, side: string) => ({
  name,
  type: 'string' as const,
  default: value,
  description: `the one-hot field of the ${side} (the rows' active feature in it)`,
});

function checkTask(family: string, tasks: readonly FeatureTask[], task: FeatureTask): void {
  if (!tasks.includes(task)) {
    throw new Error(`model ${family} does not do ${task} tasks (it does: ${tasks.join(', ')})`);
  }
}

/**
 * Times each pass, honours the abort signal, reports the pass's training loss and, when validation rows
 * are given, the validation metric of the model as the pass left it (log-loss, or RMSE for regression).
 */
function tracker<M>(options: FeatureFitOptions, predict: (model: M, rows: FeatureMatrix) => Float64Array) {
  const start = performance.now();
  let last = start;
  const epochSeconds: number[] = [];
  const curve: number[] = [];
  const validation = options.validation;
  return {
    onPass(pass: number, loss: number, model: M): void {
      const now = performance.now();
      epochSeconds.push((now - last) / 1000);
      if (validation && validation.rows > 0) {
        const predicted = predict(model, validation);
        curve.push(
          options.task === 'binary'
            ? logLoss(predicted, validation.target)
            : rmse(predicted, validation.target),
        );
      }
      options.onEpoch?.(pass + 1, loss);
      throwIfAborted(options.signal);
      last = performance.now();
    },
    result(model: FeatureModel): FeatureFitResult {
      return featureFitResult(start, model, epochSeconds, curve);
    },
  };
}

/** What a two-sided family's solver is given: the rows as pairs, the parameters, and the pass callback. */
type TwoSidedFit<M, P> = (
  pairs: OutcomeColumns,
  params: P,
  seed: number,
  onPass: (pass: number, loss: number, model: M) => void,
) => M;

/**
 * A binary family whose solver sees (user, item) pairs: the rows' two one-hot fields are named by its
 * `users` and `items` parameters, the same for training, tracking and prediction.
 */
function twoSidedFamily<M, const Specs extends readonly ParamSpec[]>(
  name: string,
  description: string,
  params: Specs,
  fit: TwoSidedFit<M, ParamsOf<Specs>>,
  predict: (model: M, pairs: OutcomeColumns) => Float64Array,
  toFm: (model: M, sides: SideFields) => FmParameters,
): FeatureModelFamily {
  return {
    name,
    description,
    params,
    tasks: ['binary'],
    async fit(train, given, options) {
      checkTask(name, this.tasks, options.task);
      const values = resolveParams(params, given);
      // Every two-sided family names its fields by `users` and `items` (fieldParam).
      const named: ParamValues = values;
      const [a, b] = [String(named.users), String(named.items)];
      const pairs = fieldPairs(train, a, b);
      checkBinary(pairs.value);
      const predictRows = (model: M, rows: FeatureMatrix) => predict(model, fieldPairs(rows, a, b));
      const track = tracker(options, predictRows);
      const model = fit(pairs, values, options.seed, track.onPass);
      const sides = { features: train.features, user: train.field(a), item: train.field(b) };
      return track.result({
        predict: (rows) => predictRows(model, rows),
        asFm: () => ({ params: toFm(model, sides), link: 'logistic' }),
      });
    },
  };
}

const LR_PARAMS = defineParams([
  { name: 'l1', type: 'number', default: 0, min: 0, description: 'L1 (lasso) penalty on the summed loss' },
  {
    name: 'l2',
    type: 'number',
    default: 1,
    min: 0,
    description: "L2 (ridge) penalty on the summed loss (1 is liblinear's C = 1)",
  },
  { name: 'iterations', type: 'int', default: 100, min: 1, description: 'coordinate descent sweeps at most' },
  {
    name: 'tol',
    type: 'number',
    default: 1e-6,
    min: 0,
    description: 'stop when no weight moves more in a sweep',
  },
]);

export const LR_FAMILY: FeatureModelFamily = {
  name: 'lr',
  description: 'linear or logistic regression with L1/L2 penalties, by coordinate descent',
  params: LR_PARAMS,
  tasks: ['regression', 'binary'],
  async fit(train, given, options) {
    checkTask('lr', this.tasks, options.task);
    const params = resolveParams(LR_PARAMS, given);
    if (options.task === 'binary') checkBinary(train.target);
    const track = tracker(options, linearPredict);
    const model = fitLinear(train, {
      task: options.task,
      l1: params.l1,
      l2: params.l2,
      maxIterations: params.iterations,
      tol: params.tol,
      onPass: track.onPass,
    });
    return track.result({
      predict: (rows) => linearPredict(model, rows),
      asFm: () => {
        const params = fmParameters(train.features, 0);
        params.w0 = model.bias;
        params.w.set(model.weights);
        return { params, link: options.task === 'binary' ? 'logistic' : 'identity' };
      },
    });
  },
};

const IRT_PARAMS = defineParams([
  {
    name: 'pl',
    type: 'int',
    default: 1,
    min: 1,
    max: 2,
    description: '1 (Rasch) or 2 (with discriminations)',
  },
  {
    name: 'lambda',
    type: 'number',
    // A N(0, 2) prior on abilities and difficulties: on the fraction subtraction data (536 users × 20
    // items, random 5-fold) 1PL's AUC is flat at 0.892 from λ = 0.1 to 1 and falls beyond (0.867 at 5).
    default: 0.5,
    min: 0,
    description: 'L2 penalty on abilities and difficulties (and discriminations less 1)',
  },
  {
    name: 'solver',
    type: 'enum',
    default: 'newton',
    values: ['newton', 'online'],
    description: 'block Newton steps, or online gradient ascent',
  },
  { name: 'iterations', type: 'int', default: 200, min: 1, description: 'Newton passes at most' },
  { name: 'tol', type: 'number', default: 1e-6, min: 0, description: 'Newton stops when no step is larger' },
  { name: 'passes', type: 'int', default: 30, min: 1, description: 'online passes over the rows' },
  {
    name: 'lr',
    type: 'number',
    default: 0.1,
    min: 0,
    description: 'online step size (divided by √(1 + pass))',
  },
  fieldParam('users', 'user', 'users (abilities)'),
  fieldParam('items', 'item', 'items (difficulties)'),
]);

export const IRT_FAMILY = twoSidedFamily(
  'irt',
  'item response theory, 1PL or 2PL, on a user field and an item field',
  IRT_PARAMS,
  (pairs, params, seed, onPass): IrtModel => {
    const pl = params.pl === 2 ? 2 : 1;
    const lambda = params.lambda;
    return params.solver === 'online'
      ? fitIrtOnline(pairs, {
          pl,
          lambda,
          lr: params.lr,
          passes: params.passes,
          seed,
          onPass,
        })
      : fitIrt(pairs, {
          pl,
          lambda,
          maxIterations: params.iterations,
          tol: params.tol,
          onPass,
        });
  },
  irtPredict,
  // σ(a_i(θ_u − d_i)): θ_u a user weight and −d_i an item weight in the 1PL model; in the 2PL one θ_u and
  // a_i are one-factor vectors and −a_i·d_i the item weight.
  (model, sides) => {
    const twoPl = model.pl === 2;
    const params = fmParameters(sides.features, twoPl ? 1 : 0);
    for (let u = 0; u < sides.user.size; u++) {
      if (twoPl) params.v[sides.user.offset + u] = model.ability[u];
      else params.w[sides.user.offset + u] = model.ability[u];
    }
    for (let i = 0; i < sides.item.size; i++) {
      const a = twoPl ? model.discrimination[i] : 1;
      params.w[sides.item.offset + i] = -a * model.difficulty[i];
      if (twoPl) params.v[sides.item.offset + i] = a;
    }
    return params;
  },
);

const ELO_PARAMS = defineParams([
  { name: 'k', type: 'number', default: 0.4, min: 0, description: 'the K factor (step size of each update)' },
  {
    name: 'passes',
    type: 'int',
    default: 1,
    min: 1,
    description: 'times the training rows are replayed in their order',
  },
  fieldParam('users', 'user', 'users (abilities)'),
  fieldParam('items', 'item', 'items (difficulties)'),
]);

export const ELO_FAMILY = twoSidedFamily(
  'elo',
  'Elo ratings of users and items, updated row by row in the rows’ order',
  ELO_PARAMS,
  (pairs, params, _seed, onPass): EloModel => fitElo(pairs, { k: params.k, passes: params.passes, onPass }),
  eloPredict,
  (model, sides) => {
    const params = fmParameters(sides.features, 0);
    params.w.set(model.ability, sides.user.offset);
    for (let i = 0; i < sides.item.size; i++) params.w[sides.item.offset + i] = -model.difficulty[i];
    return params;
  },
);

const LMF_PARAMS = defineParams([
  {
    name: 'factors',
    type: 'int',
    default: 4,
    min: 0,
    description: 'dimensions of the user and item vectors',
  },
  { name: 'epochs', type: 'int', default: 30, min: 1, description: 'passes over the rows' },
  { name: 'lr', type: 'number', default: 0.01, min: 0, description: "Adam's step size" },
  {
    name: 'reg',
    type: 'number',
    default: 0.05,
    min: 0,
    description: 'L2 penalty per row on what it touches',
  },
  { name: 'batch', type: 'int', default: 32, min: 1, description: 'rows per Adam step' },
  {
    name: 'init',
    type: 'number',
    default: 0.1,
    min: 0,
    description: 'standard deviation of the initial vectors',
  },
  fieldParam('users', 'user', 'users'),
  fieldParam('items', 'item', 'items'),
]);

export const LMF_FAMILY = twoSidedFamily(
  'lmf',
  'logistic matrix factorization σ(b₀ + b_u + b_i + ⟨u_u, v_i⟩) by minibatch Adam',
  LMF_PARAMS,
  (pairs, params, seed, onPass): LmfModel =>
    fitLmf(pairs, {
      factors: params.factors,
      epochs: params.epochs,
      lr: params.lr,
      reg: params.reg,
      batch: params.batch,
      init: params.init,
      seed,
      onPass,
    }),
  lmfPredict,
  lmfAsFm,
);

/** The binary-outcome families, registered with the other models on feature rows. */
export const BINARY_FAMILIES: readonly FeatureModelFamily[] = [LR_FAMILY, IRT_FAMILY, ELO_FAMILY, LMF_FAMILY];
