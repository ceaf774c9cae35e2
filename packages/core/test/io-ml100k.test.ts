import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/io/data-error.js';
import { readMl100k } from '../src/io/ml100k.js';
import { triplets, useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

// A synthetic folder in the MovieLens 100k layout: three genres, three items, two folds.
const GENRES = 'unknown|0\nAction|1\nComedy|2\n\n';
const DATA = '1\t10\t4\t881250949\n2\t10\t3\t881250950\n1\t20\t5\t881250951\n3\t30\t1\t881250952\n';
const ITEMS = Buffer.concat([
  Buffer.from(
    '10|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n20|GoldenEye (1995)|01-Jan-1995||http://y|0|1|0\n',
  ),
  // "Misérables" in latin-1, the encoding of the original u.item
  Buffer.from([0x33, 0x30, 0x7c, 0x4d, 0x69, 0x73, 0xe9, 0x72, 0x61, 0x62, 0x6c, 0x65, 0x73]),
  Buffer.from('|||http://z|1|1|1\n'),
]);

function folder(overrides: Record<string, string | Buffer> = {}): string {
  return fixture({
    'u.genre': GENRES,
    'u.data': DATA,
    'u.item': ITEMS,
    'u1.base': '1\t10\t4\t881250949\n2\t10\t3\t881250950\n',
    'u1.test': '1\t20\t5\t881250951\n3\t30\t1\t881250952\n',
    'u2.base': '1\t20\t5\t881250951\n3\t30\t1\t881250952\n',
    'u2.test': '1\t10\t4\t881250949\n2\t10\t3\t881250950\n',
    ...overrides,
  });
}

describe('readMl100k', () => {
  it('reads ratings with time, titles, genres as tags, and the folds over the same id maps', async () => {
    const dir = folder();
    const data = await readMl100k(dir);
    expect(data).toMatchObject({ kind: 'ml100k', source: dir, scale: { min: 1, max: 5 }, skipped: 0 });
    expect(triplets(data.ratings)).toEqual([
      ['1', '10', 4],
      ['2', '10', 3],
      ['1', '20', 5],
      ['3', '30', 1],
    ]);
    expect(Array.from(data.ratings.time ?? [])).toEqual([881250949, 881250950, 881250951, 881250952]);
    expect(data.items.get('10')).toEqual({
      title: 'Toy Story (1995)',
      genres: ['Comedy'],
      released: '01-Jan-1995',
    });
    expect(data.items.get('30')).toEqual({ title: 'Misérables', genres: ['unknown', 'Action', 'Comedy'] });
    expect(data.tags?.get('20')).toEqual([{ tag: 'Action', weight: 1 }]);
    expect(data.folds?.map((f) => [f.name, f.train.length, f.test.length])).toEqual([
      ['u1', 2, 2],
      ['u2', 2, 2],
    ]);
    const [u1] = data.folds ?? [];
    expect(u1.train.users).toBe(data.ratings.users);
    expect(u1.test.items).toBe(data.ratings.items);
    // Item 20 is index 1 in u.data's order, even though u1.base never mentions it.
    expect(Array.from(u1.test.item)).toEqual([1, 2]);
    expect(data.ratings.users.size).toBe(3);
  });

  it('reads a UTF-8 re-encoded u.item too', async () => {
    const dir = folder({ 'u.item': '30|Misérables|||http://z|1|1|1\n' });
    expect((await readMl100k(dir, { folds: false })).items.get('30')?.title).toBe('Misérables');
  });

  it('leaves folds out when asked or when the folder has none', async () => {
    expect((await readMl100k(folder(), { folds: false })).folds).toBeUndefined();
    const bare = fixture({ 'u.genre': GENRES, 'u.data': DATA, 'u.item': ITEMS });
    expect((await readMl100k(bare)).folds).toBeUndefined();
  });

  it.each([
    ['u.data', '1\t10\t4\t881250949\n1\t20\t5\n', 2, 'expected 4 fields separated by tab, found 3'],
    ['u.data', '1\t10\tfour\t881250949\n', 1, 'rating "four" is not a number'],
    ['u.data', '1\t10\t6\t881250949\n', 1, 'rating 6 is outside 1..5'],
    ['u.data', '\t10\t4\t881250949\n', 1, 'empty user id'],
    ['u.item', '10|Toy Story|||x|0|1\n', 1, 'expected 8 fields separated by "|" (5 + 3 genres), found 7'],
    ['u.item', '10|Toy Story|||x|0|1|2\n', 1, 'genre flag "2" for Comedy is not 0 or 1'],
    ['u.genre', 'Action|1\nunknown|x\n', 2, 'genre index "x" is not a non-negative integer'],
    ['u1.test', '1\t10\t4\t881250949\n\n1\t10\t4\t8812x\n', 3, 'time "8812x" is not a number'],
  ])('rejects a malformed %s: line %i', async (name, text, line, reason) => {
    const dir = folder({ [name]: text });
    const error = await readMl100k(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error).toMatchObject({ file: join(dir, name), line, reason });
  });

  it('skips and counts malformed lines in every file with skipBad', async () => {
    const dir = folder({
      'u.data': `${DATA}1\t10\n`,
      'u.item': Buffer.concat([ITEMS, Buffer.from('40|bad\n')]),
      'u1.test': '1\t20\t5\t881250951\nx\n',
    });
    const data = await readMl100k(dir, { skipBad: true });
    expect(data.skipped).toBe(3);
    expect(data.ratings.length).toBe(4);
    expect(data.items.size).toBe(3);
    expect(data.folds?.[0].test.length).toBe(1);
  });

  it('names a missing folder or file', async () => {
    await expect(readMl100k('/nonexistent/ml-100k')).rejects.toThrow(
      'cannot read folder /nonexistent/ml-100k',
    );
    const dir = fixture({ 'u.genre': GENRES, 'u.data': DATA, 'u.item': ITEMS, 'u1.base': DATA });
    await expect(readMl100k(dir)).rejects.toThrow(`cannot read ${join(dir, 'u1.test')}: no such file`);
    const noItems = fixture({ 'u.genre': GENRES, 'u.data': DATA });
    await expect(readMl100k(noItems)).rejects.toThrow(join(noItems, 'u.item'));
  });
});
