import type { IdMap } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';
import { sigmoid, softplus } from '../../math/logistic.js';
import { Rng } from '../../math/rng.js';
import { type OutcomeColumns, outcomesOf } from './outcomes.js';

/**
 * Item response theory on 0/1 outcomes (a user answers an item right or wrong):
 * P(correct) = σ(a_i (θ_u − d_i)), θ the user's ability, d the item's difficulty and, in the 2PL model, a
 * its discrimination (1 in the 1PL, or Rasch, model).
 */
export interface IrtModel {
  pl: 1 | 2;
  /** The id maps, when fitted on Interactions (feature rows have indices only). */
  users?: IdMap;
  items?: IdMap;
  ability: Float64Array;
  difficulty: Float64Array;
  discrimination: Float64Array;
  /**
   * Whether each user had training rows. The others, and an index of −1, are new learners: their chance
   * is the population's (see `population`), not that of the penalty's θ = 0.
   */
  seen: Uint8Array;
  /**
   * The training answers' abilities, as quantiles weighted by answers: a new learner's P(correct) on an
   * item is the mean of σ(a_i(θ − d_i)) over them, the chance of a learner drawn from the population. The
   * abilities are centred per learner, and learners who answer more need not be average (on ASSISTments
   * 2009 they are better), so θ = 0 would underrate a new learner's answers.
   */
  population: Float64Array;
  /** Newton passes (or online passes) made. */
  iterations: number;
}

export interface IrtOptions {
  pl: 1 | 2;
  /** L2 penalty on abilities and difficulties (and on discriminations' distance from 1). */
  lambda: number;
  maxIterations: number;
  /** Stop when no parameter moves by more than this in a pass. */
  tol: number;
  /** Called after each pass with the mean training log-loss as the pass found it (curves, timing, abort). */
  onPass?: (pass: number, loss: number, model: IrtModel) => void;
}

/** Newton steps are kept within one unit (a trust region): far from the optimum, and in the 2PL model,
 * whose likelihood is not concave, a full step can overshoot and diverge. */
const MAX_STEP = 1;
const bounded = (step: number) => Math.max(-MAX_STEP, Math.min(MAX_STEP, step));

/**
 * P(correct) for user index u on item index i; a new learner (−1, or without training rows) takes the
 * population's chance, an unknown item the prior d = 0, a = 1.
 */
export function irtProbability(model: IrtModel, u: number, i: number): number {
  const [a, d] = i >= 0 ? [model.discrimination[i], model.difficulty[i]] : [1, 0];
  if (u >= 0 && model.seen[u]) return sigmoid(a * (model.ability[u] - d));
  const { population } = model;
  if (population.length === 0) return sigmoid(-a * d);
  let sum = 0;
  for (const theta of population) sum += sigmoid(a * (theta - d));
  return sum / population.length;
}

/** P(correct) for every row of outcome columns (e.g. test rows read by `fieldPairs`). */
export function irtPredict(model: IrtModel, rows: OutcomeColumns): Float64Array {
  const out = new Float64Array(rows.user.length);
  for (let t = 0; t < out.length; t++) out[t] = irtProbability(model, rows.user[t], rows.item[t]);
  return out;
}

const isInteractions = (data: Interactions | OutcomeColumns): data is Interactions =>
  typeof data.users !== 'number';

function emptyModel(
  data: Interactions | OutcomeColumns,
  pl: 1 | 2,
): { model: IrtModel; cols: OutcomeColumns } {
  const cols = isInteractions(data) ? outcomesOf(data) : data;
  const model: IrtModel = {
    pl,
    ability: new Float64Array(cols.users),
    difficulty: new Float64Array(cols.items),
    discrimination: new Float64Array(cols.items).fill(1),
    seen: new Uint8Array(cols.users),
    population: new Float64Array(0),
    iterations: 0,
  };
  for (const u of cols.user) if (u >= 0) model.seen[u] = 1;
  if (isInteractions(data)) {
    model.users = data.users;
    model.items = data.items;
  }
  return { model, cols };
}

/**
 * Penalized maximum likelihood by block Newton steps: given the items, each user's ability is a
 * one-dimensional concave problem, and given the users each item's difficulty (and discrimination) too;
 * a pass takes one Newton step on every user, then on every item, from the gradient and curvature summed
 * over their outcomes, then solves the one direction these steps crawl along (see below). The 1PL problem
 * is concave as a whole, so this converges to its optimum; the 2PL one is not, and this finds a local
 * optimum from a = 1. Rows whose user or item is −1 count with the prior's 0 on that side while fitting;
 * users with no rows are new learners, who get the population's chance once the fit is done.
 */
