import type { Interactions } from '../data/interactions.js';

/**
 * Which ratings count as *positives* (relevant items) for the ranking metrics: a rating is positive when
 * it is at least the user's own mean rating and above the bottom of the scale. The user's mean, rather
 * than a fixed cut on the scale, because people use a scale differently (on the anime data many rate
 * 7–10 only, on MovieLens a 4 is a like for a severe user and a shrug for a generous one); the bottom of
 * the scale is never positive, so a user who rates everything 1 (or 0 on 0/1 data) likes nothing.
 * The mean is taken over all the ratings given (training and test together), so a split does not move
 * the line between liked and not liked. See docs/evaluation.md. Implicit data whose rows all have one
 * value (interactions of weight 1, docs/implicit.md) has no scale to judge by: every row is a positive.
 */
export class PositiveRule {
  private readonly threshold: Float64Array;
  private readonly floor: number;
  /** Every value is the same (implicit interactions): all rows are positives. */
  private readonly allPositive: boolean;

  /** The rule for the users of `parts` (Interactions sharing one user id map, e.g. a fold's train and test). */
  constructor(parts: readonly Interactions[]) {
    const users = parts[0]?.users.size ?? 0;
    const sum = new Float64Array(users);
    const count = new Int32Array(users);
    let floor = Number.POSITIVE_INFINITY;
    let ceiling = Number.NEGATIVE_INFINITY;
    for (const part of parts) {
      for (let t = 0; t < part.length; t++) {
        sum[part.user[t]] += part.value[t];
        count[part.user[t]]++;
        if (part.value[t] < floor) floor = part.value[t];
        if (part.value[t] > ceiling) ceiling = part.value[t];
      }
    }
    this.threshold = sum.map((s, u) => (count[u] ? s / count[u] : Number.POSITIVE_INFINITY));
    this.floor = floor;
    this.allPositive = floor === ceiling;
  }

  /** Whether user `u`'s rating `value` is a positive. */
  isPositive(u: number, value: number): boolean {
    return this.allPositive || (value >= this.threshold[u] && value > this.floor);
  }
}
