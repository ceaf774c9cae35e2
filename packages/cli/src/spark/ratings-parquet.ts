import { parquetWriteBuffer } from 'hyparquet-writer';
import { type Interactions, writeFileAtomic } from 'osusume';
import { type SparkIds, sparkIdsOf } from './spark-ids.js';

/**
 * Ratings in the layout Spark's ALS reads with its default columns: `user` and `item` (int32) and
 * `rating` (float), one row per rating. Ids that are not all integers are numbered (the returned
 * mapping, which the caller writes beside the file).
 */
export async function writeSparkRatings(file: string, ratings: Interactions): Promise<SparkIds> {
  const ids: SparkIds = { users: sparkIdsOf(ratings.users), items: sparkIdsOf(ratings.items) };
  const column = (mapping: string[] | null, map: Interactions['users'], index: Int32Array): Int32Array => {
    if (mapping) return index;
    const numeric = new Int32Array(map.size);
    for (let k = 0; k < map.size; k++) numeric[k] = Number(map.idAt(k));
    const out = new Int32Array(index.length);
    for (let t = 0; t < index.length; t++) out[t] = numeric[index[t]];
    return out;
  };
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'user', data: column(ids.users, ratings.users, ratings.user) },
      { name: 'item', data: column(ids.items, ratings.items, ratings.item) },
      { name: 'rating', data: Float32Array.from(ratings.value) },
    ],
    schema: [
      { name: 'spark_schema', num_children: 3 },
      { name: 'user', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'item', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'rating', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ],
  });
  await writeFileAtomic(file, new Uint8Array(buffer));
  return ids;
}
