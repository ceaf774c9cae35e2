import { describe, expect, it } from 'vitest';
import type { ItemTag } from '../src/data/dataset.js';
import { IdMap } from '../src/data/id-map.js';
import { buildTagMatrix, inMemoryTags, type TagSource, tagMatrix } from '../src/data/tags.js';

describe('item tags', () => {
  const items = IdMap.from(['a', 'b', 'c', 'd']);
  const tags = new Map<string, ItemTag[]>([
    [
      'a',
      [
        { tag: 'x', weight: 2 },
        { tag: 'y', weight: 1 },
      ],
    ],
    [
      'b',
      [
        { tag: 'x', weight: 0.5 },
        { tag: 'q', weight: 0 },
      ],
    ],
    ['c', [{ tag: 'z', weight: 3 }]],
    ['e', [{ tag: 'w', weight: 1 }]],
  ]);
  const rows = (m: { tags: string[]; values: Float64Array }) =>
    Array.from({ length: m.values.length / m.tags.length }, (_, j) =>
      Array.from(m.values.subarray(j * m.tags.length, (j + 1) * m.tags.length)),
    );

  it('binary: 1 for each tag with a non-zero weight, a row of zeros for an untagged item', () => {
    const m = tagMatrix(items, tags, 'binary');
    // "w" only tags an item outside the id map, "q" has weight 0: neither is a column.
    expect(m.tags).toEqual(['x', 'y', 'z']);
    expect(m.items).toBe(4);
    expect(rows(m)).toEqual([
      [1, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
  });

  it('given: the weights as given', () => {
    expect(rows(tagMatrix(items, tags, 'given'))).toEqual([
      [2, 1, 0],
      [0.5, 0, 0],
      [0, 0, 3],
      [0, 0, 0],
    ]);
  });

  it('tfidf: weight × log(N / df), N the items with a tag (3 here, not d nor e)', () => {
    const m = rows(tagMatrix(items, tags, 'tfidf'));
    const expected = [
      [2 * Math.log(3 / 2), 1 * Math.log(3), 0],
      [0.5 * Math.log(3 / 2), 0, 0],
      [0, 0, 3 * Math.log(3)],
      [0, 0, 0],
    ];
    for (let j = 0; j < 4; j++) for (let t = 0; t < 3; t++) expect(m[j][t]).toBeCloseTo(expected[j][t], 12);
  });

  it('a tag every tagged item carries weighs nothing under tfidf', () => {
    const all = new Map([
      ['a', [{ tag: 'x', weight: 1 }]],
      ['b', [{ tag: 'x', weight: 1 }]],
    ]);
    expect(Array.from(tagMatrix(IdMap.from(['a', 'b']), all, 'tfidf').values)).toEqual([0, 0]);
  });

  it('merges sources in order, a later one overriding a weight, and waits for async sources', async () => {
    const posters: TagSource = {
      name: 'posters',
      tags: async (wanted) =>
        new Map(
          [...wanted.toArray()].filter((id) => id !== 'd').map((id) => [id, [{ tag: 'x', weight: 9 }]]),
        ),
    };
    const m = await buildTagMatrix(items, [inMemoryTags(tags, 'genres'), posters], 'given');
    expect(m.tags).toEqual(['x', 'y', 'z']);
    expect(rows(m)).toEqual([
      [9, 1, 0],
      [9, 0, 0],
      [9, 0, 3],
      [0, 0, 0],
    ]);
    expect(inMemoryTags(tags, 'genres').name).toBe('genres');
  });

  it('no sources, no columns; a bad weighting or weight is an error', async () => {
    const empty = await buildTagMatrix(items, []);
    expect(empty.tags).toEqual([]);
    expect(empty.values.length).toBe(0);
    // biome-ignore lint/suspicious/noExplicitAny: an invalid weighting on purpose, as untyped callers could pass
    expect(() => tagMatrix(items, tags, 'idf' as any)).toThrow(/binary, tfidf, given/);
    expect(() => tagMatrix(items, new Map([['a', [{ tag: 'x', weight: Number.NaN }]]]))).toThrow(
      /not a number/,
    );
  });
});
