/** A malformed line in a data file: says which file, which line (1-based) and what is wrong with it. */
export class DataFormatError extends Error {
  readonly file: string;
  readonly line: number;
  readonly reason: string;

  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'DataFormatError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
