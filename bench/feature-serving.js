// Serving latency of a feature model against ALS on the anime data: fold-in of 50 ratings plus top-10
// over every item, one request at a time on one thread; the two models take turns on the same requests.
// node bench/feature-serving.js [anime dir] -> JSON {als: {p50Ms, p99Ms}, fm: {…}, ratio}
import { modelFamily, Rng, readDataSpec } from 'osusume';

const dir = process.argv[2] ?? new URL('../data/anime', import.meta.url).pathname;
const factors = 16;
const data = await readDataSpec(`anime:${dir}`);
const ratings = data.ratings;
const fitted = (name, params) =>
  modelFamily(name).fit(ratings, params, { seed: 1, threads: 1, itemTags: data.tags, itemInfo: data.items });
const { model: als } = await fitted('als', { factors, epochs: 10 });
const { model: fm } = await fitted('fm', { features: 'irt+tags', solver: 'als', factors, iterations: 10 });

// Requests: 50 distinct works with at least 10 training ratings each, rated 1..10.
const counts = als.ratingCounts();
const known = Array.from({ length: ratings.items.size }, (_, j) => j).filter((j) => counts[j] >= 10);
const rng = new Rng(3);
const requests = Array.from({ length: 2000 }, () =>
  Array.from(new Set(Array.from({ length: 50 }, () => known[rng.int(known.length)])), (j) => ({
    item: ratings.items.idAt(j),
    value: 1 + rng.int(10),
  })),
);
const times = { als: [], fm: [] };
for (const [k, request] of requests.entries()) {
  for (const [name, model] of k % 2
    ? [
        ['als', als],
        ['fm', fm],
      ]
    : [
        ['fm', fm],
        ['als', als],
      ]) {
    const t0 = performance.now();
    model.recommend(model.foldIn(request), { n: 10 });
    if (k >= 200) times[name].push(performance.now() - t0); // the first requests warm the JIT up
  }
}
const at = (list, p) => {
  const sorted = list.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
};
const summary = (list) => ({ p50Ms: at(list, 0.5), p99Ms: at(list, 0.99) });
console.log(
  JSON.stringify({
    items: ratings.items.size,
    factors,
    fmFeatures: 'user,item,tags',
    ratingsPerRequest: 50,
    n: 10,
    requests: times.als.length,
    als: summary(times.als),
    fm: summary(times.fm),
    p50Ratio: at(times.fm, 0.5) / at(times.als, 0.5),
  }),
);
