// Seeded rating sets of different shapes, for checking that the default hyper-parameters hold beyond
// the data they were chosen on (bench/defaults.js). Each is a rank-`rank` taste model plus user and item
// biases and noise, sampled without repeated (user, item) pairs, then put on its scale:
//   dense     short tail: every user and item about equally active, 1–5 stars;
//   longtail  power-law users AND items (most users < 5 ratings, a few with thousands), 1–5 stars;
//   scores    1–10 scores skewed high, like the anime data, moderately long-tailed;
//   halves    0.5–5 in half stars (continuous-like), moderately long-tailed.
import { IdMap, Interactions, Rng } from 'osusume';

export const SHAPES = {
  dense: { users: 800, items: 500, ratings: 120_000, userTail: 1, itemTail: 1, rank: 6, noise: 0.8 },
  longtail: { users: 30_000, items: 6_000, ratings: 200_000, userTail: 4, itemTail: 3, rank: 8, noise: 0.8 },
  scores: { users: 6_000, items: 3_000, ratings: 150_000, userTail: 2, itemTail: 2.5, rank: 8, noise: 1.2 },
  halves: { users: 2_500, items: 1_500, ratings: 150_000, userTail: 1.5, itemTail: 1.5, rank: 8, noise: 0.6 },
};

/** The ratings of one shape (a key of SHAPES), seeded. */
export function shapeRatings(name, seed = 1) {
  const shape = SHAPES[name];
  if (!shape) throw new Error(`unknown shape ${name}: one of ${Object.keys(SHAPES).join(', ')}`);
  const { users, items, ratings, rank } = shape;
  const rng = new Rng(seed);
  const taste = Float64Array.from({ length: users * rank }, () => (rng.normal() * 1.1) / Math.sqrt(rank));
  const trait = Float64Array.from({ length: items * rank }, () => (rng.normal() * 1.1) / Math.sqrt(rank));
  const userBias = Float64Array.from({ length: users }, () => rng.normal() * 0.45);
  const itemBias = Float64Array.from({ length: items }, () => rng.normal() * 0.55);
  // index = floor(n · U^tail): tail 1 is uniform, larger tails put more mass on the first indices.
  const draw = (n, tail) => Math.min(n - 1, Math.floor(n * rng.uniform() ** tail));
  const seen = new Set();
  const user = new Int32Array(ratings);
  const item = new Int32Array(ratings);
  const value = new Float64Array(ratings);
  for (let t = 0; t < ratings; ) {
    const u = draw(users, shape.userTail);
    const i = draw(items, shape.itemTail);
    const key = u * items + i;
    if (seen.has(key)) continue;
    seen.add(key);
    let z = userBias[u] + itemBias[i] + shape.noise * rng.normal();
    for (let c = 0; c < rank; c++) z += taste[u * rank + c] * trait[i * rank + c];
    user[t] = u;
    item[t] = i;
    value[t] = onScale(name, z);
    t++;
  }
  return compacted(user, item, value);
}

/** z (about standard normal) on the shape's scale. */
function onScale(name, z) {
  const clip = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
  switch (name) {
    case 'scores':
      return clip(Math.round(7.6 + 1.4 * z), 1, 10);
    case 'halves':
      return clip(Math.round(2 * (3.5 + 0.9 * z)) / 2, 0.5, 5);
    default:
      return clip(Math.round(3.55 + 0.95 * z), 1, 5);
  }
}

/** Only the users and items that got a rating, with ids u<index> and i<index>. */
function compacted(user, item, value) {
  const users = new IdMap();
  const items = new IdMap();
  const u = user.map((x) => users.add(`u${x}`));
  const i = item.map((x) => items.add(`i${x}`));
  return new Interactions({ users, items, user: u, item: i, value });
}

/** The ratings as user,item,rating CSV lines (for the CLI's csv: data spec). */
export function toCsv(data) {
  const lines = ['user,item,rating'];
  for (let t = 0; t < data.length; t++) {
    lines.push(`${data.users.idAt(data.user[t])},${data.items.idAt(data.item[t])},${data.value[t]}`);
  }
  return `${lines.join('\n')}\n`;
}
