import { describe, expect, it } from 'vitest';
import { InteractionsBuilder } from '../src/data/interactions.js';
import { Rng } from '../src/math/rng.js';
import { eloUpdate, fitIrt, irtProbability } from '../src/models/binary/irt.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = Array.from(a).reduce((s, x) => s + x, 0) / n;
  const mb = Array.from(b).reduce((s, x) => s + x, 0) / n;
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Outcomes of `users` users on `items` items (each answered with probability 0.7) from planted parameters. */
function planted(seed: number, users: number, items: number, pl: 1 | 2) {
  const rng = new Rng(seed);
  const theta = Array.from({ length: users }, () => rng.normal());
  const d = Array.from({ length: items }, () => rng.normal());
  const a = Array.from({ length: items }, () => (pl === 2 ? 0.5 + 1.5 * rng.uniform() : 1));
  const builder = new InteractionsBuilder();
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.uniform() > 0.7) continue;
      builder.add(`u${u}`, `i${i}`, rng.uniform() < sigmoid(a[i] * (theta[u] - d[i])) ? 1 : 0);
    }
  }
  const data = builder.build();
  // Planted values in the data's index order.
  const byIndex = (ids: { idAt(k: number): string; size: number }, values: number[]) =>
    Array.from({ length: ids.size }, (_, k) => values[Number(ids.idAt(k).slice(1))]);
  return { data, theta: byIndex(data.users, theta), d: byIndex(data.items, d), a: byIndex(data.items, a) };
}

describe('item response theory', () => {
  it('1PL recovers planted abilities and difficulties, at a stationary point of the penalized likelihood', () => {
    const { data, theta, d } = planted(1, 400, 40, 1);
    const model = fitIrt(data, { pl: 1, lambda: 0.1, maxIterations: 200, tol: 1e-10 });
    expect(correlation(model.ability, theta)).toBeGreaterThan(0.9);
    expect(correlation(model.difficulty, d)).toBeGreaterThan(0.9);
    expect(model.iterations).toBeLessThan(200);
    // The penalized gradient vanishes in every ability.
    const g = new Float64Array(data.users.size);
    for (let t = 0; t < data.length; t++) {
      g[data.user[t]] += data.value[t] - irtProbability(model, data.user[t], data.item[t]);
    }
    for (let u = 0; u < g.length; u++) expect(g[u] - 0.1 * model.ability[u]).toBeCloseTo(0, 6);
  });

  it('2PL recovers planted discriminations as well', () => {
    const { data, theta, d, a } = planted(2, 800, 60, 2);
    const model = fitIrt(data, { pl: 2, lambda: 0.1, maxIterations: 500, tol: 1e-8 });
    expect(model.iterations).toBeLessThan(100);
    expect(correlation(model.ability, theta)).toBeGreaterThan(0.9);
    expect(correlation(model.difficulty, d)).toBeGreaterThan(0.9);
    expect(correlation(model.discrimination, a)).toBeGreaterThan(0.8);
  });

  it('an Elo update is θ += K(y − p), d −= K(y − p) with p = σ(θ − d)', () => {
    const ability = Float64Array.of(0.3, -1);
    const difficulty = Float64Array.of(0.5);
    const p = eloUpdate(ability, difficulty, 0, 0, 1, 0.4);
    expect(p).toBeCloseTo(sigmoid(0.3 - 0.5), 15);
    expect(ability[0]).toBeCloseTo(0.3 + 0.4 * (1 - p), 15);
    expect(difficulty[0]).toBeCloseTo(0.5 - 0.4 * (1 - p), 15);
    const before = difficulty[0];
    const q = eloUpdate(ability, difficulty, 1, 0, 0, 0.4);
    expect(q).toBeCloseTo(sigmoid(-1 - before), 15);
    expect(ability[1]).toBeCloseTo(-1 - 0.4 * q, 15);
    expect(difficulty[0]).toBeCloseTo(before + 0.4 * q, 15);
  });
});
