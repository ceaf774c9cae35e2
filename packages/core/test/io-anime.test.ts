import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readAnime } from '../src/io/anime.js';
import { DataFormatError } from '../src/io/data-error.js';
import { triplets, useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

const CATALOGUE = [
  'anime_id,name,genre,type,episodes,rating,members',
  '32281,Kimi no Na wa.,"Drama, Romance, School, Supernatural",Movie,1,9.37,200630',
  '9253,Steins;Gate,"Sci-Fi, Thriller",TV,24,9.17,673572',
  '21,One Piece,"Action, Adventure",TV,Unknown,8.58,504862',
  '433,"Kumo no Mukou, Yakusoku no Basho","Drama, Military",Movie,1,7.89,103975',
  '33242,Gintama&#039; &amp; &quot;Friends&quot;,,Special,,,6604',
  '7,"He said ""hi""",Comedy,,1,,12',
].join('\r\n');
const RATINGS = 'user_id,anime_id,rating\n1,9253,8\n1,21,-1\n2,9253,10\n2,433,-1\n3,32281,1\n';

describe('readAnime', () => {
  it('reads the catalogue, the explicit ratings and the unscored rows over shared id maps', async () => {
    const dir = fixture({ 'anime.csv': CATALOGUE, 'ratings.csv': RATINGS });
    const data = await readAnime(dir);
    expect(data).toMatchObject({ kind: 'anime', source: dir, scale: { min: 1, max: 10 }, skipped: 0 });
    expect(triplets(data.ratings)).toEqual([
      ['1', '9253', 8],
      ['2', '9253', 10],
      ['3', '32281', 1],
    ]);
    expect(data.unscored && triplets(data.unscored)).toEqual([
      ['1', '21', -1],
      ['2', '433', -1],
    ]);
    expect(data.unscored?.users).toBe(data.ratings.users);
    expect(data.unscored?.items).toBe(data.ratings.items);
    expect(data.items.size).toBe(6);
    expect(data.items.get('32281')).toEqual({
      title: 'Kimi no Na wa.',
      genres: ['Drama', 'Romance', 'School', 'Supernatural'],
      type: 'Movie',
      episodes: 1,
      rating: 9.37,
      members: 200630,
    });
    expect(data.items.get('21')).toEqual({
      title: 'One Piece',
      genres: ['Action', 'Adventure'],
      type: 'TV',
      rating: 8.58,
      members: 504862,
    });
    expect(data.items.get('433')?.title).toBe('Kumo no Mukou, Yakusoku no Basho');
    expect(data.items.get('33242')).toEqual({
      title: 'Gintama\' & "Friends"',
      type: 'Special',
      members: 6604,
    });
    expect(data.items.get('7')).toEqual({
      title: 'He said "hi"',
      genres: ['Comedy'],
      episodes: 1,
      members: 12,
    });
    expect(data.tags?.get('9253')).toEqual([
      { tag: 'Sci-Fi', weight: 1 },
      { tag: 'Thriller', weight: 1 },
    ]);
    expect(data.tags?.has('33242')).toBe(false);
  });

  it('reads an optional adult column (1/0, true/false, yes/no; empty says nothing)', async () => {
    const catalogue = [
      'anime_id,name,genre,type,episodes,rating,members,adult',
      '1,Grown-ups,Drama,OVA,1,7.0,10,1',
      '2,Kids,Kids,TV,12,6.0,10,false',
      '3,Unsaid,Comedy,TV,12,6.0,10,',
      '4,Yes,Comedy,TV,12,6.0,10,Yes',
    ].join('\n');
    const dir = fixture({ 'anime.csv': catalogue, 'ratings.csv': 'user_id,anime_id,rating\n1,1,8\n' });
    const data = await readAnime(dir);
    expect(['1', '2', '3', '4'].map((id) => data.items.get(id)?.adult)).toEqual([1, 0, undefined, 1]);
    const bad = fixture({
      'anime.csv': `${catalogue}\n5,Maybe,Comedy,TV,1,1.0,1,maybe`,
      'ratings.csv': RATINGS,
    });
    await expect(readAnime(bad)).rejects.toMatchObject({
      line: 6,
      reason: 'adult "maybe" is not 1/0, true/false or yes/no',
    });
  });

  it('reads the optional alternate-title columns, under any of their header names', async () => {
    const catalogue = [
      'anime_id,Name,English name,title_japanese,Synonyms,genre',
      '16498,Shingeki no Kyojin,Attack on Titan,進撃の巨人,AoT | SnK,Action',
      '9253,Steins;Gate,Unknown,,"Steins Gate, シュタインズ・ゲート",Sci-Fi',
      '1,Tom &amp; Jerry,,,,Comedy',
    ].join('\n');
    const dir = fixture({ 'anime.csv': catalogue, 'ratings.csv': RATINGS });
    const data = await readAnime(dir);
    expect(data.items.get('16498')).toEqual({
      title: 'Shingeki no Kyojin',
      genres: ['Action'],
      englishTitle: 'Attack on Titan',
      japaneseTitle: '進撃の巨人',
      synonyms: ['AoT', 'SnK'],
    });
    expect(data.items.get('9253')).toEqual({
      title: 'Steins;Gate',
      genres: ['Sci-Fi'],
      synonyms: ['Steins Gate', 'シュタインズ・ゲート'],
    });
    expect(data.items.get('1')).toEqual({ title: 'Tom & Jerry', genres: ['Comedy'] });
  });

  it('reads the optional detail columns under their usual header names, addresses normalized', async () => {
    const catalogue = [
      'anime_id,name,Aired,Studios,sypnopsis,Link,Image URL,type,episodes',
      '1,Cowboy Bebop,"Apr 3, 1998 to Apr 24, 1999",Sunrise,"In 2071, &quot;bounty hunters&quot; roam.",https://example.org/anime/1?a=1&b=2,HTTPS://img.example.org/1.jpg,TV,26.0',
      '2,Unknown Everything,Unknown,Unknown,,,,Movie,Unknown',
      '3,Dated,2004-10-02,,,http://example.org/3,,OVA,0',
    ].join('\n');
    const dir = fixture({ 'anime.csv': catalogue, 'ratings.csv': RATINGS });
    const data = await readAnime(dir);
    expect(data.items.get('1')).toEqual({
      title: 'Cowboy Bebop',
      type: 'TV',
      episodes: 26,
      year: 1998,
      studio: 'Sunrise',
      synopsis: 'In 2071, "bounty hunters" roam.',
      url: 'https://example.org/anime/1?a=1&b=2',
      imageUrl: 'https://img.example.org/1.jpg',
    });
    expect(data.items.get('2')).toEqual({ title: 'Unknown Everything', type: 'Movie' });
    expect(data.items.get('3')).toEqual({
      title: 'Dated',
      type: 'OVA',
      episodes: 0,
      year: 2004,
      url: 'http://example.org/3',
    });
    // A plain year column takes a whole number, as spreadsheets export it too.
    const plain = fixture({
      'anime.csv': 'anime_id,name,start_year,description,image\n1,X,1998.0,Text,https://a.example/x.png\n',
      'ratings.csv': RATINGS,
    });
    expect((await readAnime(plain)).items.get('1')).toMatchObject({
      year: 1998,
      synopsis: 'Text',
      imageUrl: 'https://a.example/x.png',
    });
  });

  const DETAILS =
    'anime_id,name,year,episodes,synopsis,url,image_url\n1,Fine,1998,12,Text,https://a.example/1,\n';
  it.each([
    ['2,X,1998.5,1,,,', 'year "1998.5" is not a whole number'],
    ['2,X,98,1,,,', 'year 98 is outside 1800..2100'],
    ['2,X,spring,1,,,', 'year "spring" is not a whole number'],
    ['2,X,,-1,,,', 'episodes -1 is not a whole number from 0 to 100000'],
    ['2,X,,2.5,,,', 'episodes 2.5 is not a whole number from 0 to 100000'],
    ['2,X,,many,,,', 'episodes "many" is not a number'],
    [
      '2,X,,,,javascript:alert(1),',
      'url "javascript:alert(1)" is not an http(s) address (javascript: is refused)',
    ],
    ['2,X,,,,/works/2,', 'url "/works/2" is not an absolute http(s) address'],
    [
      '2,X,,,,https://me:secret@a.example/,',
      'url "https://me:secret@a.example/" carries a user name or password',
    ],
    [
      '2,X,,,,,"data:image/png;base64,AAAA"',
      'image_url "data:image/png;base64,AAAA" is not an http(s) address (data: is refused)',
    ],
    [
      '2,X,,,,,ftp://a.example/x.png',
      'image_url "ftp://a.example/x.png" is not an http(s) address (ftp: is refused)',
    ],
    [`2,X,,,${'a'.repeat(10_001)},,`, 'synopsis has 10001 characters, more than 10000'],
  ])('rejects the detail line %s, naming the file and line', async (line, reason) => {
    const dir = fixture({ 'anime.csv': `${DETAILS}${line}\n`, 'ratings.csv': RATINGS });
    const error = await readAnime(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error).toMatchObject({ file: join(dir, 'anime.csv'), line: 3, reason });
    // skipBad leaves the line out and counts it.
    const data = await readAnime(dir, { skipBad: true });
    expect(data.skipped).toBe(1);
    expect([...data.items.keys()]).toEqual(['1']);
  });

  it('reads ratings.csv.gz and can drop the unscored rows', async () => {
    const dir = fixture({ 'anime.csv': CATALOGUE, 'ratings.csv.gz': gzipSync(RATINGS) });
    const data = await readAnime(dir, { unscored: 'drop' });
    expect(data.ratings.length).toBe(3);
    expect(data.unscored).toBeUndefined();
    expect(data.ratings.items.toArray()).toEqual(['9253', '32281']);
  });

  it.each([
    [
      'ratings.csv',
      'user_id,anime_id,rating\n1,2,11\n',
      2,
      'rating 11 is outside 1..10 (or -1 for watched without a score)',
    ],
    [
      'ratings.csv',
      'user_id,anime_id,rating\n1,2,0\n',
      2,
      'rating 0 is outside 1..10 (or -1 for watched without a score)',
    ],
    [
      'ratings.csv',
      'user_id,anime_id,rating\n1,2,8\n1,2\n',
      3,
      'expected 3 fields separated by ",", found 2',
    ],
    ['ratings.csv', 'user_id,anime_id,rating\n1,,8\n', 2, 'empty item id'],
    ['ratings.csv', 'user_id,anime_id,rating\n1,2,good\n', 2, 'rating "good" is not a number'],
    ['anime.csv', `${CATALOGUE}\n8,"Broken,Comedy,TV,1,1.0,1`, 8, 'unterminated quote in field 2'],
    ['anime.csv', `${CATALOGUE}\n8,X,Comedy,TV,many,1.0,1`, 8, 'episodes "many" is not a number'],
    ['anime.csv', `${CATALOGUE}\n21,Again,Comedy,TV,1,1.0,1`, 8, 'anime_id 21 already defined on line 4'],
    ['anime.csv', `${CATALOGUE}\n,X,Comedy,TV,1,1.0,1`, 8, 'empty anime_id'],
  ])('rejects a malformed %s at line %i', async (name, text, line, reason) => {
    const dir = fixture({ 'anime.csv': CATALOGUE, 'ratings.csv': RATINGS, [name]: text });
    const error = await readAnime(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error).toMatchObject({ file: join(dir, name), line, reason });
  });

  it('skips and counts malformed lines with skipBad', async () => {
    const dir = fixture({
      'anime.csv': `${CATALOGUE}\n8,"Broken,Comedy,TV,1,1.0,1\n`,
      'ratings.csv': `${RATINGS}4,21,12\n4,21\n`,
    });
    const data = await readAnime(dir, { skipBad: true });
    expect(data.skipped).toBe(3);
    expect(data.items.size).toBe(6);
    expect(data.ratings.length).toBe(3);
  });

  it('needs a header in anime.csv and a ratings file, and names what is missing', async () => {
    const noHeader = fixture({ 'anime.csv': '1,X,Comedy,TV,1,1.0,1\n', 'ratings.csv': RATINGS });
    await expect(readAnime(noHeader)).rejects.toThrow(/anime\.csv:1: expected a header line/);
    const noRatings = fixture({ 'anime.csv': CATALOGUE });
    await expect(readAnime(noRatings)).rejects.toThrow(`cannot read ${join(noRatings, 'ratings.csv')}`);
    await expect(readAnime(join(noRatings, 'missing'))).rejects.toThrow(join(noRatings, 'missing'));
    await expect(readAnime(noRatings, { unscored: 'keep' as 'drop' })).rejects.toThrow(
      'unknown unscored mode',
    );
  });

  it('extends given id maps', async () => {
    const dir = fixture({ 'anime.csv': CATALOGUE, 'ratings.csv': RATINGS });
    const first = await readAnime(dir);
    const again = await readAnime(dir, { users: first.ratings.users, items: first.ratings.items });
    expect(again.ratings.users).toBe(first.ratings.users);
    expect(Array.from(again.ratings.item)).toEqual(Array.from(first.ratings.item));
  });

  // The bundled demo data (data/anime at the repository root).
  const bundled = resolve(fileURLToPath(import.meta.url), '../../../../../data/anime');
  it('reads the bundled anime data whole', async () => {
    const data = await readAnime(bundled);
    expect(data.items.size).toBe(12_294);
    expect(data.ratings.length).toBe(419_943);
    expect(data.unscored?.length).toBe(100_666);
    expect(data.ratings.length + (data.unscored?.length ?? 0)).toBe(520_609);
    expect(data.ratings.users.size).toBe(5_000);
    expect(data.skipped).toBe(0);
    expect(data.items.get('9253')?.title).toBe('Steins;Gate');
  });
});
