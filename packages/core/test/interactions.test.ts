import { describe, expect, it } from 'vitest';
import { Interactions } from '../src/data/interactions.js';

describe('Interactions', () => {
  const data = Interactions.fromRows([
    ['alice', 'x', 4],
    ['bob', 'y', 2],
    ['alice', 'z', 5],
    ['carol', 'x', 1],
    ['alice', 'y', 3],
  ]);

  it('maps string ids to dense indices in order of appearance', () => {
    expect(data.users.toArray()).toEqual(['alice', 'bob', 'carol']);
    expect(data.items.toArray()).toEqual(['x', 'y', 'z']);
    expect(Array.from(data.user)).toEqual([0, 1, 0, 2, 0]);
  });

  it('builds a CSR view by user with sorted columns and source positions', () => {
    const csr = data.byUser();
    expect(Array.from(csr.indptr)).toEqual([0, 3, 4, 5]);
    expect(Array.from(csr.indices)).toEqual([0, 1, 2, 1, 0]);
    expect(Array.from(csr.values)).toEqual([4, 3, 5, 2, 1]);
    expect(Array.from(csr.source)).toEqual([0, 4, 2, 1, 3]);
  });

  it('builds a CSC view by item', () => {
    const csc = data.byItem();
    expect(Array.from(csc.indptr)).toEqual([0, 2, 4, 5]);
    expect(Array.from(csc.indices)).toEqual([0, 2, 0, 1, 0]);
    expect(Array.from(csc.values)).toEqual([4, 1, 3, 2, 5]);
  });

  it('takes subsets that share the id maps', () => {
    const part = data.subset([1, 3]);
    expect(part.users).toBe(data.users);
    expect(part.length).toBe(2);
    expect(Array.from(part.value)).toEqual([2, 1]);
    expect(part.byUser().indptr.length).toBe(4);
  });

  it('gives the same fingerprint for the same triplets and another for other values', () => {
    const again = Interactions.fromRows([
      ['alice', 'x', 4],
      ['bob', 'y', 2],
      ['alice', 'z', 5],
      ['carol', 'x', 1],
      ['alice', 'y', 3],
    ]);
    expect(again.fingerprint()).toBe(data.fingerprint());
    expect(Interactions.fromRows([['alice', 'x', 5]]).fingerprint()).not.toBe(data.fingerprint());
  });

  it('rejects columns of different lengths', () => {
    expect(
      () =>
        new Interactions({
          users: data.users,
          items: data.items,
          user: new Int32Array(2),
          item: new Int32Array(1),
          value: new Float64Array(2),
        }),
    ).toThrow(/differ in length/);
  });
});