export function fitIrt(data: Interactions | OutcomeColumns, options: IrtOptions): IrtModel {
  const { lambda } = options;
  const { model, cols } = emptyModel(data, options.pl);
  const { users, items } = cols;
  const { ability, difficulty, discrimination } = model;
  const length = cols.user.length;
  const gradient = new Float64Array(Math.max(users, items));
  const curvature = new Float64Array(Math.max(users, items));
  const gradientA = new Float64Array(items);
  const curvatureA = new Float64Array(items);
  const cross = new Float64Array(items);
  const { user, item, value } = cols;
  for (let pass = 0; pass < options.maxIterations; pass++) {
    model.iterations = pass + 1;
    let moved = 0;
    let loss = 0;
    // Abilities: ∂ℓ/∂θ_u = Σ a_i (y − p) − λθ_u, curvature Σ a_i² p(1 − p) + λ.
    gradient.fill(0, 0, users);
    curvature.fill(0, 0, users);
    for (let t = 0; t < length; t++) {
      const [u, i] = [user[t], item[t]];
      const p = irtProbability(model, u, i);
      loss -= Math.log(Math.max(Number.MIN_VALUE, value[t] > 0.5 ? p : 1 - p));
      if (u < 0) continue;
      const a = i >= 0 ? discrimination[i] : 1;
      gradient[u] += a * (value[t] - p);
      curvature[u] += a * a * p * (1 - p);
    }
    for (let u = 0; u < users; u++) {
      const step = bounded((gradient[u] - lambda * ability[u]) / (curvature[u] + lambda));
      ability[u] += step;
      moved = Math.max(moved, Math.abs(step));
    }
    // Items: ∂ℓ/∂d_i = −Σ a_i (y − p) − λd_i and, in the 2PL model, ∂ℓ/∂a_i = Σ (θ − d_i)(y − p) − λ(a_i − 1),
    // with their expected curvature (Fisher information), the cross term included: one 2×2 Newton step each.
    gradient.fill(0, 0, items);
    curvature.fill(0, 0, items);
    gradientA.fill(0);
    curvatureA.fill(0);
    cross.fill(0);
    for (let t = 0; t < length; t++) {
      const [u, i] = [user[t], item[t]];
      if (i < 0) continue;
      const p = irtProbability(model, u, i);
      const w = p * (1 - p);
      const a = discrimination[i];
      const gap = (u >= 0 ? ability[u] : 0) - difficulty[i];
      gradient[i] -= a * (value[t] - p);
      curvature[i] += a * a * w;
      gradientA[i] += gap * (value[t] - p);
      curvatureA[i] += gap * gap * w;
      cross[i] -= a * gap * w;
    }
    for (let i = 0; i < items; i++) {
      const gd = gradient[i] - lambda * difficulty[i];
      const hd = curvature[i] + lambda;
      if (options.pl === 1) {
        const step = bounded(gd / hd);
        difficulty[i] += step;
        moved = Math.max(moved, Math.abs(step));
        continue;
      }
      const ga = gradientA[i] - lambda * (discrimination[i] - 1);
      const ha = curvatureA[i] + lambda;
      const det = hd * ha - cross[i] * cross[i];
      const stepD = bounded((ha * gd - cross[i] * ga) / det);
      const stepA = bounded((hd * ga - cross[i] * gd) / det);
      difficulty[i] += stepD;
      discrimination[i] += stepA;
      moved = Math.max(moved, Math.abs(stepD), Math.abs(stepA));
    }
    // Abilities and difficulties shifted together leave every logit as it is and change only the
    // penalty: that direction is solved exactly, since Newton steps on the blocks crawl along it.
    let sum = 0;
    for (let u = 0; u < users; u++) sum += ability[u];
    for (let i = 0; i < items; i++) sum += difficulty[i];
    const shift = -sum / (users + items);
    for (let u = 0; u < users; u++) ability[u] += shift;
    for (let i = 0; i < items; i++) difficulty[i] += shift;
    if (options.pl === 2) rescale(model, lambda);
    options.onPass?.(pass, length ? loss / length : 0, model);
    if (moved <= options.tol) break;
  }
  settlePopulation(model, cols);
  return model;
}

/** Quantiles kept of the population's abilities: enough for a mean of σ within about 1e-3. */
const POPULATION_QUANTILES = 100;

/** Keeps the quantiles of the users' abilities weighted by their answers (an empty population until then). */
function settlePopulation(model: IrtModel, cols: OutcomeColumns): void {
  const answers = new Float64Array(cols.users);
  for (const u of cols.user) if (u >= 0) answers[u]++;
  const order: number[] = [];
  for (let u = 0; u < cols.users; u++) if (answers[u]) order.push(u);
  order.sort((x, y) => model.ability[x] - model.ability[y]);
  const total = order.reduce((sum, u) => sum + answers[u], 0);
  const population = new Float64Array(order.length ? POPULATION_QUANTILES : 0);
  let below = 0;
  let k = 0;
  for (const u of order) {
    below += answers[u];
    while (k < population.length && (k + 0.5) / population.length <= below / total)
      population[k++] = model.ability[u];
  }
  model.population = population;
}

