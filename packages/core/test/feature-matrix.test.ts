import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { readLibfm, writeLibfm } from '../src/io/libfm.js';
import { Rng } from '../src/math/rng.js';
import { fmParameters, fmPredictRow } from '../src/models/fm/fm-kernel.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-fm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Random sparse rows: each of `rows` rows takes a few of `features` features with values in (-2, 2). */
function randomMatrix(rng: Rng, rows: number, features: number): FeatureMatrix {
  const builder = new FeatureMatrixBuilder();
  for (let r = 0; r < rows; r++) {
    const chosen = [...new Set(Array.from({ length: 1 + rng.int(6) }, () => rng.int(features)))];
    builder.add(
      chosen,
      chosen.map(() => Math.fround(rng.uniform() * 4 - 2) || 1),
      Math.round(rng.uniform() * 40) / 10,
    );
  }
  return builder.build(features);
}

describe('FeatureMatrix', () => {
  it('stores rows sorted by feature, without zeros, and selects rows', () => {
    const builder = new FeatureMatrixBuilder();
    builder.add([4, 1, 2], [0.5, 1, 0], 3);
    builder.add([], [], 1);
    builder.add([0], [2], 0);
    const m = builder.build(6);
    expect([...m.indptr]).toEqual([0, 2, 2, 3]);
    expect([...m.indices]).toEqual([1, 4, 0]);
    expect([...m.values]).toEqual([1, 0.5, 2]);
    expect(m.features).toBe(6);
    const picked = m.select([2, 0]);
    expect([...picked.indptr]).toEqual([0, 1, 3]);
    expect([...picked.indices]).toEqual([0, 1, 4]);
    expect([...picked.target]).toEqual([0, 3]);
  });

  it('gives its column view, built once', () => {
    const b = new FeatureMatrixBuilder();
    b.add([0, 2], [1, 2], 1);
    b.add([1, 2, 3], [3, 4, 5], 2);
    const m = b.build(5);
    const cols = m.columns();
    expect([...cols.colptr]).toEqual([0, 1, 2, 4, 5, 5]);
    expect([...cols.rows]).toEqual([0, 1, 0, 1, 1]);
    expect([...cols.values]).toEqual([1, 3, 2, 4, 5]);
    expect(m.columns()).toBe(cols);
  });

  it('refuses a feature twice in a row, a negative one, or too few features', () => {
    const builder = new FeatureMatrixBuilder();
    expect(() => builder.add([1, 1], [1, 2], 0)).toThrow(/twice/);
    expect(() => builder.add([-1], [1], 0)).toThrow(/not an index/);
    builder.add([7], [1], 0);
    expect(() => builder.build(5)).toThrow(/beyond/);
    expect(
      () =>
        new FeatureMatrix(Int32Array.of(0, 1), Int32Array.of(3), Float32Array.of(1), Float64Array.of(0), 2),
    ).toThrow(/feature 3 of 2/);
  });
});

describe('libFM text format', () => {
  it('round-trips a matrix exactly', async () => {
    const m = randomMatrix(new Rng(3), 200, 50);
    const file = join(dir, 'random.libfm');
    await writeLibfm(file, m);
    const { matrix, skipped } = await readLibfm(file, { features: 50 });
    expect(skipped).toBe(0);
    expect(matrix).toEqual(m);
  });

  it('reads svmlight extras (qid, comments) and names the file and line of a malformed row', async () => {
    const good = join(dir, 'good.libfm');
    writeFileSync(good, '1 0:1 3:0.5 # a comment\n\n0 qid:7 2:1\n# only a comment\n');
    const { matrix } = await readLibfm(good);
    expect(matrix.rows).toBe(2);
    expect(matrix.features).toBe(4);
    expect([...matrix.indices]).toEqual([0, 3, 2]);
    const cases: [string, RegExp][] = [
      ['x 0:1', /:1: target "x" is not a number/],
      ['1 0:1 0:2', /:1: feature 0 is given twice/],
      ['1 a:1', /:1: feature "a" is not an index/],
      ['1 2:', /:1: value "" of feature 2 is not a number/],
      ['1 0:1\n1 5', /:2: "5" is not feature:value/],
    ];
    for (const [text, error] of cases) {
      const file = join(dir, 'bad.libfm');
      writeFileSync(file, `${text}\n`);
      await expect(readLibfm(file)).rejects.toThrow(error);
    }
    const file = join(dir, 'skip.libfm');
    writeFileSync(file, '1 0:1\nbad\n0 1:1\n');
    const read = await readLibfm(file, { skipBad: true });
    expect(read.skipped).toBe(1);
    expect(read.matrix.rows).toBe(2);
  });
});

describe('order-2 FM prediction', () => {
  it('equals the naive sum over pairs, O(k n²), on random inputs', () => {
    const rng = new Rng(5);
    const m = randomMatrix(rng, 100, 30);
    const p = fmParameters(30, 8);
    p.w0 = 0.3;
    p.w.forEach((_, i) => {
      p.w[i] = rng.normal();
    });
    p.v.forEach((_, i) => {
      p.v[i] = rng.normal() * 0.5;
    });
    const sums = new Float64Array(8);
    for (let r = 0; r < m.rows; r++) {
      let naive = p.w0;
      const begin = m.indptr[r];
      const end = m.indptr[r + 1];
      for (let a = begin; a < end; a++) {
        naive += p.w[m.indices[a]] * m.values[a];
        for (let b = a + 1; b < end; b++) {
          let dot = 0;
          for (let f = 0; f < 8; f++) dot += p.v[m.indices[a] * 8 + f] * p.v[m.indices[b] * 8 + f];
          naive += dot * m.values[a] * m.values[b];
        }
      }
      expect(fmPredictRow(p, m, r, sums)).toBeCloseTo(naive, 10);
      // sums_f = Σᵢ v_if xᵢ, what the gradient uses.
      for (let f = 0; f < 8; f++) {
        let s = 0;
        for (let e = begin; e < end; e++) s += p.v[m.indices[e] * 8 + f] * m.values[e];
        expect(sums[f]).toBeCloseTo(s, 12);
      }
    }
  });
});
