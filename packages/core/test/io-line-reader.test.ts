import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/io/data-error.js';
import { BadLine, readLines } from '../src/io/line-reader.js';
import { useFixtures } from './io-fixtures.js';

const fixture = useFixtures();

async function collect(file: string, options = {}): Promise<[number, string][]> {
  const lines: [number, string][] = [];
  await readLines(file, (line, n) => lines.push([n, line]), options);
  return lines;
}

describe('readLines', () => {
  it('numbers lines from 1, skips blank ones, handles CRLF, a BOM and a missing final newline', async () => {
    const dir = fixture({ 'a.txt': '\ufeffone\r\n\r\n  \ntwo\r\nthree' });
    expect(await collect(join(dir, 'a.txt'))).toEqual([
      [1, 'one'],
      [4, 'two'],
      [5, 'three'],
    ]);
  });

  it('gunzips files ending in .gz', async () => {
    const dir = fixture({ 'a.txt.gz': gzipSync('x\ny\n') });
    expect(await collect(join(dir, 'a.txt.gz'))).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
  });

  it('decodes latin-1 when asked', async () => {
    const dir = fixture({
      'a.txt': Buffer.from([0x4d, 0x69, 0x73, 0xe9, 0x72, 0x61, 0x62, 0x6c, 0x65, 0x73]),
    });
    expect(await collect(join(dir, 'a.txt'), { encoding: 'latin1' })).toEqual([[1, 'Misérables']]);
  });

  it('names the path of a missing file', async () => {
    const dir = fixture({});
    await expect(collect(join(dir, 'nope.csv'))).rejects.toThrow(
      `cannot read ${join(dir, 'nope.csv')}: no such file`,
    );
  });

  it('reports a file that is not gzip data', async () => {
    const dir = fixture({ 'a.gz': 'plain text\n', 'b.gz': gzipSync('x\n'.repeat(1000)).subarray(0, 30) });
    await expect(collect(join(dir, 'a.gz'))).rejects.toThrow(/a\.gz: not a valid gzip file/);
    await expect(collect(join(dir, 'b.gz'))).rejects.toThrow(/b\.gz: not a valid gzip file/);
  });

  it('turns BadLine into DataFormatError with file and line, or counts it with skipBad', async () => {
    const dir = fixture({ 'a.txt': 'ok\nbad\nok\nbad\n' });
    const file = join(dir, 'a.txt');
    const handler = (line: string) => {
      if (line === 'bad') throw new BadLine('is bad');
    };
    const error = await readLines(file, handler).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as DataFormatError).line).toBe(2);
    expect((error as Error).message).toBe(`${file}:2: is bad`);
    expect(await readLines(file, handler, { skipBad: true })).toBe(2);
  });

  it('lets other errors through unchanged and stops reading', async () => {
    const dir = fixture({ 'a.txt': 'a\nb\nc\n' });
    const seen: string[] = [];
    const failure = readLines(join(dir, 'a.txt'), (line) => {
      seen.push(line);
      if (line === 'b') throw new RangeError('boom');
    });
    await expect(failure).rejects.toThrow(RangeError);
    expect(seen).toEqual(['a', 'b']);
  });
});
