import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataSpec, readDataSpec } from '../src/io/data-spec.js';
import { triplets, useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

describe('implicit data', () => {
  it('reads a weight column as interaction weights', async () => {
    const dir = fixture({ 'views.csv': 'user,item,plays\na,x,3\na,y,0\nb,x,12\n' });
    const data = await readDataSpec(`csv:${join(dir, 'views.csv')}?weight=plays`);
    expect(data.implicit).toBe(true);
    expect(triplets(data.ratings)).toEqual([
      ['a', 'x', 3],
      ['a', 'y', 0],
      ['b', 'x', 12],
    ]);
  });

  it('names the file and line of a malformed or negative weight', async () => {
    const dir = fixture({
      'text.csv': 'user,item,plays\na,x,3\nb,x,lots\n',
      'negative.csv': 'a,x,3\na,y,4\nb,x,-2\n',
    });
    await expect(readDataSpec(`csv:${join(dir, 'text.csv')}?weight=plays`)).rejects.toThrow(
      /text\.csv:3.*weight "lots" is not a number/,
    );
    await expect(readDataSpec(`csv:${join(dir, 'negative.csv')}?weight=2`)).rejects.toThrow(
      /negative\.csv:3.*weight -2 is negative/,
    );
  });

  it('reads a two-column log with implicit=1 as interactions of weight 1', async () => {
    const dir = fixture({ 'clicks.tsv': 'u1\ti1\nu1\ti2\nu2\ti1\n' });
    const data = await readDataSpec(`csv:${join(dir, 'clicks.tsv')}?implicit=1`);
    expect(data.implicit).toBe(true);
    expect(triplets(data.ratings)).toEqual([
      ['u1', 'i1', 1],
      ['u1', 'i2', 1],
      ['u2', 'i1', 1],
    ]);
  });

  it('turns ratings into interactions of weight 1 with --implicit, the anime -1 rows included', async () => {
    const dir = fixture({
      'anime.csv':
        'anime_id,name,genre,type,episodes,rating,members\n1,A,Comedy,TV,1,8.0,10\n2,B,Drama,TV,1,7.0,10\n',
      'ratings.csv': 'user_id,anime_id,rating\n1,1,8\n1,2,-1\n2,2,3\n',
    });
    const explicit = await readDataSpec(`anime:${dir}`);
    expect(explicit.ratings.length).toBe(2);
    const data = await readDataSpec(`anime:${dir}`, { implicit: true });
    expect(data.implicit).toBe(true);
    expect(data.unscored).toBeUndefined();
    expect(triplets(data.ratings).sort()).toEqual([
      ['1', '1', 1],
      ['1', '2', 1],
      ['2', '2', 1],
    ]);
  });

  it('rejects a rating column beside weight or implicit, and implicit values other than 0 or 1', () => {
    expect(() => parseDataSpec('csv:f.csv?rating=2&weight=3')).toThrow(
      /rating column does not go with weight/,
    );
    expect(() => parseDataSpec('csv:f.csv?implicit=yes')).toThrow(/implicit must be 0 or 1/);
  });
});
