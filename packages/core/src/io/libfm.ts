import { type FeatureMatrix, FeatureMatrixBuilder } from '../data/feature-matrix.js';
import { writeFileAtomic } from './atomic-write.js';
import { BadLine, readLines } from './line-reader.js';

export interface LibfmOptions {
  /** Count malformed lines in `skipped` instead of failing on the first one. */
  skipBad?: boolean;
  /** The number of features, when the file may not use the last ones (a test file beside its training file). */
  features?: number;
}

/**
 * Reads the libFM / svmlight text format: one row per line, `target feature:value feature:value …`,
 * separated by spaces or tabs, feature indices from 0. A `qid:` pair (svmlight) and a `#` comment are
 * ignored; a value of 0 is not stored. A malformed line stops the read with its file and line number.
 */
export async function readLibfm(
  file: string,
  options: LibfmOptions = {},
): Promise<{ matrix: FeatureMatrix; skipped: number }> {
  const builder = new FeatureMatrixBuilder();
  const features: number[] = [];
  const values: number[] = [];
  const skipped = await readLines(
    file,
    (raw) => {
      const hash = raw.indexOf('#');
      const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
      if (line === '') return;
      const fields = line.split(/[ \t]+/);
      const target = Number(fields[0]);
      if (fields[0] === '' || !Number.isFinite(target))
        throw new BadLine(`target "${fields[0]}" is not a number`);
      features.length = 0;
      values.length = 0;
      for (let i = 1; i < fields.length; i++) {
        const pair = fields[i];
        const colon = pair.indexOf(':');
        if (colon <= 0) throw new BadLine(`"${pair}" is not feature:value`);
        const name = pair.slice(0, colon);
        if (name === 'qid') continue;
        const feature = Number(name);
        if (!/^\d+$/.test(name) || !Number.isSafeInteger(feature)) {
          throw new BadLine(`feature "${name}" is not an index ≥ 0`);
        }
        if (options.features !== undefined && feature >= options.features) {
          throw new BadLine(`feature ${feature} is beyond the ${options.features} features`);
        }
        const value = Number(pair.slice(colon + 1));
        if (colon === pair.length - 1 || !Number.isFinite(value)) {
          throw new BadLine(`value "${pair.slice(colon + 1)}" of feature ${feature} is not a number`);
        }
        features.push(feature);
        values.push(value);
      }
      try {
        builder.add(features, values, target);
      } catch (error) {
        throw new BadLine((error as Error).message);
      }
    },
    { skipBad: options.skipBad },
  );
  return { matrix: builder.build(options.features), skipped };
}

/** The shortest decimal that reads back as the same 32-bit float. */
function float32Text(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(Number(value.toPrecision(9)));
}

/** Writes a FeatureMatrix in the libFM text format (atomically); `readLibfm` reads back the same matrix. */
export async function writeLibfm(file: string, matrix: FeatureMatrix): Promise<void> {
  const lines: string[] = [];
  for (let r = 0; r < matrix.rows; r++) {
    let line = String(matrix.target[r]);
    for (let e = matrix.indptr[r]; e < matrix.indptr[r + 1]; e++) {
      line += ` ${matrix.indices[e]}:${float32Text(matrix.values[e])}`;
    }
    lines.push(line);
  }
  await writeFileAtomic(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
}
