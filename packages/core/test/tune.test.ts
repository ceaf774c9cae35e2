import { describe, expect, it } from 'vitest';
import { holdout } from '../src/eval/splits.js';
import { Rng } from '../src/math/rng.js';
import { ALS_PARAMS } from '../src/models/als.js';
import type { ParamSpec } from '../src/models/params.js';
import { modelFamily } from '../src/models/registry.js';
import { ScrambledHalton } from '../src/tune/halton.js';
import { paramsAt, searchDimensions, unitOf } from '../src/tune/search-space.js';
import { tune } from '../src/tune/tune.js';
import { parseTunedParams } from '../src/tune/tuned-file.js';
import { lowRankRatings, rmseOn } from './synthetic.js';

describe('scrambled Halton points', () => {
  it('repeat for a seed, differ between seeds, and put one of the first 2^m points in each 2^-m interval', () => {
    const a = new ScrambledHalton(3, new Rng(1));
    const b = new ScrambledHalton(3, new Rng(1));
    const c = new ScrambledHalton(3, new Rng(2));
    expect(a.point(5)).toEqual(b.point(5));
    expect(a.point(5)).not.toEqual(c.point(5));
    const cells = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const p = a.point(i);
      for (const x of p) expect(x >= 0 && x < 1).toBe(true);
      cells.add(Math.floor(p[0] * 16));
    }
    expect(cells.size).toBe(16);
  });
});

describe('search space', () => {
  it('maps the unit cube onto the ranges (log-spaced, whole numbers for ints) and skips fixed parameters', () => {
    const dims = searchDimensions(ALS_PARAMS, { lambdaBias: 0.1, damping: 20, biasDamping: 2 });
    expect(dims.map((d) => d.name)).toEqual(['factors', 'lambda']);
    const low = paramsAt(dims, [0, 0]);
    const high = paramsAt(dims, [0.999999, 0.5]);
    expect(low.factors).toBe(8);
    expect(high.factors).toBe(256);
    expect(low.lambda).toBeCloseTo(0.01, 6);
    // Halfway on a log scale from 0.01 to 0.5 is their geometric mean.
    expect(high.lambda as number).toBeCloseTo(Math.sqrt(0.005), 3);
    // unitOf inverts paramsAt (up to the rounding of the values).
    expect(paramsAt(dims, unitOf(dims, high))).toEqual(high);
  });
});

describe('tune', () => {
  const data = lowRankRatings({ users: 80, items: 50, rank: 2, density: 0.4, biases: true, noise: 0.3 });
  const als = modelFamily('als');
  const small = { factors: 4, epochs: 6 };

  it('gives the same result for the same seed', async () => {
    const run = () => tune(als, data, { seed: 3, trials: 6, threads: 1, fixed: { epochs: 6 } });
    const [first, second] = [await run(), await run()];
    expect(second.params).toEqual(first.params);
    expect(second.cv).toBe(first.cv);
    expect(second.trials.map((t) => t.scores)).toEqual(first.trials.map((t) => t.scores));
  });

  it('finds a better setting than a poor default, on the inner folds and on held-out ratings', async () => {
    // ALS whose default λ is far too large: the tuner must move away from it.
    const poor = {
      ...als,
      params: ALS_PARAMS.map(
        (spec): ParamSpec =>
          spec.name === 'lambda' && spec.type === 'number' ? { ...spec, default: 30 } : spec,
      ),
    };
    const split = holdout(data, 0.2, 1);
    const result = await tune(poor, split.train, {
      seed: 0,
      trials: 12,
      threads: 1,
      folds: 3,
      fixed: { epochs: 6 },
    });
    const defaults = result.trials[0];
    expect(defaults.params.lambda).toBe(30);
    expect(result.cvFolds).toBe(3);
    const best = result.trials.find((t) => t.params === result.params);
    expect(best?.scores[0]).toBeLessThan(defaults.scores[0]);
    const fitted = await als.fit(split.train, result.params, { threads: 1 });
    const baseline = await als.fit(split.train, defaults.params, { threads: 1 });
    expect(rmseOn(fitted.model, split.test)).toBeLessThan(0.9 * rmseOn(baseline.model, split.test));
  });

  it('stops starting fits when the budget is spent and returns the best so far', async () => {
    // Each fit costs one "second" on this clock: a budget of 5 allows exactly 5 fits.
    let now = 0;
    const result = await tune(als, data, {
      budgetSeconds: 5,
      threads: 1,
      fixed: small,
      clock: () => now,
      onFit: () => {
        now += 1;
      },
    });
    expect(result.fits).toBe(5);
    expect(result.stopped).toBe('budget');
    expect(result.trials.length).toBeLessThanOrEqual(5);
    expect(Number.isFinite(result.cv)).toBe(true);
  });

  it('scores every allowed trial as far as the halving takes it, the best on all folds', async () => {
    const result = await tune(als, data, { trials: 7, threads: 1, fixed: small, folds: 3 });
    expect(result.trials).toHaveLength(7);
    expect(result.stopped).toBe('trials');
    expect(result.cvFolds).toBe(3);
    // Halving: fewer fits than scoring all 7 on 3 folds, more than scoring them on one.
    expect(result.fits).toBeGreaterThan(7);
    expect(result.fits).toBeLessThan(21);
  });

  it('rejects a family without searchable parameters, and a search with every parameter fixed', async () => {
    await expect(tune(modelFamily('mean'), data)).rejects.toThrow(/mean has no parameters to tune.*als/);
    const fixed = { factors: 4, lambda: 0.1, lambdaBias: 0.1, damping: 20, biasDamping: 2 };
    await expect(tune(als, data, { fixed })).rejects.toThrow(/nothing left to search/);
  });
});

describe('tuned parameters file', () => {
  it('reads model and params, and names the file in errors', () => {
    expect(parseTunedParams('{"model":"als","params":{"factors":8},"cv":0.9}', 'a.json')).toEqual({
      model: 'als',
      params: { factors: 8 },
    });
    expect(() => parseTunedParams('{', 'a.json')).toThrow(/a\.json: not valid JSON/);
    expect(() => parseTunedParams('{"params":{}}', 'b.json')).toThrow(/b\.json: not a parameters file/);
    expect(() => parseTunedParams('{"model":"als","params":{"x":[1]}}', 'c.json')).toThrow(/parameter x/);
  });
});
