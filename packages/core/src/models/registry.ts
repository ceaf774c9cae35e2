import type { Interactions } from '../data/interactions.js';
import { ALS_PARAMS, fitAls } from './als.js';
import { BIASES_PARAMS, fitBiases, fitMean, MEAN_PARAMS } from './baseline.js';
import { BALSE_PARAMS, BLEND_PARAMS, fitBlend } from './blend.js';
import { recommenderFamily } from './features/recommender-family.js';
import { FEATURE_MODEL_FAMILIES } from './features/registry.js';
import type { FitOptions, FitResult } from './fit-options.js';
import { fitLasso, LASSO_PARAMS } from './lasso.js';
import { type ParamSpec, type ParamValue, type ParamValues, resolveParams } from './params.js';
import { fitSgd, SGD_PARAMS } from './sgd.js';

/** A model family by name: its hyper-parameters and its fit, as the command line and the service see it. */
export interface ModelFamily {
  name: string;
  description: string;
  params: readonly ParamSpec[];
  /** Takes `model.key=value` parameters for the models it is made of (blends). */
  nestedParams?: boolean;
  fit(
    data: Interactions,
    params: Record<string, ParamValue | undefined>,
    options?: FitOptions,
  ): Promise<FitResult>;
}

/** BALSE blends ALS and the tag LASSO; a `blend` the models its `models` parameter names. */
const BALSE_PARTS = ['als', 'lasso'];

function blendModels(params: Record<string, ParamValue | undefined>): string[] {
  return String(params.models ?? 'als,lasso').split(',');
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
    nestedParams: true,
    fit: (data, params, options = {}) =>
      fitBlend(BALSE_PARTS.map(modelFamily), data, params, options, BALSE_PARAMS),
  },
  {
    name: 'blend',
    description: 'any models blended by per-item gates on rating counts, or constant weights',
    params: BLEND_PARAMS,
    nestedParams: true,
    fit: (data, params, options = {}) =>
      fitBlend(blendModels(params).map(modelFamily), data, params, options),
  },
  // The models on feature rows, fitted on the ratings laid out as `features` (FM, IRT, Elo, …).
  ...FEATURE_MODEL_FAMILIES.map(recommenderFamily),
];

/**
 * A family's parameters checked and completed with defaults; a blend also passes `model.key=value`
 * parameters through to the models it blends (checked when those are fitted).
 */
export function familyParams(
  family: ModelFamily,
  given: Record<string, ParamValue | undefined>,
): ParamValues {
  const nested = family.nestedParams === true;
  const own = Object.fromEntries(Object.entries(given).filter(([key]) => !(nested && key.includes('.'))));
  const passed = Object.fromEntries(
    Object.entries(given).filter(([key, value]) => nested && key.includes('.') && value !== undefined),
  ) as ParamValues;
  return { ...resolveParams(family.params, own), ...passed };
}

/** The names of the models a blend is made of (given its own parameters); none for a single model. */
export function blendedModels(family: ModelFamily, params: Record<string, ParamValue | undefined>): string[] {
  if (!family.nestedParams) return [];
  return family.name === 'balse' ? [...BALSE_PARTS] : blendModels(params);
}

export function modelFamily(name: string): ModelFamily {
  const family = MODEL_FAMILIES.find((f) => f.name === name);
  if (!family)
    throw new Error(`unknown model "${name}"; available: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`);
  return family;
}
