import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitAls } from '../src/models/als.js';
import { fitBiases } from '../src/models/baseline.js';
import { loadRecommender, saveRecommender } from '../src/models/model-io.js';
import { lowRankRatings, rmseOn } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-als-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ALS', () => {
  const data = lowRankRatings({ users: 60, items: 40, rank: 3, density: 0.5, biases: true });

  for (const solver of ['cg', 'cholesky']) {
    it(`fits an exactly low-rank matrix to near-zero error (${solver})`, async () => {
      const { model } = await fitAls(
        data,
        {
          factors: 3,
          lambda: 1e-6,
          lambdaBias: 1e-6,
          damping: 0,
          biasDamping: 0,
          epochs: 60,
          solver,
          cgSteps: 8,
        },
        { threads: 1 },
      );
      expect(rmseOn(model, data)).toBeLessThan(0.02);
    });
  }

  for (const solver of ['cg', 'cholesky']) {
    it(`penalizes biases by biasDamping pseudo-ratings: without factors it is the biases model (${solver})`, async () => {
      const skewed = lowRankRatings({
        users: 60,
        items: 40,
        rank: 2,
        density: 0.15,
        biases: true,
        noise: 0.5,
      });
      const damped = { lambdaBias: 0, biasDamping: 4, epochs: 40 };
      const { model } = await fitAls(skewed, { factors: 0, solver, cgSteps: 4, ...damped }, { threads: 1 });
      const biases = await fitBiases(skewed, { lambdaUser: 4, lambdaItem: 4, epochs: 40 });
      const expected = biases.model.predictIndices(skewed.user, skewed.item);
      const got = model.predictIndices(skewed.user, skewed.item);
      for (let t = 0; t < skewed.length; t++) expect(got[t]).toBeCloseTo(expected[t], 3);
      // A user's row folded in from their own ratings is the trained one: the fold-in uses the same penalty.
      const { row, rated } = model.userVector('u7');
      const folded = model.foldIn(
        Array.from(rated.items, (j, l) => ({ item: model.items.idAt(j), value: rated.values[l] })),
      );
      expect(Array.from(folded.row)).toEqual(Array.from(row, (v) => expect.closeTo(v, 4)));
    });
  }

  it('fits without biases too (one more factor absorbs the offset from centering on the mean)', async () => {
    const plain = lowRankRatings({ users: 50, items: 30, rank: 2, density: 0.6 });
    const { model } = await fitAls(plain, {
      factors: 3,
      biases: false,
      lambda: 1e-6,
      epochs: 60,
      solver: 'cholesky',
    });
    expect(rmseOn(model, plain)).toBeLessThan(0.02);
  });

  it('gives the same model for the same seed, whatever the thread count, and another for another seed', async () => {
    const params = { factors: 8, epochs: 5 };
    const one = await fitAls(data, params, { seed: 3, threads: 1 });
    const two = await fitAls(data, params, { seed: 3, threads: 2 });
    const three = await fitAls(data, params, { seed: 3, threads: 3 });
    const other = await fitAls(data, params, { seed: 4, threads: 1 });
    expect(Array.from(two.model.userRows)).toEqual(Array.from(one.model.userRows));
    expect(Array.from(three.model.itemRows)).toEqual(Array.from(one.model.itemRows));
    expect(Array.from(other.model.itemRows)).not.toEqual(Array.from(one.model.itemRows));
  });

  it('folds in a training user to (nearly) the vector training gave them', async () => {
    const { model } = await fitAls(data, { factors: 5, epochs: 20, solver: 'cholesky' }, { threads: 1 });
    for (const user of ['u0', 'u17', 'u42']) {
      const trained = model.userVector(user);
      const ratings = Array.from(trained.rated.items, (j, l) => ({
        item: model.items.idAt(j),
        value: trained.rated.values[l],
      }));
      const folded = model.foldIn(ratings);
      for (let c = 0; c < trained.row.length; c++) expect(folded.row[c]).toBeCloseTo(trained.row[c], 4);
      expect(model.predict(folded, 'i3')).toBeCloseTo(model.predict(user, 'i3'), 4);
    }
  });

  it('is close to the exact solver with the default conjugate-gradient steps', async () => {
    const cg = await fitAls(data, { factors: 8, epochs: 15 }, { threads: 1 });
    const exact = await fitAls(data, { factors: 8, epochs: 15, solver: 'cholesky' }, { threads: 1 });
    expect(Math.abs(rmseOn(cg.model, data) - rmseOn(exact.model, data))).toBeLessThan(0.01);
  });

  it('saves and reloads a model that predicts identically', async () => {
    const { model } = await fitAls(data, { factors: 4, epochs: 3 }, { seed: 1 });
    const path = join(dir, 'als.safetensors');
    await saveRecommender(path, model, { model: 'als', params: { factors: 4 }, seed: 1 });
    const { model: back, info } = await loadRecommender(path, { expectModel: 'als' });
    expect(info.seed).toBe(1);
    expect(Array.from(rmseOnPairs(back))).toEqual(Array.from(rmseOnPairs(model)));
    expect(back.recommend('u5', { n: 5 })).toEqual(model.recommend('u5', { n: 5 }));
    await expect(loadRecommender(path, { expectModel: 'sgd' })).rejects.toThrow(/als/);
  });

  it('reports one time per sweep, a validation curve, and progress', async () => {
    const seen: number[] = [];
    const { report } = await fitAls(
      data,
      { factors: 4, epochs: 4 },
      { validation: data, onProgress: (p) => seen.push(p.epoch) },
    );
    expect(report.epochSeconds).toHaveLength(4);
    expect(report.curve).toHaveLength(4);
    expect(report.curve[3]).toBeLessThan(report.curve[0]);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('stops when aborted, and rejects bad parameters with the valid names', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fitAls(data, {}, { signal: controller.signal })).rejects.toThrow(/aborted/);
    await expect(fitAls(data, { factor: 3 })).rejects.toThrow(/unknown parameter "factor".*factors/);
    await expect(fitAls(data, { solver: 'magic' })).rejects.toThrow(/cg, cholesky/);
  });

  function rmseOnPairs(model: { predictIndices(u: Int32Array, i: Int32Array): Float64Array }): Float64Array {
    return model.predictIndices(data.user, data.item);
  }
});
