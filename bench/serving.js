// Serving latency: fold-in of 50 ratings plus top-10 over 10,000 items (ALS k=32), one request at a time.
// node bench/serving.js -> JSON {p50Ms, p99Ms, ...}
import { fitAls, Rng } from 'osusume';
import { syntheticRatings } from './synthetic.js';

const data = syntheticRatings({ ratings: 1_000_000, users: 20_000, items: 10_000, seed: 2 });
const { model } = await fitAls(data, { factors: 32, epochs: 10 }, { seed: 1 });
const rng = new Rng(3);
const requests = Array.from({ length: 5000 }, () =>
  Array.from({ length: 50 }, () => ({ item: `i${rng.int(10_000)}`, value: 1 + rng.int(5) })),
);
const times = [];
for (const [k, ratings] of requests.entries()) {
  const t0 = performance.now();
  model.recommend(model.foldIn(ratings), { n: 10 });
  if (k >= 200) times.push(performance.now() - t0); // the first requests warm the JIT up
}
times.sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
console.log(
  JSON.stringify({
    items: data.items.size,
    factors: 32,
    ratingsPerRequest: 50,
    n: 10,
    requests: times.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  }),
);
