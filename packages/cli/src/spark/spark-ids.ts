import { readFile } from 'node:fs/promises';
import type { IdMap } from 'osusume';

/**
 * Spark's ALS takes integer user and item ids (docs/cli.md#export). A side whose ids are not all
 * integers is numbered instead: Spark id k stands for the k-th id of `users` or `items` (null: the ids
 * are Spark's as they are). `export --parquet` writes this file, `import-factors --ids` reads it.
 */
export interface SparkIds {
  users: string[] | null;
  items: string[] | null;
}

/** The ids of a side as Spark reads them: themselves when all are 32-bit integers, else their indices. */
export function sparkIdsOf(map: IdMap): string[] | null {
  const ids = map.toArray();
  return ids.every(isSparkInteger) ? null : ids;
}

/** An id written the way an integer prints, within Spark's Int range. */
export function isSparkInteger(id: string): boolean {
  const n = Number(id);
  return Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 && String(n) === id;
}

/** The mapping file beside a Parquet file: ratings.parquet → ratings.ids.json. */
export function idsFileFor(parquet: string): string {
  return `${parquet.replace(/\.parquet$/i, '')}.ids.json`;
}

export async function readSparkIds(file: string): Promise<SparkIds> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: cannot read the id mapping (${(error as Error).message})`);
  }
  const side = (value: unknown, name: string): string[] | null => {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value) && value.every((id) => typeof id === 'string')) return value;
    throw new Error(`${file}: "${name}" must be null or an array of id strings (written by osusume export)`);
  };
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file}: expected {"users": …, "items": …} (written by osusume export)`);
  }
  const object = parsed as Record<string, unknown>;
  return { users: side(object.users, 'users'), items: side(object.items, 'items') };
}

/** The osusume id of Spark id `id` under `mapping` (the id itself without one). */
export function fromSparkId(id: number, mapping: string[] | null, source: string): string {
  if (!mapping) return String(id);
  const mapped = mapping[id];
  if (mapped === undefined) {
    throw new Error(`${source}: id ${id} is not in the id mapping (it numbers ${mapping.length} ids)`);
  }
  return mapped;
}
