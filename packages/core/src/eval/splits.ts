import { readFile } from 'node:fs/promises';
import type { Fold } from '../data/dataset.js';
import type { Interactions } from '../data/interactions.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { Rng } from '../math/rng.js';

/**
 * Train/test splits of one Interactions. A split *is* its test positions (indices into the source,
 * ascending) plus a description of how they were drawn; train is the complement. Both sides are built
 * with `subset`, so they share the source's id maps. Splits are seeded, and `saveSplits` / `loadSplits`
 * keep them on disk as positions, checked against the source's fingerprint on reload, so a comparison
 * run later (or on another machine, or after a change to the generator) uses the very same folds.
 */

export type SplitKind = 'holdout' | 'kfold' | 'leave-k-out' | 'temporal';

export interface SplitDescription {
  kind: SplitKind;
  /** holdout, temporal: the fraction of ratings in test. */
  fraction?: number;
  /** kfold: the number of folds; leave-k-out: the ratings held out per user. */
  k?: number;
  /** The seed of every kind but temporal. */
  seed?: number;
  /** kfold: this split's fold, 0..k-1; 0 for the other kinds. */
  fold: number;
}

const fingerprints = new WeakMap<Interactions, string>();

/** `data.fingerprint()`, computed once per Interactions (they are immutable). */
function fingerprintOf(data: Interactions): string {
  let print = fingerprints.get(data);
  if (print === undefined) {
    print = data.fingerprint();
    fingerprints.set(data, print);
  }
  return print;
}

/** What is wrong with a list of positions into `n` ratings (integers, in range, strictly ascending), if anything. */
function positionsProblem(positions: ArrayLike<unknown>, n: number): string | undefined {
  let previous = -1;
  for (let t = 0; t < positions.length; t++) {
    const p = positions[t];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= n) {
      return `test position ${String(p)} (entry ${t}) is not an index into ${n} ratings`;
    }
    if (p <= previous) {
      return `test positions are not strictly ascending at entry ${t} (${previous}, then ${p})`;
    }
    previous = p;
  }
  return undefined;
}

/** One train/test split of `source`. It has the shape of a reader's `Fold`, so evaluators take either. */
export class Split implements Fold {
  readonly source: Interactions;
  readonly description: Readonly<SplitDescription>;
  /** Positions of the test ratings in `source`, ascending. */
  readonly testPositions: Int32Array;
  private trainSide: Interactions | undefined;
  private testSide: Interactions | undefined;
  private complement: Int32Array | undefined;

  constructor(source: Interactions, description: SplitDescription, testPositions: Int32Array) {
    const problem = positionsProblem(testPositions, source.length);
    if (problem) throw new Error(`Split: ${problem}`);
    this.source = source;
    this.description = Object.freeze({ ...description });
    this.testPositions = testPositions;
  }

  /** A short label for tables and logs, e.g. "kfold 5 seed 42 fold 2". */
  get name(): string {
    const { kind, fraction, k, seed, fold } = this.description;
    switch (kind) {
      case 'holdout':
        return `holdout ${fraction} seed ${seed}`;
      case 'kfold':
        return `kfold ${k} seed ${seed} fold ${fold + 1}`;
      case 'leave-k-out':
        return `leave-${k}-out seed ${seed}`;
    }
    return `temporal ${fraction}`;
  }

  /** The source's fingerprint (`Interactions.fingerprint()`), which a saved split is checked against. */
  get fingerprint(): string {
    return fingerprintOf(this.source);
  }

  /** Positions of the training ratings in `source`, ascending. */
  get trainPositions(): Int32Array {
    if (!this.complement) {
      const inTest = new Uint8Array(this.source.length);
      for (const p of this.testPositions) inTest[p] = 1;
      const train = new Int32Array(this.source.length - this.testPositions.length);
      let n = 0;
      for (let p = 0; p < inTest.length; p++) if (!inTest[p]) train[n++] = p;
      this.complement = train;
    }
    return this.complement;
  }

  get train(): Interactions {
    this.trainSide ??= this.source.subset(this.trainPositions);
    return this.trainSide;
  }

  get test(): Interactions {
    this.testSide ??= this.source.subset(this.testPositions);
    return this.testSide;
  }
}

function checkFraction(fraction: number, split: string): void {
  if (!(fraction > 0 && fraction < 1)) {
    throw new Error(`${split}: the test fraction must lie strictly between 0 and 1, not ${fraction}`);
  }
}

function checkSeed(seed: number, split: string): void {
  if (!Number.isInteger(seed)) throw new Error(`${split}: the seed must be an integer, not ${seed}`);
}

/** Sorts in place and returns the positions, so every split lists its test ratings in source order. */
function ascending(positions: Int32Array): Int32Array {
  return positions.sort();
}

