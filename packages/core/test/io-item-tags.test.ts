import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/io/data-error.js';
import { mergeTags, readItemTags } from '../src/io/item-tags.js';
import { useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

describe('readItemTags', () => {
  it('reads whitespace-separated lines, quoted tags and default weights', async () => {
    const dir = fixture({
      'tags.txt': '1 magical_girl 0.8\n1  "blonde hair"\n\n2 mecha 2\n1 magical_girl 0.5\n',
    });
    const { tags, skipped } = await readItemTags(join(dir, 'tags.txt'));
    expect(skipped).toBe(0);
    expect(tags.get('1')).toEqual([
      { tag: 'magical_girl', weight: 0.5 },
      { tag: 'blonde hair', weight: 1 },
    ]);
    expect(tags.get('2')).toEqual([{ tag: 'mecha', weight: 2 }]);
  });

  it('detects tab and comma separators, and a header with a weight column', async () => {
    const dir = fixture({
      'a.tsv': '1\tsci fi\n2\tspace opera\t0.5\n',
      'b.csv': 'item,tag,weight\n1,"drama, heavy",0.3\n',
      'c.csv.gz': gzipSync('1,comedy\n'),
    });
    expect((await readItemTags(join(dir, 'a.tsv'))).tags.get('1')).toEqual([{ tag: 'sci fi', weight: 1 }]);
    expect([...(await readItemTags(join(dir, 'b.csv'))).tags]).toEqual([
      ['1', [{ tag: 'drama, heavy', weight: 0.3 }]],
    ]);
    expect((await readItemTags(join(dir, 'c.csv.gz'))).tags.get('1')).toEqual([{ tag: 'comedy', weight: 1 }]);
  });

  it('takes an explicit separator and header', async () => {
    const dir = fixture({ 't.txt': 'item|tag\n1|a b|2\n' });
    const { tags } = await readItemTags(join(dir, 't.txt'), { sep: 'pipe', header: true });
    expect([...tags]).toEqual([['1', [{ tag: 'a b', weight: 2 }]]]);
  });

  it.each([
    ['1\n', 'expected item, tag and an optional weight, found 1 fields'],
    ['1 a 2 3\n', 'expected item, tag and an optional weight, found 4 fields'],
    ['1 a heavy\n', 'weight "heavy" is not a number'],
    ['"" a\n', 'empty item id'],
    ['1 "a b\n', 'unterminated quote in field 2'],
  ])('rejects %j', async (text, reason) => {
    const dir = fixture({ 't.txt': `1 ok\n${text}` });
    const file = join(dir, 't.txt');
    const error = await readItemTags(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect(error).toMatchObject({ file, line: 2, reason });
    expect((await readItemTags(file, { skipBad: true })).skipped).toBe(1);
  });

  it('names a missing file', async () => {
    await expect(readItemTags('/nonexistent/tags.txt')).rejects.toThrow('cannot read /nonexistent/tags.txt');
  });
});

describe('mergeTags', () => {
  it('adds tags, replacing the weight of a tag already there, without changing its inputs', () => {
    const base = new Map([['1', [{ tag: 'Drama', weight: 1 }]]]);
    const extra = new Map([
      [
        '1',
        [
          { tag: 'Drama', weight: 0.5 },
          { tag: 'tearjerker', weight: 1 },
        ],
      ],
      ['2', [{ tag: 'mecha', weight: 1 }]],
    ]);
    const merged = mergeTags(base, extra);
    expect(merged.get('1')).toEqual([
      { tag: 'Drama', weight: 0.5 },
      { tag: 'tearjerker', weight: 1 },
    ]);
    expect(merged.get('2')).toEqual([{ tag: 'mecha', weight: 1 }]);
    expect(base.get('1')).toEqual([{ tag: 'Drama', weight: 1 }]);
    expect(mergeTags(undefined, extra).size).toBe(2);
  });
});
