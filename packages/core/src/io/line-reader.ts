import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from './data-error.js';

/**
 * Thrown by a line handler to reject one line. `readLines` turns it into a `DataFormatError` carrying the
 * file and line number, or counts it as skipped when the caller asked for `skipBad`.
 */
export class BadLine extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BadLine';
  }
}

export interface LineOptions {
  /** Count malformed lines in the result instead of throwing on the first one. */
  skipBad?: boolean;
  /** Text encoding of the file (after gunzip); 'utf8' unless told ('latin1' for MovieLens u.item). */
  encoding?: BufferEncoding;
}

/** Called for each non-blank line with its 1-based number; throw `BadLine` to reject it. */
export type LineHandler = (line: string, lineNo: number) => void;

/** Fails with a message naming `file` when it is missing or not a regular file. */
export async function assertFile(file: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${describeIoError(err)}`, { cause: err });
  }
  if (!info.isFile()) throw new Error(`cannot read ${file}: not a regular file`);
}

/** Fails with a message naming `dir` when it is missing or not a directory. */
export async function assertDirectory(dir: string): Promise<void> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch (err) {
    throw new Error(`cannot read folder ${dir}: ${describeIoError(err)}`, { cause: err });
  }
  if (!info.isDirectory()) throw new Error(`cannot read folder ${dir}: not a directory`);
}

/** Whether `file` exists as a regular file. */
export async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Streams `file` line by line (gunzipping it when its name ends in .gz), calling `onLine` for every line that
 * is not blank. Handles \n and \r\n endings, a missing final newline and a UTF-8 byte-order mark. Resolves to
 * the number of lines skipped as malformed (always 0 without `skipBad`).
 */
export async function readLines(
  file: string,
  onLine: LineHandler,
  options: LineOptions = {},
): Promise<number> {
  await assertFile(file);
  const skipBad = options.skipBad === true;
  const raw = createReadStream(file, { highWaterMark: 1 << 16 });
  const gunzip = file.endsWith('.gz') ? createGunzip() : undefined;

  return new Promise<number>((resolve, reject) => {
    let lineNo = 0;
    let skipped = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      lines.close();
      raw.destroy();
      gunzip?.destroy();
      if (err === undefined) resolve(skipped);
      else reject(err);
    };
    // Listen before readline does, so that the error names the file and says what went wrong.
    raw.on('error', (err) =>
      finish(new Error(`cannot read ${file}: ${describeIoError(err)}`, { cause: err })),
    );
    gunzip?.on('error', (err) =>
      finish(new Error(`cannot read ${file}: not a valid gzip file (${err.message})`, { cause: err })),
    );
    const input: Readable = gunzip ? raw.pipe(gunzip) : raw;
    input.setEncoding(options.encoding ?? 'utf8');
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('error', (err) => finish(err));
    lines.on('line', (line) => {
      if (done) return;
      lineNo++;
      if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      if (isBlank(line)) return;
      try {
        onLine(line, lineNo);
      } catch (err) {
        if (!(err instanceof BadLine)) finish(err);
        else if (skipBad) skipped++;
        else finish(new DataFormatError(file, lineNo, err.reason));
      }
    });
    lines.on('close', () => finish());
  });
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return err instanceof Error ? err.message : String(err);
}
