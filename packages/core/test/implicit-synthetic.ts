import { IdMap } from '../src/data/id-map.js';
import { Interactions } from '../src/data/interactions.js';
import { Rng } from '../src/math/rng.js';

/**
 * Implicit data with planted structure: users and items fall into `groups` taste groups; a user
 * interacts with an item of their own group with probability `inside`, with any other item with
 * probability `outside`. Each user's interactions are split at random into training (weight 1) and
 * `heldOut` test positives per user.
 */
export function plantedImplicit(options: {
  users: number;
  items: number;
  groups: number;
  inside: number;
  outside: number;
  heldOut: number;
  seed?: number;
}): { train: Interactions; test: Interactions } {
  const rng = new Rng(options.seed ?? 11);
  const train: [string, string, number][] = [];
  const test: [string, string, number][] = [];
  for (let u = 0; u < options.users; u++) {
    const seen: number[] = [];
    for (let i = 0; i < options.items; i++) {
      const same = u % options.groups === i % options.groups;
      if (rng.uniform() < (same ? options.inside : options.outside)) seen.push(i);
    }
    const held = new Set<number>();
    while (held.size < Math.min(options.heldOut, seen.length - 1)) held.add(seen[rng.int(seen.length)]);
    for (const i of seen) (held.has(i) ? test : train).push([`u${u}`, `i${i}`, 1]);
  }
  // Every user and item in the maps up front, so the test split adds none the model has not seen.
  const maps = {
    users: IdMap.from(Array.from({ length: options.users }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: options.items }, (_, i) => `i${i}`)),
  };
  return { train: Interactions.fromRows(train, maps), test: Interactions.fromRows(test, maps) };
}

/**
 * The AUC of held-out positives: over test pairs (u, i) and items j the user never touched in training
 * or test, the share of pairs where i scores above j (ties count half). Random scores give 0.5.
 */
export function heldOutAuc(
  model: { scores(user: string): ArrayLike<number> },
  train: Interactions,
  test: Interactions,
): number {
  const trainRows = train.byUser();
  const testRows = test.byUser();
  let above = 0;
  let pairs = 0;
  for (let u = 0; u < train.users.size; u++) {
    const positives = testRows.indices.subarray(testRows.indptr[u], testRows.indptr[u + 1]);
    if (positives.length === 0) continue;
    const touched = new Set([
      ...trainRows.indices.subarray(trainRows.indptr[u], trainRows.indptr[u + 1]),
      ...positives,
    ]);
    const scores = Array.from(model.scores(train.users.idAt(u)));
    for (const i of positives) {
      for (let j = 0; j < train.items.size; j++) {
        if (touched.has(j)) continue;
        pairs++;
        if (scores[i] > scores[j]) above++;
        else if (scores[i] === scores[j]) above += 0.5;
      }
    }
  }
  return above / pairs;
}
