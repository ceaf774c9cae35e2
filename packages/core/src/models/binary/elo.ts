import { pooledLogit, sigmoid } from '../../math/logistic.js';
import { eloUpdate } from './irt.js';
import type { OutcomeColumns } from './outcomes.js';

/** Elo's ratings: the 1PL model's abilities and difficulties, learnt online. */
export interface EloModel {
  ability: Float64Array;
  difficulty: Float64Array;
  /** The rating of a user the training rows never saw: the one that best explains all their answers. */
  newAbility: number;
}

export interface EloOptions {
  /** The K factor: the step size of each update. */
  k: number;
  /** Times the training rows are replayed, in their order each time (1: the classic single pass). */
  passes: number;
  /** Called after each pass with the mean log-loss of the predictions made before each update. */
  onPass?: (pass: number, loss: number, model: EloModel) => void;
}

/**
 * Elo as item response theory learns it online (Pelánek 2016): the rows are taken in their order, which
 * for knowledge tracing is the time order, so each prediction uses only what came before it; the ratings
 * left at the end predict the test rows. More passes move the ratings towards the 1PL fit, at the cost of
 * the recency that makes a single pass track a learner. A row whose user or item is unknown (−1) updates
 * nothing: there is no rating to move on one side, and one-sided moves would bias the other.
 */
export function fitElo(rows: OutcomeColumns, options: EloOptions): EloModel {
  const ability = new Float64Array(rows.users);
  const difficulty = new Float64Array(rows.items);
  const model: EloModel = { ability, difficulty, newAbility: 0 };
  const { user, item, value } = rows;
  for (let pass = 0; pass < options.passes; pass++) {
    let loss = 0;
    for (let t = 0; t < user.length; t++) {
      const [u, i] = [user[t], item[t]];
      const y = value[t] > 0.5 ? 1 : 0;
      const p =
        u >= 0 && i >= 0 ? eloUpdate(ability, difficulty, u, i, y, options.k) : eloProbability(model, u, i);
      loss -= Math.log(Math.max(Number.MIN_VALUE, y ? p : 1 - p));
    }
    options.onPass?.(pass, user.length ? loss / user.length : 0, model);
  }
  const answered = new Uint8Array(rows.users);
  for (const u of user) if (u >= 0) answered[u] = 1;
  model.newAbility = pooledLogit(
    value,
    Float64Array.from(item, (i) => (i >= 0 ? -difficulty[i] : 0)),
  );
  for (let u = 0; u < rows.users; u++) if (!answered[u]) ability[u] = model.newAbility;
  return model;
}

/** σ(θ_u − d_i), `newAbility` standing in for an unknown (−1) user and 0 for an unknown item. */
export function eloProbability(model: EloModel, u: number, i: number): number {
  return sigmoid((u >= 0 ? model.ability[u] : model.newAbility) - (i >= 0 ? model.difficulty[i] : 0));
}

export function eloPredict(model: EloModel, rows: OutcomeColumns): Float64Array {
  const out = new Float64Array(rows.user.length);
  for (let t = 0; t < out.length; t++) out[t] = eloProbability(model, rows.user[t], rows.item[t]);
  return out;
}
