// Spark's factor files as its ALS writes them (Parquet: id int, features array<float>), for the tests of
// import-factors and of serving what it imports.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';

/** Spark 3's layout of `features: array<float>` (containsNull = false): a three-level LIST. */
export const SPARK_FACTORS: SchemaElement[] = [
  { name: 'spark_schema', num_children: 2 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'features', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];
/** What spark.sql.parquet.writeLegacyFormat=true writes for the same column. */
export const SPARK_LEGACY_FACTORS: SchemaElement[] = [
  ...SPARK_FACTORS.slice(0, 3),
  { name: 'bag', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'array', type: 'FLOAT', repetition_type: 'OPTIONAL' },
];

export function writeFactors(file: string, rows: [number, number[]][], schema = SPARK_FACTORS): void {
  parquetWriteFile({
    filename: file,
    schema,
    columnData: [
      { name: 'id', data: Int32Array.from(rows, ([id]) => id) },
      { name: 'features', data: rows.map(([, features]) => features) },
    ],
  });
}

/**
 * Rank-2 factors chosen by hand. Dot products, user 1 = (1, 0.5): item 10 → 1, 20 → 1, 30 → 1.5,
 * 40 → 1.2; user 2 = (0, 1): 10 → 0, 20 → 1, 30 → −1, 40 → 2.
 */
export const USERS: [number, number[]][] = [
  [1, [1, 0.5]],
  [2, [0, 1]],
];
export const ITEMS: [number, number[]][] = [
  [10, [1, 0]],
  [20, [0.5, 1]],
  [30, [2, -1]],
  [40, [0.2, 2]],
];

/** A saved ALSModel's layout: userFactors/ in two part files beside _SUCCESS and a .crc, itemFactors/ in one. */
export function writeSavedModel(at: string, itemSchema = SPARK_FACTORS): void {
  mkdirSync(join(at, 'userFactors'), { recursive: true });
  mkdirSync(join(at, 'itemFactors'), { recursive: true });
  writeFactors(join(at, 'userFactors', 'part-00000-a1.c000.snappy.parquet'), USERS.slice(0, 1));
  writeFactors(join(at, 'userFactors', 'part-00001-a1.c000.snappy.parquet'), USERS.slice(1));
  writeFileSync(join(at, 'userFactors', '_SUCCESS'), '');
  writeFileSync(join(at, 'userFactors', '.part-00000-a1.c000.snappy.parquet.crc'), 'not parquet');
  writeFactors(join(at, 'itemFactors', 'part-00000-b2.c000.snappy.parquet'), ITEMS, itemSchema);
}