export interface IrtOnlineOptions {
  pl: 1 | 2;
  /** The same L2 penalty as fitIrt's, on the whole sum, spread over the rows of each user and item. */
  lambda: number;
  /** Step size of the first pass; pass e uses lr / √(1 + e), so the steps shrink enough to settle. */
  lr: number;
  passes: number;
  seed: number;
  onPass?: (pass: number, loss: number, model: IrtModel) => void;
}

/**
 * The same penalized likelihood as fitIrt, by stochastic gradient ascent: one row at a time, in a new
 * seeded order each pass, every parameter the row touches moves along its gradient. Each row carries
 * 1/n_u of its user's penalty and 1/n_i of its item's, so a pass adds up to the full λ‖·‖²/2 and the fixed
 * point is fitIrt's optimum. It costs no per-user or per-item sums, hence scales to streams of rows that
 * block Newton would have to pass over twice per step.
 */
export function fitIrtOnline(data: Interactions | OutcomeColumns, options: IrtOnlineOptions): IrtModel {
  const { lambda, pl } = options;
  const { model, cols } = emptyModel(data, pl);
  const { ability, difficulty, discrimination } = model;
  const { user, item, value } = cols;
  const length = user.length;
  const userShare = new Float64Array(cols.users);
  const itemShare = new Float64Array(cols.items);
  for (let t = 0; t < length; t++) {
    if (user[t] >= 0) userShare[user[t]]++;
    if (item[t] >= 0) itemShare[item[t]]++;
  }
  for (let u = 0; u < cols.users; u++) userShare[u] = userShare[u] ? lambda / userShare[u] : 0;
  for (let i = 0; i < cols.items; i++) itemShare[i] = itemShare[i] ? lambda / itemShare[i] : 0;
  const rng = new Rng(options.seed);
  for (let pass = 0; pass < options.passes; pass++) {
    model.iterations = pass + 1;
    const lr = options.lr / Math.sqrt(1 + pass);
    const order = rng.permutation(length);
    let loss = 0;
    for (let o = 0; o < length; o++) {
      const t = order[o];
      const [u, i] = [user[t], item[t]];
      const theta = u >= 0 ? ability[u] : 0;
      const d = i >= 0 ? difficulty[i] : 0;
      const a = i >= 0 ? discrimination[i] : 1;
      const z = a * (theta - d);
      const y = value[t] > 0.5 ? 1 : 0;
      loss += softplus(y ? -z : z);
      const g = y - sigmoid(z);
      if (u >= 0) ability[u] += lr * (a * g - userShare[u] * theta);
      if (i >= 0) {
        difficulty[i] += lr * (-a * g - itemShare[i] * d);
        if (pl === 2) discrimination[i] += lr * ((theta - d) * g - itemShare[i] * (a - 1));
      }
    }
    options.onPass?.(pass, length ? loss / length : 0, model);
  }
  settlePopulation(model, cols);
  return model;
}

/**
 * In the 2PL model θ and d scaled by s with a divided by s also leave every logit as it is: the penalty
 * λ/2 [s²(Σθ² + Σd²) + Σ(a/s − 1)²] alone picks s, found by a few Newton steps from s = 1.
 */
function rescale(model: IrtModel, lambda: number): void {
  const { ability, difficulty, discrimination } = model;
  if (lambda === 0) return;
  let squares = 0;
  for (const x of ability) squares += x * x;
  for (const x of difficulty) squares += x * x;
  let s = 1;
  for (let step = 0; step < 8; step++) {
    let slope = s * squares;
    let bend = squares;
    for (const a of discrimination) {
      slope -= (a * a) / s ** 3 - a / s ** 2;
      bend += (3 * a * a) / s ** 4 - (2 * a) / s ** 3;
    }
    if (!(bend > 0)) return;
    s = Math.min(2 * s, Math.max(s / 2, s - slope / bend));
  }
  for (let u = 0; u < ability.length; u++) ability[u] *= s;
  for (let i = 0; i < difficulty.length; i++) {
    difficulty[i] *= s;
    discrimination[i] /= s;
  }
}

/**
 * The Elo update as item response theory learns it online (the K factor as learning rate): after user u
 * answers item i with y ∈ {0, 1}, θ_u += K (y − p) and d_i −= K (y − p), p = σ(θ_u − d_i) the chance
 * the model gave beforehand. Returns p.
 */
export function eloUpdate(
  ability: Float64Array,
  difficulty: Float64Array,
  u: number,
  i: number,
  y: number,
  k: number,
): number {
  const p = sigmoid(ability[u] - difficulty[i]);
  ability[u] += k * (y - p);
  difficulty[i] -= k * (y - p);
  return p;
}
