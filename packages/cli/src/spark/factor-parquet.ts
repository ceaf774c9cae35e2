import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetScan,
  parquetSchema,
  type SchemaTree,
} from 'hyparquet';

/**
 * One side of a Spark ALS model as `model.userFactors` / `model.itemFactors` write it: Parquet with
 * columns `id` (int) and `features` (array<float>), one row per user or item (docs/cli.md#import-factors).
 * Row r of `rows` (`rank` floats) belongs to `ids[r]`.
 */
export interface SparkFactors {
  /** The path given: a Parquet file or a directory of part files. */
  source: string;
  ids: number[];
  rank: number;
  rows: Float32Array;
}

/** Reads a factor file, or every `*.parquet` part file of a directory Spark wrote, in name order. */
export async function readSparkFactors(path: string): Promise<SparkFactors> {
  const files = await parquetFiles(path);
  const opened = await Promise.all(files.map(openParquet));
  const total = opened.reduce((n, f) => n + Number(f.metadata.num_rows), 0);
  const ids: number[] = [];
  let rows = new Float32Array(0);
  let rank = -1;
  for (const { file, buffer, metadata } of opened) {
    checkSchema(file, parquetSchema(metadata));
    const scan = await parquetScan({ file: buffer, metadata, columns: ['id', 'features'] });
    for (const range of scan.ranges) {
      const idColumn = await scan.readColumn({ column: 'id', ...range });
      const featureColumn = await scan.readColumn({ column: 'features', ...range });
      for (let k = 0; k < idColumn.length; k++) {
        const id = sparkId(idColumn[k], file);
        const features: unknown = featureColumn[k];
        if (!Array.isArray(features) || features.length === 0) {
          throw new Error(`${file}: id ${id} has no features`);
        }
        if (rank < 0) {
          rank = features.length;
          rows = new Float32Array(total * rank);
        } else if (features.length !== rank) {
          throw new Error(`${file}: id ${id} has ${features.length} features, earlier rows ${rank}`);
        }
        if (!features.every(Number.isFinite))
          throw new Error(`${file}: id ${id} has a feature that is not a number`);
        rows.set(features, ids.length * rank);
        ids.push(id);
      }
    }
  }
  if (ids.length === 0) throw new Error(`${path}: no factor rows`);
  return { source: path, ids, rank, rows };
}

/** The Parquet files at `path`: itself, or a directory's `*.parquet` (Spark's `_SUCCESS` and `.crc` left out). */
async function parquetFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => {
    throw new Error(`${path}: no such file or directory`);
  });
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path))
    .filter((name) => name.endsWith('.parquet') && !name.startsWith('.') && !name.startsWith('_'))
    .sort();
  if (names.length === 0) {
    const entries = await readdir(path);
    const hint =
      entries.includes('userFactors') && entries.includes('itemFactors')
        ? ': a saved ALSModel; give its userFactors and itemFactors directories (or --spark-model)'
        : ' (Spark writes part-*.parquet files)';
    throw new Error(`${path}: no .parquet files${hint}`);
  }
  return names.map((name) => join(path, name));
}

async function openParquet(
  file: string,
): Promise<{ file: string; buffer: AsyncBuffer; metadata: FileMetaData }> {
  try {
    const buffer = await asyncBufferFromFile(file);
    return { file, buffer, metadata: await parquetMetadataAsync(buffer) };
  } catch (error) {
    throw new Error(`${file}: not a readable Parquet file (${(error as Error).message})`);
  }
}

/** Columns `id` (INT32 or INT64) and `features` (a list of FLOAT or DOUBLE), as Spark's ALS writes them. */
function checkSchema(file: string, schema: SchemaTree): void {
  const columns = new Map(schema.children.map((c) => [c.element.name, c]));
  const names = [...columns.keys()].join(', ');
  const column = (name: string, expected: string): SchemaTree => {
    const found = columns.get(name);
    if (!found) throw new Error(`${file}: no column "${name}" (${expected}); its columns: ${names}`);
    return found;
  };
  const id = column('id', 'int');
  if (id.children.length > 0 || (id.element.type !== 'INT32' && id.element.type !== 'INT64')) {
    throw new Error(`${file}: column "id" is ${describe(id)}, expected int`);
  }
  const features = column('features', 'array<float>');
  const leaf = listElement(features);
  if (!leaf || (leaf.element.type !== 'FLOAT' && leaf.element.type !== 'DOUBLE')) {
    throw new Error(`${file}: column "features" is ${describe(features)}, expected array<float>`);
  }
}

/**
 * The element of a list column: below one repeated level, in any of the layouts Parquet allows
 * (`features.list.element`, Spark's legacy `features.array` or `features.bag.array`); undefined when
 * the column is not a list of one value.
 */
function listElement(node: SchemaTree): SchemaTree | undefined {
  let repeated = node.element.repetition_type === 'REPEATED';
  let at = node;
  while (at.children.length > 0) {
    if (at.children.length !== 1) return undefined;
    at = at.children[0];
    repeated ||= at.element.repetition_type === 'REPEATED';
  }
  return repeated && at !== node ? at : undefined;
}

function describe(node: SchemaTree): string {
  if (node.children.length === 0) {
    const converted = node.element.converted_type ? ` (${node.element.converted_type})` : '';
    return `${node.element.type ?? 'untyped'}${converted}`;
  }
  const leaf = listElement(node);
  return leaf ? `a list of ${describe(leaf)}` : `a group of ${node.children.length} fields`;
}

function sparkId(value: unknown, file: string): number {
  const id = typeof value === 'bigint' ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new Error(`${file}: id ${String(value)} is not an integer`);
  }
  return id;
}