/** A random hold-out: round(fraction · n) ratings drawn uniformly without replacement go to test. */
export function holdout(data: Interactions, fraction: number, seed = 0): Split {
  checkFraction(fraction, 'holdout');
  checkSeed(seed, 'holdout');
  const order = new Rng(seed).permutation(data.length);
  const test = ascending(order.slice(0, Math.round(fraction * data.length)));
  return new Split(data, { kind: 'holdout', fraction, seed, fold: 0 }, test);
}

/**
 * k-fold cross-validation: the ratings in a random order are cut into k contiguous folds of ⌊n/k⌋ or
 * ⌈n/k⌉ ratings; split f tests on fold f and trains on the others. Each rating is in exactly one test fold.
 */
export function kfold(data: Interactions, k: number, seed = 0): Split[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`kfold: k must be an integer ≥ 2, not ${k}`);
  if (k > data.length)
    throw new Error(`kfold: ${k} folds need at least ${k} ratings; the data has ${data.length}`);
  checkSeed(seed, 'kfold');
  const order = new Rng(seed).permutation(data.length);
  const splits: Split[] = [];
  for (let fold = 0; fold < k; fold++) {
    const start = Math.floor((fold * data.length) / k);
    const end = Math.floor(((fold + 1) * data.length) / k);
    splits.push(new Split(data, { kind: 'kfold', k, seed, fold }, ascending(order.slice(start, end))));
  }
  return splits;
}

/**
 * Per-user leave-k-out: k ratings of each user, drawn uniformly, go to test. Users with k ratings or
 * fewer keep them all in train (they would otherwise have nothing to learn from).
 */
export function leaveKOut(data: Interactions, k: number, seed = 0): Split {
  if (!Number.isInteger(k) || k < 1) throw new Error(`leaveKOut: k must be a positive integer, not ${k}`);
  checkSeed(seed, 'leaveKOut');
  const rng = new Rng(seed);
  const byUser = data.byUser();
  const picked: number[] = [];
  for (let u = 0; u < byUser.rows; u++) {
    const start = byUser.indptr[u];
    const count = byUser.indptr[u + 1] - start;
    if (count <= k) continue;
    // A partial Fisher–Yates shuffle of the user's row: its first k entries are a uniform k-subset.
    const row = byUser.source.slice(start, start + count);
    for (let j = 0; j < k; j++) {
      const r = j + rng.int(count - j);
      const swap = row[j];
      row[j] = row[r];
      row[r] = swap;
      picked.push(row[j]);
    }
  }
  return new Split(data, { kind: 'leave-k-out', k, seed, fold: 0 }, ascending(Int32Array.from(picked)));
}

/**
 * A temporal split: the latest round(fraction · n) ratings by `time` go to test, the rest to train, so
 * every test rating is at least as late as every training rating. Equal times are ordered by position
 * (the later position counts as later). Needs the data's time column.
 */
export function temporal(data: Interactions, fraction: number): Split {
  checkFraction(fraction, 'temporal');
  const time = data.time;
  if (!time) {
    throw new Error(
      'temporal: the data has no time column; use a reader that keeps timestamps, or a random split (holdout, kfold)',
    );
  }
  const n = data.length;
  const order = new Int32Array(n);
  for (let p = 0; p < n; p++) order[p] = p;
  order.sort((a, b) => time[a] - time[b] || a - b);
  const test = ascending(order.slice(n - Math.round(fraction * n)));
  return new Split(data, { kind: 'temporal', fraction, fold: 0 }, test);
}

// ---------------------------------------------------------------------------------------------------
// Saving and reloading

const FORMAT = 'osusume-splits';
const VERSION = 1;

/** The JSON form of saved splits. */
export interface SplitsFile {
  format: typeof FORMAT;
  version: typeof VERSION;
  /** `Interactions.fingerprint()` of the data the splits index into. */
  fingerprint: string;
  /** Number of ratings in that data. */
  ratings: number;
  splits: (SplitDescription & { test: number[] })[];
}

function checkSource(splits: readonly Split[], data: Interactions): void {
  for (const split of splits) {
    if (split.source !== data && split.fingerprint !== fingerprintOf(data)) {
      throw new Error(`saveSplits: split "${split.name}" was drawn from other data than the data given`);
    }
  }
}

function entryOf(split: Split): SplitsFile['splits'][number] {
  return { ...split.description, test: Array.from(split.testPositions) };
}

/** The JSON form of `splits` of `data`. */
export function splitsToJson(splits: readonly Split[], data: Interactions): SplitsFile {
  checkSource(splits, data);
  return {
    format: FORMAT,
    version: VERSION,
    fingerprint: fingerprintOf(data),
    ratings: data.length,
    splits: splits.map(entryOf),
  };
}

