import { describe, expect, it } from 'vitest';
import { type FeatureMatrix, FeatureMatrixBuilder } from '../src/data/feature-matrix.js';
import { Rng } from '../src/math/rng.js';
import { fmGroups } from '../src/models/fm/fm-mcmc.js';
import { FactorDraws } from '../src/models/fm/fm-mcmc-draws.js';

/** One Gibbs pass over factor f, written plainly from the formulas: what the kernels must compute. */
function referencePass(
  m: FeatureMatrix,
  vt: Float64Array,
  e: Float64Array,
  f: number,
  k: number,
  alpha: number,
  groupOf: Int32Array,
  mu: Float64Array,
  lambda: Float64Array,
  noise: Float64Array,
  scale: Float64Array,
): void {
  const p = m.features;
  const cols = m.columns();
  for (let i = 0; i < p; i++) {
    const old = vt[f * p + i];
    let hh = 0;
    let eh = 0;
    const hs: number[] = [];
    for (let t = cols.colptr[i]; t < cols.colptr[i + 1]; t++) {
      const r = cols.rows[t];
      // h = x_i Σ_{j≠i} v_jf x_j over the row's other features.
      let others = 0;
      for (let s = m.indptr[r]; s < m.indptr[r + 1]; s++) {
        if (m.indices[s] !== i) others += vt[f * p + m.indices[s]] * m.values[s];
      }
      const h = cols.values[t] * others;
      hs.push(h);
      hh += scale[r] * h * h;
      eh += scale[r] * e[r] * h;
    }
    const g = groupOf[i] * k + f;
    const precision = alpha * hh + lambda[g];
    const next = (alpha * (eh + old * hh) + mu[g] * lambda[g]) / precision + noise[i] / Math.sqrt(precision);
    vt[f * p + i] = next;
    let at = 0;
    for (let t = cols.colptr[i]; t < cols.colptr[i + 1]; t++) e[cols.rows[t]] -= (next - old) * hs[at++];
  }
}

function check(m: FeatureMatrix): void {
  const k = 3;
  const rng = new Rng(9);
  const { groupOf, groups } = fmGroups(m);
  const draws = new FactorDraws(m, groupOf, groups, k);
  for (let i = 0; i < draws.vt.length; i++) draws.vt[i] = rng.normal();
  for (let r = 0; r < draws.e.length; r++) {
    draws.e[r] = rng.normal();
    draws.scale[r] = 0.5 + rng.uniform();
  }
  for (let g = 0; g < draws.mu.length; g++) {
    draws.mu[g] = 0.1 * rng.normal();
    draws.lambda[g] = 1 + rng.uniform();
  }
  const vt = draws.vt.slice();
  const e = draws.e.slice();
  for (let f = 0; f < k; f++) {
    for (let i = 0; i < draws.noise.length; i++) draws.noise[i] = rng.normal();
    referencePass(m, vt, e, f, k, 1.7, groupOf, draws.mu, draws.lambda, draws.noise, draws.scale);
    draws.draw(f, 1.7);
  }
  for (let i = 0; i < vt.length; i++) expect(draws.vt[i]).toBeCloseTo(vt[i], 10);
  for (let r = 0; r < e.length; r++) expect(draws.e[r]).toBeCloseTo(e[r], 10);
}

describe('Bayesian FM factor draws in WebAssembly', () => {
  it('match the formulas on rows of two ones (the partner kernel)', () => {
    const rng = new Rng(1);
    const builder = new FeatureMatrixBuilder();
    for (let r = 0; r < 60; r++) builder.add([rng.int(6), 6 + rng.int(5)], [1, 1], rng.normal());
    check(
      builder.build(11, [
        { name: 'user', offset: 0, size: 6 },
        { name: 'item', offset: 6, size: 5 },
      ]),
    );
  });

  it('match the formulas on any rows (the q kernel): weighted values, three or more per row', () => {
    const rng = new Rng(2);
    const builder = new FeatureMatrixBuilder();
    for (let r = 0; r < 60; r++) {
      const features = [rng.int(4), 4 + rng.int(4), 8 + rng.int(3), 11];
      builder.add(features, [1, 1, 0.5 + rng.uniform(), 2 * rng.normal()], rng.normal());
    }
    check(builder.build(12));
  });
});
