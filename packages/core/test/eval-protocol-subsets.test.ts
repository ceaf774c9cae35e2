import { describe, expect, it } from 'vitest';
import { Interactions } from '../src/data/interactions.js';
import { seedTableSubsets } from '../src/eval/protocol-subsets.js';

// Training counts: a 3, b 1, c 2; items d and e never rated in training (cold start).
// Item indices in the shared map: a 0, b 1, c 2, e 3, d 4.
const train = Interactions.fromRows([
  ['u1', 'a', 4],
  ['u2', 'a', 3],
  ['u3', 'a', 5],
  ['u1', 'b', 2],
  ['u2', 'c', 1],
  ['u3', 'c', 4],
]);
const testRows: [string, string, number][] = [
  ['u1', 'e', 3], // 0: e, count 0, index 3
  ['u2', 'd', 4], // 1: d, count 0, index 4
  ['u3', 'b', 5], // 2: b, count 1
  ['u1', 'c', 2], // 3: c, count 2
  ['u2', 'a', 1], // 4: a, count 3
  ['u3', 'e', 4], // 5: e, count 0, index 3
  ['u2', 'b', 3], // 6: b, count 1
];
const test = Interactions.fromRows(testRows, { users: train.users, items: train.items });

describe('seedTableSubsets', () => {
  it('finds the whole set, the least rated and the cold-start ratings', () => {
    // order by (training count, item index, position): e@0, e@5, d@1, b@2, b@6, c@3, a@4
    const subsets = seedTableSubsets(train, test, 4);
    expect(Array.from(subsets.whole)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(subsets.leastRated)).toEqual([0, 1, 2, 5]);
    expect(Array.from(subsets.coldStart)).toEqual([0, 1, 5]);
  });

  it('breaks ties by item index, then by position', () => {
    // count 0 for e (index 3) and d (index 4): e@0 and e@5 come before d@1
    expect(Array.from(seedTableSubsets(train, test, 2).leastRated)).toEqual([0, 5]);
    // count 1 for b@2 and b@6: the earlier position wins
    expect(Array.from(seedTableSubsets(train, test, 4).leastRated)).toContain(2);
    expect(Array.from(seedTableSubsets(train, test, 4).leastRated)).not.toContain(6);
  });

  it('takes the whole test set when it is smaller than the least-rated size', () => {
    expect(Array.from(seedTableSubsets(train, test).leastRated)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('matches items by id when train and test have their own id maps', () => {
    const separate = Interactions.fromRows(testRows);
    const subsets = seedTableSubsets(train, separate, 4);
    // separate item indices: e 0, d 1, b 2, c 3, a 4; order e@0, e@5, d@1, b@2
    expect(Array.from(subsets.leastRated)).toEqual([0, 1, 2, 5]);
    expect(Array.from(subsets.coldStart)).toEqual([0, 1, 5]);
  });
});
