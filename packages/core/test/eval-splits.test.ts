import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Interactions } from '../src/data/interactions.js';
import {
  holdout,
  kfold,
  leaveKOut,
  loadSplits,
  type Split,
  saveSplits,
  splitsFromJson,
  splitsToJson,
  temporal,
} from '../src/eval/splits.js';

// 20 users; user u rates (u mod 7) + 1 items; times repeat every 13 ratings so some are equal.
function makeRows(): [string, string, number, number][] {
  const rows: [string, string, number, number][] = [];
  for (let u = 0; u < 20; u++) {
    for (let j = 0; j <= u % 7; j++)
      rows.push([`u${u}`, `i${(u * 3 + j) % 11}`, 1 + ((u + j) % 5), rows.length % 13]);
  }
  return rows;
}
const data = Interactions.fromRows(makeRows());
const n = data.length;

function expectPartition(split: Split): void {
  const test = Array.from(split.testPositions);
  const train = Array.from(split.trainPositions);
  expect(new Set(test).size).toBe(test.length);
  expect(test.filter((p) => train.includes(p))).toEqual([]);
  expect([...test, ...train].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, p) => p));
  expect(split.train.length + split.test.length).toBe(n);
  expect(split.train.users).toBe(data.users);
  expect(split.test.items).toBe(data.items);
  expect(Array.from(split.test.value)).toEqual(test.map((p) => data.value[p]));
}

describe('holdout', () => {
  it('puts round(fraction · n) ratings in test, disjoint from train', () => {
    const split = holdout(data, 0.2, 42);
    expect(split.test.length).toBe(Math.round(0.2 * n));
    expectPartition(split);
    expect(split.description).toEqual({ kind: 'holdout', fraction: 0.2, seed: 42, fold: 0 });
    expect(split.name).toBe('holdout 0.2 seed 42');
  });

  it('repeats for a seed and differs across seeds', () => {
    expect(holdout(data, 0.2, 42).testPositions).toEqual(holdout(data, 0.2, 42).testPositions);
    expect(holdout(data, 0.2, 42).testPositions).not.toEqual(holdout(data, 0.2, 43).testPositions);
  });

  it('rejects fractions outside (0, 1)', () => {
    expect(() => holdout(data, 1, 0)).toThrow(/strictly between 0 and 1/);
  });
});

describe('kfold', () => {
  it('puts each rating in exactly one test fold of ⌊n/k⌋ or ⌈n/k⌉ ratings', () => {
    const folds = kfold(data, 5, 3);
    expect(folds).toHaveLength(5);
    const times = new Int32Array(n);
    for (const fold of folds) {
      expectPartition(fold);
      expect(fold.test.length).toBeGreaterThanOrEqual(Math.floor(n / 5));
      expect(fold.test.length).toBeLessThanOrEqual(Math.ceil(n / 5));
      for (const p of fold.testPositions) times[p]++;
    }
    expect(times.every((t) => t === 1)).toBe(true);
    expect(folds.map((f) => f.description.fold)).toEqual([0, 1, 2, 3, 4]);
  });

  it('repeats for a seed and differs across seeds', () => {
    expect(kfold(data, 5, 3)[2].testPositions).toEqual(kfold(data, 5, 3)[2].testPositions);
    expect(kfold(data, 5, 3)[2].testPositions).not.toEqual(kfold(data, 5, 4)[2].testPositions);
  });

  it('needs 2 ≤ k ≤ n', () => {
    expect(() => kfold(data, 1, 0)).toThrow(/k must be an integer ≥ 2/);
    expect(() => kfold(data, n + 1, 0)).toThrow(/need at least/);
  });
});

describe('leaveKOut', () => {
  it('holds out k ratings of each user with more than k, none of the others', () => {
    const split = leaveKOut(data, 2, 5);
    expectPartition(split);
    const all = data.userCounts();
    const held = split.test.userCounts();
    const kept = split.train.userCounts();
    for (let u = 0; u < all.length; u++) {
      expect(held[u]).toBe(all[u] > 2 ? 2 : 0);
      expect(kept[u]).toBe(all[u] - held[u]);
    }
  });

  it('repeats for a seed and differs across seeds', () => {
    expect(leaveKOut(data, 2, 5).testPositions).toEqual(leaveKOut(data, 2, 5).testPositions);
    expect(leaveKOut(data, 2, 5).testPositions).not.toEqual(leaveKOut(data, 2, 6).testPositions);
  });
});

