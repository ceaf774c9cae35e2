import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile, saveModelFile } from '../src/io/model-file.js';
import { kmeans } from '../src/math/kmeans.js';
import { pca2d } from '../src/math/pca.js';
import { Rng } from '../src/math/rng.js';
import { tsne } from '../src/math/tsne.js';
import { clusterGenres, computeMapLayout, MAP_TENSORS } from '../src/models/map-layout.js';
import { loadRecommender, saveRecommender } from '../src/models/model-io.js';
import { modelFamily } from '../src/models/registry.js';
import { lowRankRatings } from './synthetic.js';

/** `clusters` Gaussian blobs of `size` points in `dim` dimensions, centres far apart; row r is in blob r % clusters. */
function blobs(clusters: number, size: number, dim: number, seed = 5): Float64Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => 4 * rng.normal()));
  const rows = new Float64Array(clusters * size * dim);
  for (let r = 0; r < clusters * size; r++) {
    for (let d = 0; d < dim; d++) rows[r * dim + d] = centres[r % clusters][d] + rng.normal();
  }
  return rows;
}

/** Each point's k nearest other points by Euclidean distance. */
function neighbours(points: ArrayLike<number>, count: number, dim: number, k: number): number[][] {
  return Array.from({ length: count }, (_, i) => {
    const d = Array.from({ length: count }, (_, j) => {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (points[i * dim + c] - points[j * dim + c]) ** 2;
      return { j, s };
    });
    return d
      .filter(({ j }) => j !== i)
      .sort((a, b) => a.s - b.s)
      .slice(0, k)
      .map(({ j }) => j);
  });
}

/** The mean share of each point's k nearest neighbours in `a` that are also among its k nearest in `b`. */
function overlap(a: number[][], b: number[][]): number {
  let shared = 0;
  a.forEach((list, i) => {
    const other = new Set(b[i]);
    shared += list.filter((j) => other.has(j)).length / list.length;
  });
  return shared / a.length;
}

/** The mean share of each point's neighbours that are in its own blob. */
function purity(lists: number[][], clusters: number): number {
  return (
    lists.reduce(
      (sum, list, i) => sum + list.filter((j) => j % clusters === i % clusters).length / list.length,
      0,
    ) / lists.length
  );
}

describe('tsne', () => {
  const clusters = 8;
  const count = 320;
  const dim = 16;
  const rows = blobs(clusters, count / clusters, dim);
  const layout = tsne(rows, count, dim, { seed: 1, iterations: 500 });

  it('keeps neighbours together far better than chance and than PCA', () => {
    const high = neighbours(rows, count, dim, 10);
    const low = neighbours(layout, count, 2, 10);
    const plane = pca2d(rows, count, dim);
    const pca = neighbours(
      Array.from({ length: count }, (_, i) => plane.project(rows, i * dim)).flat(),
      count,
      2,
      10,
    );
    // Chance: 10 of 319 others, about 0.03.
    expect(overlap(high, low)).toBeGreaterThan(0.3);
    expect(overlap(high, low)).toBeGreaterThan(overlap(high, pca));
    expect(purity(low, clusters)).toBeGreaterThan(0.95);
    expect(purity(low, clusters)).toBeGreaterThan(purity(pca, clusters));
  });

  it('gives the same layout for the same seed, and another for another seed', () => {
    const again = tsne(rows, count, dim, { seed: 1, iterations: 500 });
    expect(Array.from(again)).toEqual(Array.from(layout));
    const other = tsne(rows, count, dim, { seed: 2, iterations: 500 });
    expect(Array.from(other)).not.toEqual(Array.from(layout));
    expect(layout.every(Number.isFinite)).toBe(true);
  });

  it('places identical vectors without failing, and refuses fewer than 3 points', () => {
    const same = new Float64Array(40 * 3).fill(1);
    expect(tsne(same, 40, 3, { iterations: 60 }).every(Number.isFinite)).toBe(true);
    expect(() => tsne([1, 2, 3, 4], 2, 2)).toThrow(/at least 3 points/);
  });
});

