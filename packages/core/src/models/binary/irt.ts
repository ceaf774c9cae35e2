import type { IdMap } from '../../data/id-map.js';
import type { Interactions } from '../../data/interactions.js';

/**
 * Item response theory on 0/1 outcomes (a user answers an item right or wrong):
 * P(correct) = σ(a_i (θ_u − d_i)), θ the user's ability, d the item's difficulty and, in the 2PL model, a
 * its discrimination (1 in the 1PL, or Rasch, model).
 */
export interface IrtModel {
  pl: 1 | 2;
  users: IdMap;
  items: IdMap;
  ability: Float64Array;
  difficulty: Float64Array;
  discrimination: Float64Array;
  /** Newton passes made. */
  iterations: number;
}

export interface IrtOptions {
  pl: 1 | 2;
  /** L2 penalty on abilities and difficulties (and on discriminations' distance from 1). */
  lambda: number;
  maxIterations: number;
  /** Stop when no parameter moves by more than this in a pass. */
  tol: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Newton steps are kept within one unit (a trust region): far from the optimum, and in the 2PL model,
 * whose likelihood is not concave, a full step can overshoot and diverge. */
const MAX_STEP = 1;
const bounded = (step: number) => Math.max(-MAX_STEP, Math.min(MAX_STEP, step));

/** P(correct) for user index u on item index i. */
export function irtProbability(model: IrtModel, u: number, i: number): number {
  return sigmoid(model.discrimination[i] * (model.ability[u] - model.difficulty[i]));
}

/**
 * Penalized maximum likelihood by block Newton steps: given the items, each user's ability is a
 * one-dimensional concave problem, and given the users each item's difficulty (and discrimination) too;
 * a pass takes one Newton step on every user, then on every item, from the gradient and curvature summed
 * over their outcomes, then solves the one direction these steps crawl along (see below). The 1PL problem
 * is concave as a whole, so this converges to its optimum; the 2PL one is not, and this finds a local
 * optimum from a = 1.
 */
export function fitIrt(data: Interactions, options: IrtOptions): IrtModel {
  const { lambda } = options;
  const users = data.users.size;
  const items = data.items.size;
  const model: IrtModel = {
    pl: options.pl,
    users: data.users,
    items: data.items,
    ability: new Float64Array(users),
    difficulty: new Float64Array(items),
    discrimination: new Float64Array(items).fill(1),
    iterations: 0,
  };
  const { ability, difficulty, discrimination } = model;
  const gradient = new Float64Array(Math.max(users, items));
  const curvature = new Float64Array(Math.max(users, items));
  const gradientA = new Float64Array(items);
  const curvatureA = new Float64Array(items);
  const cross = new Float64Array(items);
  const { user, item, value } = data;
  for (let pass = 0; pass < options.maxIterations; pass++) {
    model.iterations = pass + 1;
    let moved = 0;
    // Abilities: ∂ℓ/∂θ_u = Σ a_i (y − p) − λθ_u, curvature Σ a_i² p(1 − p) + λ.
    gradient.fill(0, 0, users);
    curvature.fill(0, 0, users);
    for (let t = 0; t < data.length; t++) {
      const [u, i] = [user[t], item[t]];
      const p = irtProbability(model, u, i);
      gradient[u] += discrimination[i] * (value[t] - p);
      curvature[u] += discrimination[i] ** 2 * p * (1 - p);
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
    for (let t = 0; t < data.length; t++) {
      const [u, i] = [user[t], item[t]];
      const p = irtProbability(model, u, i);
      const w = p * (1 - p);
      const a = discrimination[i];
      const gap = ability[u] - difficulty[i];
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
    if (moved <= options.tol) break;
  }
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
