import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/io/data-error.js';
import { readDelimited, readRatingRows } from '../src/io/delimited.js';
import { triplets, useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

describe('readDelimited', () => {
  it('reads tab-separated triplets with a time column and no header', async () => {
    const dir = fixture({ 'u.tsv': '1\t10\t4\t881250949\n2\t10\t3\t881250950\n1\t20\t5\t881250951\n' });
    const data = await readDelimited(join(dir, 'u.tsv'));
    expect(data.kind).toBe('csv');
    expect(triplets(data.ratings)).toEqual([
      ['1', '10', 4],
      ['2', '10', 3],
      ['1', '20', 5],
    ]);
    expect(Array.from(data.ratings.time ?? [])).toEqual([881250949, 881250950, 881250951]);
    expect(data.scale).toEqual({ min: 3, max: 5 });
    expect(data.skipped).toBe(0);
    expect(data.items.size).toBe(0);
  });

  it('detects a header and comma separator, and finds columns by name', async () => {
    const dir = fixture({
      'r.csv': 'rating,who,what\n4.5,"Doe, Jane",x\n2,bob,"y ""2"""\n',
    });
    const data = await readDelimited(join(dir, 'r.csv'), { user: 'who', item: 'WHAT', rating: 'rating' });
    expect(triplets(data.ratings)).toEqual([
      ['Doe, Jane', 'x', 4.5],
      ['bob', 'y "2"', 2],
    ]);
    expect(data.ratings.time).toBeUndefined();
  });

  it('detects a header by its non-numeric rating field', async () => {
    const dir = fixture({ 'r.csv': 'user;item;rating\n a ; b ;3\n', 's.csv': 'a;b;3\nc;d;4\n' });
    const withHeader = await readRatingRows(join(dir, 'r.csv'), {}, () => {});
    expect(withHeader.layout).toMatchObject({ sep: ';', header: true, names: ['user', 'item', 'rating'] });
    expect(triplets((await readDelimited(join(dir, 'r.csv'))).ratings)).toEqual([['a', 'b', 3]]);
    const without = await readRatingRows(join(dir, 's.csv'), {}, () => {});
    expect(without.layout).toMatchObject({ sep: ';', header: false, names: [], time: undefined });
  });

  it('honours explicit sep, header and column positions', async () => {
    const dir = fixture({ 'r.txt': '5 x u1 100\n3 y u2 200\n' });
    const data = await readDelimited(join(dir, 'r.txt'), {
      sep: 'space',
      header: false,
      user: 2,
      item: 1,
      rating: 0,
      time: 3,
    });
    expect(triplets(data.ratings)).toEqual([
      ['u1', 'x', 5],
      ['u2', 'y', 3],
    ]);
    expect(Array.from(data.ratings.time ?? [])).toEqual([100, 200]);
    // The time column is found by default: column 3 is free and numeric.
    const ws = await readDelimited(join(dir, 'r.txt'), { sep: 'ws', user: 2, item: 1, rating: 0 });
    expect(Array.from(ws.ratings.time ?? [])).toEqual([100, 200]);
    const taken = await readDelimited(join(dir, 'r.txt'), { sep: 'ws', user: 2, item: 1, rating: 3 });
    expect(taken.ratings.time).toBeUndefined();
  });

  it('reads pipe-separated and whitespace-separated files by detection', async () => {
    const dir = fixture({ 'p.txt': 'a|b|1\n', 'w.txt': 'a   b  2\n' });
    expect(triplets((await readDelimited(join(dir, 'p.txt'))).ratings)).toEqual([['a', 'b', 1]]);
    expect(triplets((await readDelimited(join(dir, 'w.txt'))).ratings)).toEqual([['a', 'b', 2]]);
  });

  it('reads gzipped files', async () => {
    const dir = fixture({ 'r.csv.gz': gzipSync('user,item,rating\nu,i,1\nv,i,0\n') });
    const data = await readDelimited(join(dir, 'r.csv.gz'));
    expect(triplets(data.ratings)).toEqual([
      ['u', 'i', 1],
      ['v', 'i', 0],
    ]);
    expect(data.scale).toEqual({ min: 0, max: 1 });
  });

  it.each([
    ['a,b,1\na,b\n', 2, 'expected 3 fields separated by ",", found 2'],
    ['a,b,1\na,b,x\n', 2, 'rating "x" is not a number'],
    ['a,b,1\n,b,2\n', 2, 'empty user id'],
    ['a,b,1\na,,2\n', 2, 'empty item id'],
    ['a,b,1\n\na,"b,2\n', 3, 'unterminated quote in field 2'],
    ['a,b,1,5\na,b,1,later\n', 2, 'time "later" is not a number'],
  ])('rejects %j at line %i: %s', async (text, line, reason) => {
    const dir = fixture({ 'bad.csv': text });
    const file = join(dir, 'bad.csv');
    const error = await readDelimited(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error).toMatchObject({ file, line, reason });
  });

  it('skips and counts malformed lines with skipBad', async () => {
    const dir = fixture({ 'bad.csv': 'a,b,1\na,b\nc,d,2\n,x,3\ne,f,abc\n' });
    const data = await readDelimited(join(dir, 'bad.csv'), { skipBad: true });
    expect(data.skipped).toBe(3);
    expect(triplets(data.ratings)).toEqual([
      ['a', 'b', 1],
      ['c', 'd', 2],
    ]);
  });

  it('fails clearly on a missing file, an unknown column name and a bad separator', async () => {
    const dir = fixture({ 'r.csv': 'user,item,rating\nu,i,1\n' });
    await expect(readDelimited(join(dir, 'none.csv'))).rejects.toThrow(join(dir, 'none.csv'));
    await expect(readDelimited(join(dir, 'r.csv'), { rating: 'score' })).rejects.toThrow(
      'no rating column "score" in the header (columns: user, item, rating)',
    );
    await expect(readDelimited(join(dir, 'r.csv'), { sep: 'tabs' })).rejects.toThrow(
      'unknown separator "tabs"',
    );
    await expect(readDelimited(join(dir, 'r.csv'), { header: false, user: 'user' })).rejects.toThrow(
      'no header line',
    );
    await expect(readDelimited(join(dir, 'r.csv'), { sep: '\t' })).rejects.toThrow(
      'column 2 is out of range',
    );
  });

  it('extends the id maps of a training file', async () => {
    const dir = fixture({ 'train.csv': 'u1,i1,4\nu2,i2,3\n', 'test.csv': 'u2,i1,5\nu3,i3,1\n' });
    const train = await readDelimited(join(dir, 'train.csv'));
    const test = await readDelimited(join(dir, 'test.csv'), {
      users: train.ratings.users,
      items: train.ratings.items,
    });
    expect(test.ratings.users).toBe(train.ratings.users);
    expect(Array.from(test.ratings.user)).toEqual([1, 2]);
    expect(Array.from(test.ratings.item)).toEqual([0, 2]);
    expect(train.ratings.users.toArray()).toEqual(['u1', 'u2', 'u3']);
  });

  it('fails on a file without data', async () => {
    const dir = fixture({ 'empty.csv': '\n\n', 'header.csv': 'user,item,rating\n' });
    await expect(readDelimited(join(dir, 'empty.csv'))).rejects.toThrow('no data');
    await expect(readDelimited(join(dir, 'header.csv'))).rejects.toThrow('no ratings');
  });
});