describe('kmeans', () => {
  it('finds well separated groups, the same for a seed', () => {
    const rng = new Rng(9);
    const centres = [
      [0, 0],
      [20, 0],
      [0, 20],
    ];
    const points = Array.from({ length: 90 }, (_, r) => centres[r % 3].map((c) => c + rng.normal())).flat();
    const a = kmeans(points, 90, 2, 3, 4);
    // Every blob is one cluster: rows r and r + 3 agree.
    for (let r = 0; r + 3 < 90; r++) expect(a.assignment[r]).toBe(a.assignment[r + 3]);
    expect(new Set(a.assignment).size).toBe(3);
    expect(Array.from(kmeans(points, 90, 2, 3, 4).assignment)).toEqual(Array.from(a.assignment));
    expect(() => kmeans(points, 90, 2, 91)).toThrow(/1 ≤ k ≤ 90/);
  });
});

describe('clusterGenres', () => {
  it('names a cluster by the genres over-represented in it, not by the ones common everywhere', () => {
    // Action is on most works everywhere; Mecha only in cluster 0, Romance and Drama in cluster 1.
    const genres = [
      ['Action', 'Mecha'],
      ['Action', 'Mecha'],
      ['Action'],
      ['Action', 'Romance'],
      ['Romance', 'Drama'],
      ['Action', 'Drama', 'Romance'],
      [],
    ];
    const assignment = Int32Array.from([0, 0, 0, 1, 1, 1, 2]);
    expect(clusterGenres(assignment, 3, genres)).toEqual([['Mecha', 'Action'], ['Romance', 'Drama'], []]);
  });

  it('leaves out a rare genre carried by few of a cluster’s works', () => {
    const genres = [
      ['Comedy'],
      ['Comedy'],
      ['Comedy'],
      ['Comedy'],
      ['Comedy', 'Vampire'],
      ['Comedy'],
      ['Comedy'],
      ['Comedy', 'Drama'],
      ['Drama'],
    ];
    const assignment = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 1, 1]);
    // Vampire's lift is the highest in cluster 0, but one work in seven carries it.
    expect(clusterGenres(assignment, 2, genres)[0]).toEqual(['Comedy']);
  });
});

describe('map layout in the model file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osusume-map-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fitted() {
    const data = lowRankRatings({ users: 80, items: 60, rank: 3, density: 0.4, seed: 2 });
    return (await modelFamily('als').fit(data, { factors: 4 }, { seed: 0, threads: 1 })).model;
  }

  it('travels with the model and reads back as written', async () => {
    const model = await fitted();
    const tags = new Map(
      model.items.toArray().map((id, j) => [id, [{ tag: j % 2 ? 'Odd' : 'Even', weight: 1 }]]),
    );
    const layout = computeMapLayout(model, tags, { seed: 3, iterations: 200 });
    expect(layout.xy.length).toBe(2 * model.items.size);
    expect(layout.clusters.length).toBeGreaterThan(0);
    expect(layout.clusters.reduce((s, c) => s + c.size, 0)).toBe(model.items.size);
    const file = join(dir, 'with-map.safetensors');
    await saveRecommender(file, model, { model: 'als', params: {} }, layout);
    const back = await loadRecommender(file);
    expect(Array.from(back.layout?.xy ?? [])).toEqual(Array.from(layout.xy));
    expect(Array.from(back.layout?.cluster ?? [])).toEqual(Array.from(layout.cluster));
    expect(back.layout?.clusters).toEqual(layout.clusters);
    expect(Array.from(back.model.scores('u1'))).toEqual(Array.from(model.scores('u1')));

    const plain = join(dir, 'without-map.safetensors');
    await saveRecommender(plain, model, { model: 'als', params: {} });
    expect((await loadRecommender(plain)).layout).toBeUndefined();
  });

  it('refuses a layout whose positions do not match the items', async () => {
    const model = await fitted();
    const layout = computeMapLayout(model, new Map(), { seed: 3, iterations: 100 });
    const file = join(dir, 'map.safetensors');
    await saveRecommender(file, model, { model: 'als', params: {} }, layout);
    const { header, tensors } = await loadModelFile(file);
    const broken = join(dir, 'broken.safetensors');
    const short = { dtype: 'F32' as const, shape: [3, 2], data: new Float32Array(6) };
    await saveModelFile(broken, { ...header, model: header.model }, { ...tensors, [MAP_TENSORS.xy]: short });
    await expect(loadRecommender(broken)).rejects.toThrow(/map layout needs map.xy: F32 \[60, 2\]/);
  });
});
