import type { Interactions } from '../data/interactions.js';
import { ALS_PARAMS, fitAls } from './als.js';
import { BIASES_PARAMS, fitBiases, fitMean, MEAN_PARAMS } from './baseline.js';
import { BALSE_PARAMS, BLEND_PARAMS, fitBlend } from './blend.js';
import type { FitOptions, FitResult } from './fit-options.js';
import { fitLasso, LASSO_PARAMS } from './lasso.js';
import type { ParamSpec, ParamValue } from './params.js';
import { fitSgd, SGD_PARAMS } from './sgd.js';

/** A model family by name: its hyper-parameters and its fit, as the command line and the service see it. */
export interface ModelFamily {
  name: string;
  description: string;
  params: readonly ParamSpec[];
  fit(
    data: Interactions,
    params: Record<string, ParamValue | undefined>,
    options?: FitOptions,
  ): Promise<FitResult>;
}

export const MODEL_FAMILIES: readonly ModelFamily[] = [
  { name: 'mean', description: 'the global mean rating', params: MEAN_PARAMS, fit: fitMean },
  {
    name: 'biases',
    description: 'mean + regularized user and item biases',
    params: BIASES_PARAMS,
    fit: fitBiases,
  },
  { name: 'als', description: 'ALS-WR matrix factorization with biases', params: ALS_PARAMS, fit: fitAls },
  { name: 'sgd', description: 'biased matrix factorization by SGD', params: SGD_PARAMS, fit: fitSgd },
  {
    name: 'lasso',
    description: 'per-user LASSO on item tags: predicts works nobody rated, explains by tags (needs tags)',
    params: LASSO_PARAMS,
    fit: fitLasso,
  },
  {
    name: 'balse',
    description: 'BALSE: ALS and the tag LASSO blended by a gate on each item’s rating count (needs tags)',
    params: BALSE_PARAMS,
    fit: (data, params, options = {}) =>
      fitBlend(['als', 'lasso'].map(modelFamily), data, params, options, BALSE_PARAMS),
  },
  {
    name: 'blend',
    description: 'any models blended by per-item gates on rating counts, or constant weights',
    params: BLEND_PARAMS,
    fit: (data, params, options = {}) =>
      fitBlend(
        String(params.models ?? 'als,lasso')
          .split(',')
          .map(modelFamily),
        data,
        params,
        options,
      ),
  },
];

export function modelFamily(name: string): ModelFamily {
  const family = MODEL_FAMILIES.find((f) => f.name === name);
  if (!family)
    throw new Error(`unknown model "${name}"; available: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`);
  return family;
}
