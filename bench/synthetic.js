// Synthetic ratings for the scale and serving benchmarks: a rank-8 taste model plus biases and noise,
// rounded to 1..5 stars; item popularity follows a power law, as in real catalogues. Built straight
// into typed columns, so ten million ratings take seconds and little memory beyond the columns.
import { IdMap, Interactions, Rng } from 'osusume';

export function syntheticRatings({ ratings, users, items, seed = 1 }) {
  const rank = 8;
  const rng = new Rng(seed);
  const taste = Float64Array.from({ length: users * rank }, () => rng.normal() * 0.4);
  const trait = Float64Array.from({ length: items * rank }, () => rng.normal() * 0.4);
  const userBias = Float64Array.from({ length: users }, () => rng.normal() * 0.4);
  const itemBias = Float64Array.from({ length: items }, () => rng.normal() * 0.5);
  const user = new Int32Array(ratings);
  const item = new Int32Array(ratings);
  const value = new Float64Array(ratings);
  for (let t = 0; t < ratings; t++) {
    const u = t % users;
    const i = Math.floor(items * rng.uniform() ** 2);
    let r = 3.5 + userBias[u] + itemBias[i] + 0.7 * rng.normal();
    for (let c = 0; c < rank; c++) r += taste[u * rank + c] * trait[i * rank + c];
    user[t] = u;
    item[t] = i;
    value[t] = Math.min(5, Math.max(1, Math.round(r)));
  }
  return new Interactions({
    users: IdMap.from(Array.from({ length: users }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: items }, (_, i) => `i${i}`)),
    user,
    item,
    value,
  });
}
