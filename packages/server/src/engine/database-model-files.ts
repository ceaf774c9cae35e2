import type { Readable } from 'node:stream';
import type { Db } from '../db/schema.js';
import type { ModelFileStore } from './model-files.js';

/** Model files in PostgreSQL: the table model_chunks, one row per chunk of a file (model-files.ts). */
export class DatabaseModelFiles implements ModelFileStore {
  constructor(private readonly db: Db) {}

  locationOf(): string {
    return 'database';
  }

  async put(id: number, bytes: Readable): Promise<void> {
    await this.db.deleteFrom('model_chunks').where('version_id', '=', id).execute();
    let seq = 0;
    for await (const chunk of bytes) {
      await this.db
        .insertInto('model_chunks')
        .values({ version_id: id, seq: seq++, bytes: chunk as Buffer })
        .execute();
    }
  }

  async *get(id: number): AsyncIterable<Uint8Array> {
    for (let seq = 0; ; seq++) {
      const row = await this.db
        .selectFrom('model_chunks')
        .select('bytes')
        .where('version_id', '=', id)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!row) return;
      yield row.bytes;
    }
  }

  async stored(): Promise<number[]> {
    const rows = await this.db.selectFrom('model_chunks').select('version_id').distinct().execute();
    return rows.map((row) => row.version_id);
  }

  async delete(ids: number[]): Promise<void> {
    if (ids.length > 0) await this.db.deleteFrom('model_chunks').where('version_id', 'in', ids).execute();
  }
}