describe('temporal', () => {
  it('puts the latest ratings in test', () => {
    const split = temporal(data, 0.25);
    expectPartition(split);
    expect(split.test.length).toBe(Math.round(0.25 * n));
    const latestTrain = Math.max(...Array.from(split.train.time ?? []));
    const earliestTest = Math.min(...Array.from(split.test.time ?? []));
    expect(earliestTest).toBeGreaterThanOrEqual(latestTrain);
  });

  it('needs a time column', () => {
    const untimed = Interactions.fromRows([
      ['u', 'a', 1],
      ['u', 'b', 2],
    ]);
    expect(() => temporal(untimed, 0.5)).toThrow(/no time column/);
  });
});

describe('saving and loading splits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osusume-splits-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips every kind of split', async () => {
    const splits = [...kfold(data, 3, 9), holdout(data, 0.1, 1), leaveKOut(data, 1, 2), temporal(data, 0.3)];
    const file = join(dir, 'splits.json');
    await saveSplits(file, splits, data);
    const loaded = await loadSplits(file, data);
    expect(loaded.map((s) => s.description)).toEqual(splits.map((s) => s.description));
    expect(loaded.map((s) => s.name)).toEqual(splits.map((s) => s.name));
    for (let s = 0; s < splits.length; s++) {
      expect(loaded[s].testPositions).toEqual(splits[s].testPositions);
      expect(loaded[s].train.value).toEqual(splits[s].train.value);
      expect(loaded[s].fingerprint).toBe(data.fingerprint());
    }
    const json = JSON.parse(await readFile(file, 'utf8'));
    expect(json).toMatchObject({ format: 'osusume-splits', version: 1, ratings: n });
    expect(json.splits[0].test).toEqual(Array.from(splits[0].testPositions));
  });

  it('refuses splits saved from other data', async () => {
    const file = join(dir, 'changed.json');
    await saveSplits(file, [holdout(data, 0.2, 1)], data);
    const rows = makeRows();
    rows[0][2] = 5 - rows[0][2];
    const changed = Interactions.fromRows(rows);
    await expect(loadSplits(file, changed)).rejects.toThrow(
      /saved from other data .* the ratings changed since/,
    );
    await expect(saveSplits(file, [holdout(data, 0.2, 1)], changed)).rejects.toThrow(/other data/);
  });

  it('refuses malformed files with a message naming the file', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{ not json');
    await expect(loadSplits(file, data)).rejects.toThrow(/bad\.json: not valid JSON/);
    await writeFile(file, '{"format": "something-else"}');
    await expect(loadSplits(file, data)).rejects.toThrow(/not an osusume splits file/);

    const good = splitsToJson([holdout(data, 0.2, 1)], data);
    const tamper = (change: (entry: Record<string, unknown>) => void): unknown => {
      const copy = structuredClone(good) as unknown as { splits: Record<string, unknown>[] };
      change(copy.splits[0]);
      return copy;
    };
    expect(() =>
      splitsFromJson(
        tamper((e) => (e.test = [3, 1])),
        data,
      ),
    ).toThrow(/not strictly ascending/);
    expect(() =>
      splitsFromJson(
        tamper((e) => (e.test = [n])),
        data,
      ),
    ).toThrow(/not an index into/);
    expect(() =>
      splitsFromJson(
        tamper((e) => (e.test = [0.5])),
        data,
      ),
    ).toThrow(/not an index into/);
    expect(() =>
      splitsFromJson(
        tamper((e) => (e.kind = 'random')),
        data,
      ),
    ).toThrow(/unknown kind "random"/);
    expect(() =>
      splitsFromJson(
        tamper((e) => delete e.seed),
        data,
      ),
    ).toThrow(/split 0: a holdout needs/);
    expect(() => splitsFromJson({ ...good, version: 2 }, data)).toThrow(/version 2/);
  });
});