/**
 * Writes `splits` of `data` as JSON to `file`, atomically (`writeFileAtomic`).
 * One split per line, its test positions as an array.
 */
export async function saveSplits(file: string, splits: readonly Split[], data: Interactions): Promise<void> {
  const { splits: entries, ...header } = splitsToJson(splits, data);
  const head = JSON.stringify(header, null, 2).slice(0, -2);
  const body = entries.map((entry) => `    ${JSON.stringify(entry)}`).join(',\n');
  const text = `${head},\n  "splits": [\n${body}\n  ]\n}\n`;
  await writeFileAtomic(file, text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const KINDS: readonly SplitKind[] = ['holdout', 'kfold', 'leave-k-out', 'temporal'];

/** The description of a saved split, or what is wrong with it. */
function descriptionOf(entry: Record<string, unknown>): SplitDescription | string {
  const { kind, fraction, k, seed, fold } = entry;
  if (!KINDS.includes(kind as SplitKind))
    return `unknown kind ${JSON.stringify(kind)} (expected ${KINDS.join(', ')})`;
  const isFraction = typeof fraction === 'number' && fraction > 0 && fraction < 1;
  const isSeed = typeof seed === 'number' && Number.isInteger(seed);
  const isCount = typeof k === 'number' && Number.isInteger(k) && k >= 1;
  const isFold = typeof fold === 'number' && Number.isInteger(fold) && fold >= 0;
  if (!isFold) return `fold ${JSON.stringify(fold)} is not a non-negative integer`;
  switch (kind as SplitKind) {
    case 'holdout':
      if (!isFraction || !isSeed) return 'a holdout needs a fraction in (0, 1) and an integer seed';
      return { kind: 'holdout', fraction: fraction as number, seed: seed as number, fold: fold as number };
    case 'kfold':
      if (!isCount || (k as number) < 2 || !isSeed || (fold as number) >= (k as number)) {
        return 'a kfold split needs an integer k ≥ 2, an integer seed and a fold in 0..k-1';
      }
      return { kind: 'kfold', k: k as number, seed: seed as number, fold: fold as number };
    case 'leave-k-out':
      if (!isCount || !isSeed) return 'a leave-k-out split needs a positive integer k and an integer seed';
      return { kind: 'leave-k-out', k: k as number, seed: seed as number, fold: fold as number };
    case 'temporal':
      if (!isFraction) return 'a temporal split needs a fraction in (0, 1)';
      return { kind: 'temporal', fraction: fraction as number, fold: fold as number };
  }
}

/**
 * Rebuilds splits of `data` from their JSON form. Throws, naming `origin`, when the JSON is not a splits
 * file, or when it was saved from other data (the fingerprint differs: the ratings changed since).
 */
export function splitsFromJson(json: unknown, data: Interactions, origin = 'splits'): Split[] {
  const fail = (problem: string): never => {
    throw new Error(`${origin}: ${problem}`);
  };
  if (!isRecord(json) || json.format !== FORMAT)
    fail(`not an osusume splits file (no "format": "${FORMAT}")`);
  const file = json as Record<string, unknown>;
  if (file.version !== VERSION) {
    fail(`splits file version ${JSON.stringify(file.version)}; this osusume reads version ${VERSION}`);
  }
  if (typeof file.fingerprint !== 'string') fail('the "fingerprint" is missing');
  const expected = fingerprintOf(data);
  if (file.fingerprint !== expected) {
    fail(
      `the splits were saved from other data (${String(file.ratings)} ratings, fingerprint ${file.fingerprint}) than ` +
        `the data given (${data.length} ratings, fingerprint ${expected}); the ratings changed since — ` +
        'make new splits for this data',
    );
  }
  if (!Array.isArray(file.splits)) fail('the "splits" array is missing');
  return (file.splits as unknown[]).map((entry, at) => {
    if (!isRecord(entry)) return fail(`split ${at} is not an object`);
    const description = descriptionOf(entry);
    if (typeof description === 'string') return fail(`split ${at}: ${description}`);
    if (!Array.isArray(entry.test)) return fail(`split ${at}: the "test" positions are missing`);
    const problem = positionsProblem(entry.test, data.length);
    if (problem) return fail(`split ${at}: ${problem}`);
    return new Split(data, description, Int32Array.from(entry.test as number[]));
  });
}

/** Reads splits saved by `saveSplits` and rebuilds them on `data`; see `splitsFromJson` for the checks. */
export async function loadSplits(file: string, data: Interactions): Promise<Split[]> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return splitsFromJson(json, data, file);
}
