import type { FeatureMatrix } from '../../data/feature-matrix.js';
import type { FeatureFitOptions, FeatureFitResult, FeatureModelFamily } from '../features/feature-family.js';
import type { ParamSpec, ParamValues } from '../params.js';
import { fitFmSgd, fmPredict } from './fm-sgd.js';

export const FM_PARAMS: readonly ParamSpec[] = [
  {
    name: 'solver',
    type: 'enum',
    default: 'sgd',
    values: ['sgd'],
    description: 'how the FM learns',
  },
  { name: 'factors', type: 'int', default: 8, min: 0, description: 'factors per feature (k)' },
  { name: 'iterations', type: 'int', default: 50, min: 1, description: 'epochs, sweeps or samples' },
  { name: 'lr', type: 'number', default: 0.01, min: 0, description: 'step size (sgd, adam)' },
  { name: 'reg', type: 'number', default: 0.01, min: 0, description: 'L2 penalty (sgd, adam, als)' },
  {
    name: 'init',
    type: 'number',
    default: 0.1,
    min: 0,
    description: 'standard deviation of the initial factors',
  },
];

/** The training targets' range: libFM clamps regression predictions to it. */
function targetRange(train: FeatureMatrix): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const y of train.target) {
    if (y < min) min = y;
    if (y > max) max = y;
  }
  return { min, max };
}

async function fitFm(
  train: FeatureMatrix,
  params: ParamValues,
  options: FeatureFitOptions,
): Promise<FeatureFitResult> {
  const started = performance.now();
  const { task } = options;
  const k = Number(params.factors);
  const iterations = Number(params.iterations);
  const range = targetRange(train);
  const epochSeconds: number[] = [];
  const fit = fitFmSgd(train, {
    task,
    k,
    epochs: iterations,
    lr: Number(params.lr),
    reg: Number(params.reg),
    init: Number(params.init),
    seed: options.seed,
  });
  const clamp = (p: Float64Array) => {
    if (task === 'regression')
      for (let r = 0; r < p.length; r++) p[r] = Math.min(range.max, Math.max(range.min, p[r]));
    return p;
  };
  const seconds = (performance.now() - started) / 1000;
  for (let e = 0; e < iterations; e++) epochSeconds.push(seconds / iterations);
  return {
    model: { predict: (rows) => clamp(fmPredict(fit.params, rows, task)) },
    report: { fitSeconds: seconds, epochSeconds, curve: [] },
  };
}

export const FM_FAMILY: FeatureModelFamily = {
  name: 'fm',
  description: 'factorization machine (Rendle): every feature a weight and a factor vector',
  params: FM_PARAMS,
  tasks: ['regression', 'binary'],
  fit: fitFm,
};
