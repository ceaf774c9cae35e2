import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDataSpec, parseDataSpec, readDataSpec, readTestFile } from '../src/io/data-spec.js';
import { triplets, useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

describe('parseDataSpec', () => {
  it('parses the three kinds', () => {
    expect(parseDataSpec('ml100k:/data/ml-100k')).toEqual({ kind: 'ml100k', path: '/data/ml-100k' });
    expect(parseDataSpec('anime:data/anime')).toEqual({ kind: 'anime', path: 'data/anime' });
    expect(parseDataSpec('csv:r.csv')).toEqual({ kind: 'csv', path: 'r.csv', layout: {} });
  });

  it('parses csv options: separators, columns by position or name, header', () => {
    expect(parseDataSpec('csv:r.tsv?sep=\\t&user=1&item=movie&rating=2&time=ts&header=1')).toEqual({
      kind: 'csv',
      path: 'r.tsv',
      layout: { sep: '\\t', user: 1, item: 'movie', rating: 2, time: 'ts', header: true },
    });
    expect(parseDataSpec('csv:r.txt?sep=ws&header=0')).toMatchObject({
      layout: { sep: 'ws', header: false },
    });
    expect(parseDataSpec('csv:r.txt?sep=%3B')).toMatchObject({ layout: { sep: ';' } });
    expect(parseDataSpec('csv:r.txt?sep=;')).toMatchObject({ layout: { sep: ';' } });
  });

  it('explains what is wrong', () => {
    expect(() => parseDataSpec('movielens:x')).toThrow(
      /unknown data kind "movielens".*valid kinds are ml100k, anime, csv/,
    );
    expect(() => parseDataSpec('ratings.csv')).toThrow(
      /has no kind: use ml100k:<dir>, anime:<dir>, csv:<file>.*, kt:<file> or dkvmn:<dir>/,
    );
    expect(() => parseDataSpec('csv:r.csv?delimiter=,')).toThrow(
      'unknown option "delimiter" (valid options: sep, header, user, item, rating, time, weight, implicit)',
    );
    expect(() => parseDataSpec('csv:r.csv?sep=::')).toThrow('unknown separator "::"');
    expect(() => parseDataSpec('csv:r.csv?header=yes')).toThrow('header must be 0 or 1');
    expect(() => parseDataSpec('csv:r.csv?user')).toThrow('option "user" needs a value');
    expect(() => parseDataSpec('csv:r.csv?user=')).toThrow('user needs a column position or name');
    expect(() => parseDataSpec('csv:r.csv?user=1&user=2')).toThrow('option "user" is given twice');
    expect(() => parseDataSpec('csv:')).toThrow('names no file');
    expect(() => parseDataSpec('anime:data/anime?unscored=drop')).toThrow('anime takes no options');
  });

  it('formats a parsed spec back', () => {
    for (const spec of ['ml100k:d', 'csv:r.csv', 'csv:r.csv?sep=%3B&header=1&user=u&time=3']) {
      expect(formatDataSpec(parseDataSpec(spec))).toBe(spec);
    }
  });
});

describe('readDataSpec', () => {
  it('reads a csv spec with options and merges a tags file', async () => {
    const dir = fixture({
      'r.txt': 'movie;who;score\nm1;u1;4\nm2;u1;2\n',
      'tags.txt': 'm1 noir\nm3 "road movie" 2\n',
    });
    const spec = `csv:${join(dir, 'r.txt')}?user=who&item=movie&rating=score`;
    const data = await readDataSpec(spec, { tags: join(dir, 'tags.txt') });
    expect(data.source).toBe(spec);
    expect(triplets(data.ratings)).toEqual([
      ['u1', 'm1', 4],
      ['u1', 'm2', 2],
    ]);
    expect(data.scale).toEqual({ min: 2, max: 4 });
    expect(data.tags?.get('m3')).toEqual([{ tag: 'road movie', weight: 2 }]);
  });

  it('reads ml100k and anime specs, adding tags file lines to the genres', async () => {
    const ml = fixture({
      'u.data': '1\t10\t4\t5\n',
      'u.item': '10|Film|||x|0|1\n',
      'u.genre': 'unknown|0\nDrama|1\n',
      'tags.txt': '10 slow\nbad line here too\n',
    });
    const movies = await readDataSpec(`ml100k:${ml}`, {
      tags: join(ml, 'tags.txt'),
      skipBad: true,
      folds: false,
    });
    expect(movies.kind).toBe('ml100k');
    expect(movies.tags?.get('10')).toEqual([
      { tag: 'Drama', weight: 1 },
      { tag: 'slow', weight: 1 },
    ]);
    expect(movies.skipped).toBe(1);

    const anime = fixture({
      'anime.csv': 'anime_id,name,genre,type,episodes,rating,members\n1,A,Comedy,TV,1,7,10\n',
      'ratings.csv': 'user_id,anime_id,rating\n1,1,-1\n2,1,9\n',
    });
    const shows = await readDataSpec(`anime:${anime}`, { unscored: 'drop' });
    expect(shows.ratings.length).toBe(1);
    expect(shows.unscored).toBeUndefined();
  });

  it('reads a parsed spec object', async () => {
    const dir = fixture({ 'r.csv': 'a,b,1\n' });
    const data = await readDataSpec({ kind: 'csv', path: join(dir, 'r.csv'), layout: { header: false } });
    expect(data.source).toBe(`csv:${join(dir, 'r.csv')}?header=0`);
    expect(data.ratings.length).toBe(1);
  });
});

describe('readTestFile', () => {
  it('reads a csv test file with the spec column options and the training id maps', async () => {
    const dir = fixture({
      'train.csv': 'item,user,rating\ni1,u1,4\ni2,u2,3\n',
      'test.csv': 'item,user,rating\ni1,u2,5\ni9,u9,1\n',
    });
    const spec = `csv:${join(dir, 'train.csv')}?user=user&item=item`;
    const train = await readDataSpec(spec);
    const test = await readTestFile(spec, join(dir, 'test.csv'), train);
    expect(test.ratings.users).toBe(train.ratings.users);
    expect(test.ratings.items).toBe(train.ratings.items);
    expect(triplets(test.ratings)).toEqual([
      ['u2', 'i1', 5],
      ['u9', 'i9', 1],
    ]);
    expect(Array.from(test.ratings.user)).toEqual([1, 2]);
    expect(test.scale).toEqual(train.scale);
    expect(test.source).toBe(join(dir, 'test.csv'));
  });

  it('reads a u.data-style test file for ml100k and a ratings.csv-style one for anime', async () => {
    const ml = fixture({
      'u.data': '1\t10\t4\t5\n2\t20\t3\t6\n',
      'u.item': '10|A|||x|0|1\n20|B|||x|1|0\n',
      'u.genre': 'unknown|0\nDrama|1\n',
      'given.test': '2\t10\t5\t7\n',
    });
    const movies = await readDataSpec(`ml100k:${ml}`);
    const movieTest = await readTestFile(`ml100k:${ml}`, join(ml, 'given.test'), movies);
    expect(Array.from(movieTest.ratings.user)).toEqual([1]);
    expect(Array.from(movieTest.ratings.item)).toEqual([0]);
    expect(movieTest.items).toBe(movies.items);

    const anime = fixture({
      'anime.csv': 'anime_id,name,genre,type,episodes,rating,members\n1,A,Comedy,TV,1,7,10\n',
      'ratings.csv': 'user_id,anime_id,rating\n1,1,8\n',
      'test.csv': 'user_id,anime_id,rating\n1,1,-1\n1,2,10\n',
    });
    const shows = await readDataSpec(`anime:${anime}`);
    const showTest = await readTestFile(`anime:${anime}`, join(anime, 'test.csv'), shows);
    expect(triplets(showTest.ratings)).toEqual([['1', '2', 10]]);
    expect(showTest.unscored?.length).toBe(1);
    expect(shows.ratings.items.toArray()).toEqual(['1', '2']);
  });
});
