// The map's layout (`node bench/map-layout.js`): Barnes-Hut t-SNE + k-means + genre labels, as the
// training worker computes them (packages/core/src/models/map-layout.ts), timed on
//  - 12,294 synthetic 32-d vectors (the anime data's 12,294 works; 20 seeded Gaussian groups), and
//  - the item vectors of ALS k=32 (the service's factors) fitted on the anime data (the 7,390 works with
//    ratings), next to the fit's own time: what the layout adds to a training.
// Wall and CPU seconds, medians of --runs (3). Neighbour preservation: of 1,000 sampled works, the
// share of each one's 10 nearest in the vectors that are among its 10 nearest on the map (t-SNE, PCA).
// Prints a Markdown section for bench/RESULTS.md.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeMapLayout, IdMap, MAP_TSNE, modelFamily, projectItems, Rng, readDataSpec } from 'osusume';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.OSUSUME_DATA ?? join(root, 'data'));
const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const RUNS = at >= 0 ? Number(args[at + 1]) : 3;
/** `--only synthetic` or `--only anime`: one of the two (each prints its own table). */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const DIM = 32;
const SYNTHETIC = 12294;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall and CPU (user + system, this thread and others) seconds of `f`. */
function timed(f) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = f();
  const used = process.cpuUsage(cpu);
  return { value, wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** A stand-in recommender with the given item vectors: what computeMapLayout reads. */
function vectorsModel(vectors, count) {
  return {
    items: IdMap.from(Array.from({ length: count }, (_, i) => `w${i}`)),
    mapVectors: () => ({ vectors, dim: DIM }),
  };
}

/** Mean share of the 10 nearest (vectors) among the 10 nearest (points), over 1,000 sampled rows. */
function neighbourOverlap(vectors, points, count, k = 10) {
  const rng = new Rng(11);
  const nearest = (rows, dim, i) => {
    const d = new Float64Array(count);
    for (let j = 0; j < count; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (rows[i * dim + c] - rows[j * dim + c]) ** 2;
      d[j] = j === i ? Number.POSITIVE_INFINITY : s;
    }
    return Array.from(d.keys())
      .sort((a, b) => d[a] - d[b])
      .slice(0, k);
  };
  let shared = 0;
  const samples = Math.min(1000, count);
  for (let s = 0; s < samples; s++) {
    const i = rng.int(count);
    const high = new Set(nearest(vectors, DIM, i));
    shared += nearest(points, 2, i).filter((j) => high.has(j)).length / k;
  }
  return shared / samples;
}

function pcaPoints(model) {
  return Float64Array.from(projectItems(model).points.flatMap((p) => [p.x, p.y]));
}

function layOut(name, model, tags, extra = {}) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    runs.push(timed(() => computeMapLayout(model, tags, { seed: 0 })));
    console.error(
      `${name}: run ${r + 1}: ${runs.at(-1).wall.toFixed(1)} s wall, ${runs.at(-1).cpu.toFixed(1)} s CPU`,
    );
  }
  const { vectors } = model.mapVectors();
  const count = model.items.size;
  const layout = runs[0].value;
  return {
    name,
    count,
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    clusters: layout.clusters.length,
    labels: layout.clusters.slice(0, 4).map((c) => c.genres.join(' + ')),
    tsne: neighbourOverlap(vectors, layout.xy, count),
    pca: neighbourOverlap(vectors, pcaPoints(model), count),
    ...extra,
  };
}

const rows = [];
if (only !== 'anime') {
  const rng = new Rng(3);
  const centres = Array.from({ length: 20 }, () => Array.from({ length: DIM }, () => 0.3 * rng.normal()));
  const vectors = new Float32Array(SYNTHETIC * DIM);
  for (let i = 0; i < SYNTHETIC; i++) {
    for (let c = 0; c < DIM; c++) vectors[i * DIM + c] = centres[i % 20][c] + 0.1 * rng.normal();
  }
  rows.push(layOut('synthetic, 20 groups', vectorsModel(vectors, SYNTHETIC), new Map()));
}
if (only !== 'synthetic') {
  const data = await readDataSpec(`anime:${join(dataDir, 'anime')}`);
  const fits = [];
  let model;
  for (let r = 0; r < RUNS; r++) {
    const fitted = await modelFamily('als').fit(data.ratings, { factors: DIM }, { seed: 0, threads: 1 });
    model = fitted.model;
    fits.push(fitted.report.fitSeconds);
  }
  rows.push(layOut('anime, ALS k=32 item vectors', model, data.tags, { fit: median(fits) }));
}

const fmt = (x, d = 1) => x.toFixed(d);
console.log(`## Map layout: t-SNE at training time (\`node bench/map-layout.js\`)

Run ${new Date().toISOString()} on ${process.arch}, Node ${process.version}; medians of ${RUNS} runs, one thread.
Barnes-Hut t-SNE (perplexity 30, θ ${MAP_TSNE.theta}, ${MAP_TSNE.iterations} steps, exact 90-NN affinities) + k-means + genre labels.
Neighbours kept: of 1,000 sampled works, the share of their 10 nearest by vector that are among their 10
nearest on the map (chance ≈ 10/n).

| vectors | works | layout wall s | layout CPU s | ALS k=32 fit wall s (same data) | clusters | 10-NN kept: t-SNE | PCA |
|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.name} | ${r.count} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${r.fit === undefined ? '–' : fmt(r.fit)} | ${r.clusters} | ${fmt(r.tsne, 3)} | ${fmt(r.pca, 3)} |`).join('\n')}

${rows
  .filter((r) => r.labels.some((l) => l !== ''))
  .map((r) => `First cluster labels (${r.name}): ${r.labels.join('; ')}.`)
  .join('\n')}`);
