import { BadLine } from './line-reader.js';

/**
 * A field separator: one character, or 'ws' for any run of spaces and tabs. Names accepted on the command
 * line are resolved by `parseSeparator`.
 */
export type Separator = string;

const SEPARATOR_NAMES: Record<string, Separator> = {
  '\\t': '\t',
  tab: '\t',
  comma: ',',
  semicolon: ';',
  pipe: '|',
  space: ' ',
  ws: 'ws',
};

/** Resolves a separator name ('\t', 'tab', 'comma', 'semicolon', 'pipe', 'space', 'ws') or a single character. */
export function parseSeparator(name: string): Separator {
  const named = SEPARATOR_NAMES[name];
  if (named !== undefined) return named;
  if (name.length === 1 && name !== '"') return name;
  throw new Error(
    `unknown separator "${name}": use one character or one of ${Object.keys(SEPARATOR_NAMES).join(', ')}`,
  );
}

/** A readable name for messages: "tab", "whitespace" or the character in quotes. */
export function separatorName(sep: Separator): string {
  if (sep === '\t') return 'tab';
  if (sep === 'ws') return 'whitespace';
  if (sep === ' ') return 'space';
  return `"${sep}"`;
}

/**
 * Guesses the separator of a delimited file from its first line: tab when there is one, else the most
 * frequent of comma, semicolon and '|' outside quotes (comma on ties), else runs of whitespace.
 */
export function detectSeparator(line: string): Separator {
  if (line.includes('\t')) return '\t';
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted) {
      const n = counts.get(c);
      if (n !== undefined) counts.set(c, n + 1);
    }
  }
  let best: Separator = 'ws';
  let most = 0;
  for (const [sep, n] of counts) {
    if (n > most) {
      best = sep;
      most = n;
    }
  }
  return best;
}

/**
 * Splits a line into trimmed fields. A field that starts with a double quote is quoted (RFC 4180): it may
 * contain the separator, and "" stands for one quote; it must close on the same line and be followed by a
 * separator or the end of the line. A quote inside an unquoted field is kept as written.
 */
export function splitFields(line: string, sep: Separator): string[] {
  if (sep === 'ws') return splitWhitespace(line);
  if (line.indexOf('"') === -1) return splitPlain(line, sep);
  return splitQuoted(line, sep);
}

function splitPlain(line: string, sep: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (;;) {
    const end = line.indexOf(sep, start);
    if (end === -1) {
      fields.push(line.slice(start).trim());
      return fields;
    }
    fields.push(line.slice(start, end).trim());
    start = end + 1;
  }
}

function isSpace(c: string, sep: string): boolean {
  return (c === ' ' || c === '\t' || c === '\r') && c !== sep;
}

function splitQuoted(line: string, sep: string): string[] {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isSpace(line[j], sep)) j++;
    if (line[j] !== '"') {
      const end = line.indexOf(sep, i);
      if (end === -1) {
        fields.push(line.slice(i).trim());
        return fields;
      }
      fields.push(line.slice(i, end).trim());
      i = end + 1;
      continue;
    }
    const [value, after] = readQuoted(line, j, fields.length + 1);
    fields.push(value);
    let k = after;
    while (k < n && isSpace(line[k], sep)) k++;
    if (k === n) return fields;
    if (line[k] !== sep)
      throw new BadLine(`unexpected text after the closing quote of field ${fields.length}`);
    i = k + 1;
  }
}

/** Reads the quoted field opening at `open`; returns its value and the position after the closing quote. */
function readQuoted(line: string, open: number, field: number): [string, number] {
  let value = '';
  let from = open + 1;
  for (;;) {
    const close = line.indexOf('"', from);
    if (close === -1) throw new BadLine(`unterminated quote in field ${field}`);
    value += line.slice(from, close);
    if (line[close + 1] !== '"') return [value, close + 1];
    value += '"';
    from = close + 2;
  }
}

function splitWhitespace(line: string): string[] {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i], '')) i++;
    if (i === n) return fields;
    if (line[i] === '"') {
      const [value, after] = readQuoted(line, i, fields.length + 1);
      if (after < n && !isSpace(line[after], '')) {
        throw new BadLine(`unexpected text after the closing quote of field ${fields.length + 1}`);
      }
      fields.push(value);
      i = after;
      continue;
    }
    let end = i;
    while (end < n && !isSpace(line[end], '')) end++;
    fields.push(line.slice(i, end));
    i = end;
  }
}

/** Parses a decimal number, or returns NaN when `text` is empty or not a finite number. */
export function parseNumber(text: string): number {
  if (text.length === 0) return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/**
 * Where each key's column is among a header's `names` (-1 when absent): the first name that is one of
 * the key's spellings.
 */
export function columnsNamed<K extends string>(
  spellings: Readonly<Record<K, readonly string[]>>,
  names: readonly string[],
): Record<K, number> {
  return Object.fromEntries(
    Object.entries<readonly string[]>(spellings).map(([key, spelt]) => [
      key,
      names.findIndex((name) => spelt.includes(name)),
    ]),
  ) as Record<K, number>;
}
