import type { Interactions } from '../data/interactions.js';
import { factorLayout, setFixedSlots } from './factor-layout.js';
import { FactorModel } from './factor-model.js';
import type { FitOptions, FitReport, FitResult } from './fit-options.js';
import { defineParams, type ParamValues, resolveParams } from './params.js';

/**
 * The baselines: the global mean, and the regularized biases r̂ = μ + b_u + b_i (Koren 2010, §2.1)
 * fitted by alternating exact minimizations b_i = Σ_u (r − μ − b_u) / (λ_i + n_i), then
 * b_u = Σ_i (r − μ − b_i) / (λ_u + n_u). The penalties are per item and per user, not per rating, which
 * makes them independent of the rating scale. Both come out as factor models without factors.
 */
export const MEAN_PARAMS = defineParams([]);

export const BIASES_PARAMS = defineParams([
  {
    name: 'lambdaUser',
    type: 'number',
    default: 5,
    min: 0,
    description: 'penalty on user biases (pseudo-ratings)',
    search: { min: 0.1, max: 50, log: true },
  },
  {
    name: 'lambdaItem',
    type: 'number',
    default: 3,
    min: 0,
    description: 'penalty on item biases (pseudo-ratings)',
    search: { min: 0.1, max: 50, log: true },
  },
  { name: 'epochs', type: 'int', default: 10, min: 1, description: 'alternations (items, then users)' },
]);

export async function fitMean(
  data: Interactions,
  given: Record<string, ParamValues[string] | undefined> = {},
  _options: FitOptions = {},
): Promise<FitResult<FactorModel>> {
  resolveParams(MEAN_PARAMS, given);
  const started = performance.now();
  const train = data.byUser();
  const model = new FactorModel({
    layout: factorLayout(0, false),
    mean: data.mean(),
    users: data.users,
    items: data.items,
    userRows: new Float32Array(0),
    itemRows: new Float32Array(0),
    regularization: { factors: 0, bias: 0, weighted: false },
    scale: data.range(),
    train: { indptr: train.indptr, indices: train.indices, values: train.values },
  });
  return { model, report: { fitSeconds: (performance.now() - started) / 1000, epochSeconds: [], curve: [] } };
}

export async function fitBiases(
  data: Interactions,
  given: Record<string, ParamValues[string] | undefined> = {},
  options: FitOptions = {},
): Promise<FitResult<FactorModel>> {
  const params = resolveParams(BIASES_PARAMS, given);
  const lambdaUser = params.lambdaUser;
  const lambdaItem = params.lambdaItem;
  const started = performance.now();
  const mean = data.mean();
  const userBias = new Float64Array(data.users.size);
  const itemBias = new Float64Array(data.items.size);
  const userCount = data.userCounts();
  const itemCount = data.itemCounts();
  const sums = { user: new Float64Array(data.users.size), item: new Float64Array(data.items.size) };
  const report: FitReport = { fitSeconds: 0, epochSeconds: [], curve: [] };
  const epochs = params.epochs;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    sums.item.fill(0);
    for (let t = 0; t < data.length; t++)
      sums.item[data.item[t]] += data.value[t] - mean - userBias[data.user[t]];
    for (let j = 0; j < itemBias.length; j++) itemBias[j] = sums.item[j] / (lambdaItem + itemCount[j] || 1);
    sums.user.fill(0);
    for (let t = 0; t < data.length; t++)
      sums.user[data.user[t]] += data.value[t] - mean - itemBias[data.item[t]];
    for (let u = 0; u < userBias.length; u++) userBias[u] = sums.user[u] / (lambdaUser + userCount[u] || 1);
    report.epochSeconds.push((performance.now() - t0) / 1000);
    options.onProgress?.({ epoch, epochs, elapsedSeconds: (performance.now() - started) / 1000 });
  }
  const layout = factorLayout(0, true);
  const userRows = new Float32Array(data.users.size * layout.stride);
  const itemRows = new Float32Array(data.items.size * layout.stride);
  for (let u = 0; u < userBias.length; u++) userRows[u * layout.stride + layout.userBiasSlot] = userBias[u];
  for (let j = 0; j < itemBias.length; j++) itemRows[j * layout.stride + layout.itemBiasSlot] = itemBias[j];
  setFixedSlots(userRows, layout, 'user');
  setFixedSlots(itemRows, layout, 'item');
  const train = data.byUser();
  const model = new FactorModel({
    layout,
    mean,
    users: data.users,
    items: data.items,
    userRows,
    itemRows,
    regularization: { factors: 0, bias: lambdaUser, weighted: false },
    scale: data.range(),
    train: { indptr: train.indptr, indices: train.indices, values: train.values },
  });
  report.fitSeconds = (performance.now() - started) / 1000;
  return { model, report };
}
