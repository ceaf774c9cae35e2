import { Interactions } from '../src/data/interactions.js';
import { Rng } from '../src/math/rng.js';

/**
 * Ratings r = mean + b_u + b_i + x_u·y_i (+ noise) on a random `density` fraction of a users × items
 * grid, every user and item with at least one rating: a problem whose exact answer is known.
 */
export function lowRankRatings(options: {
  users: number;
  items: number;
  rank: number;
  density: number;
  seed?: number;
  noise?: number;
  biases?: boolean;
}): Interactions {
  const rng = new Rng(options.seed ?? 7);
  const { users, items, rank } = options;
  const x = Float64Array.from({ length: users * rank }, () => rng.normal());
  const y = Float64Array.from({ length: items * rank }, () => rng.normal());
  const bu = Float64Array.from({ length: users }, () => (options.biases ? rng.normal() * 0.5 : 0));
  const bi = Float64Array.from({ length: items }, () => (options.biases ? rng.normal() * 0.5 : 0));
  const rows: [string, string, number][] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.uniform() >= options.density && i !== u % items && u !== i % users) continue;
      let r = 3 + bu[u] + bi[i];
      for (let c = 0; c < rank; c++) r += x[u * rank + c] * y[i * rank + c];
      rows.push([`u${u}`, `i${i}`, r + (options.noise ?? 0) * rng.normal()]);
    }
  }
  return Interactions.fromRows(rows);
}

export function rmseOn(
  model: { predictIndices(u: Int32Array, i: Int32Array): Float64Array },
  data: Interactions,
): number {
  const p = model.predictIndices(data.user, data.item);
  let se = 0;
  for (let t = 0; t < data.length; t++) se += (p[t] - data.value[t]) ** 2;
  return Math.sqrt(se / data.length);
}
