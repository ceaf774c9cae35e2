import { describe, expect, it } from 'vitest';
import { detectSeparator, parseNumber, parseSeparator, splitFields } from '../src/io/fields.js';
import { BadLine } from '../src/io/line-reader.js';

describe('splitFields', () => {
  it('splits on one character and trims fields', () => {
    expect(splitFields(' a , b ,c,', ',')).toEqual(['a', 'b', 'c', '']);
    expect(splitFields('1\t2\t3\r', '\t')).toEqual(['1', '2', '3']);
  });

  it('reads RFC 4180 quoted fields', () => {
    expect(splitFields('32281,Kimi no Na wa.,"Drama, Romance",Movie', ',')).toEqual([
      '32281',
      'Kimi no Na wa.',
      'Drama, Romance',
      'Movie',
    ]);
    expect(splitFields('1,"say ""hi"", ok", 2 ,""', ',')).toEqual(['1', 'say "hi", ok', '2', '']);
    expect(splitFields('5" screen,x', ',')).toEqual(['5" screen', 'x']);
  });

  it('rejects an unterminated quote and text after a closing quote', () => {
    expect(() => splitFields('1,"abc,2', ',')).toThrow(BadLine);
    expect(() => splitFields('1,"abc,2', ',')).toThrow('unterminated quote in field 2');
    expect(() => splitFields('1,"ab"c,2', ',')).toThrow('unexpected text after the closing quote of field 2');
  });

  it('splits on runs of whitespace, with quoted fields', () => {
    expect(splitFields('  a \t b   "c d"  ', 'ws')).toEqual(['a', 'b', 'c d']);
    expect(() => splitFields('a "b"c', 'ws')).toThrow(BadLine);
  });
});

describe('separators', () => {
  it('resolves names and single characters', () => {
    expect(parseSeparator('\\t')).toBe('\t');
    expect(parseSeparator('tab')).toBe('\t');
    expect(parseSeparator('comma')).toBe(',');
    expect(parseSeparator('space')).toBe(' ');
    expect(parseSeparator('ws')).toBe('ws');
    expect(parseSeparator(';')).toBe(';');
    expect(() => parseSeparator('::')).toThrow(/unknown separator "::".*tab, comma/);
  });

  it('detects tab, comma, semicolon, pipe and whitespace', () => {
    expect(detectSeparator('1\t2\t3')).toBe('\t');
    expect(detectSeparator('1,2,3')).toBe(',');
    expect(detectSeparator('1;2;3,5')).toBe(';');
    expect(detectSeparator('1|2|3')).toBe('|');
    expect(detectSeparator('1  2 3')).toBe('ws');
    expect(detectSeparator('"a;b;c",2,3')).toBe(',');
  });
});

describe('parseNumber', () => {
  it('accepts finite decimals only', () => {
    expect(parseNumber('4.5')).toBe(4.5);
    expect(parseNumber('-1')).toBe(-1);
    expect(parseNumber('')).toBeNaN();
    expect(parseNumber('abc')).toBeNaN();
    expect(parseNumber('Infinity')).toBeNaN();
  });
});
