import type { Fold } from '../data/dataset.js';
import type { Interactions } from '../data/interactions.js';
import { Rng } from '../math/rng.js';
import { PositiveRule } from './relevance.js';

/** Which of a user's positives are held out: the latest by time, or a seeded random draw. */
export type RankOrder = 'recent' | 'random';

export interface RankSplitOptions {
  order: RankOrder;
  /** A whole number N ≥ 1: N positives per user; a fraction F in (0, 1): round(F · positives), at least 1. */
  amount: number;
  /** The seed of a random draw (ignored for `recent`). */
  seed?: number;
}

/** A ranking split: each evaluated user's held-out positives in test, everything else in train. */
export interface RankFold extends Fold {
  /** Users with held-out positives. */
  users: number;
  /** Users who rated something but were left out: too few positives, or nothing would stay in training. */
  skippedUsers: number;
}

/**
 * Holds out, per user, some of their positives (see `PositiveRule`) for a top-k evaluation: the `amount`
 * most recent ones by time (equal times: the later row counts as later), or `amount` drawn at random.
 * All of the user's other ratings, positive or not, stay in training. A user is evaluated only when
 * they have at least as many positives as are held out and keep at least one rating in training; the
 * others keep all their ratings in training and are counted in `skippedUsers`.
 */
export function rankSplit(data: Interactions, options: RankSplitOptions): RankFold {
  const { order, amount } = options;
  if (!(Number.isInteger(amount) ? amount >= 1 : amount > 0 && amount < 1)) {
    throw new Error(
      `rankSplit: hold out a whole number ≥ 1 or a fraction in (0, 1) of positives, not ${amount}`,
    );
  }
  const time = data.time;
  if (order === 'recent' && !time) {
    throw new Error('rank:recent needs the data’s time column; use rank:random:N on data without timestamps');
  }
  const rng = new Rng(options.seed ?? 0);
  const rule = new PositiveRule([data]);
  const byUser = data.byUser();
  const inTest = new Uint8Array(data.length);
  let users = 0;
  let skippedUsers = 0;
  for (let u = 0; u < byUser.rows; u++) {
    const start = byUser.indptr[u];
    const end = byUser.indptr[u + 1];
    if (end === start) continue;
    const positives: number[] = [];
    for (let e = start; e < end; e++) {
      const p = byUser.source[e];
      if (rule.isPositive(u, data.value[p])) positives.push(p);
    }
    const held = Number.isInteger(amount) ? amount : Math.max(1, Math.round(amount * positives.length));
    if (positives.length < held || end - start <= held) {
      skippedUsers++;
      continue;
    }
    if (order === 'recent' && time) {
      positives.sort((a, b) => time[b] - time[a] || b - a);
    } else {
      // A partial Fisher–Yates shuffle: the first `held` entries are a uniform draw.
      for (let j = 0; j < held; j++) {
        const r = j + rng.int(positives.length - j);
        [positives[j], positives[r]] = [positives[r], positives[j]];
      }
    }
    for (let j = 0; j < held; j++) inTest[positives[j]] = 1;
    users++;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let p = 0; p < data.length; p++) (inTest[p] ? test : train).push(p);
  const name = `rank ${order} ${amount}${order === 'random' ? ` seed ${options.seed ?? 0}` : ''}`;
  return { name, train: data.subset(train), test: data.subset(test), users, skippedUsers };
}
