import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Db } from '../db/schema.js';

/** A model file's identity: its SHA-256 (hex) and its size in bytes. */
export interface FileChecksum {
  sha256: string;
  size: number;
}

/** Chunks of a model file in the database: large enough to be few, small enough to stream. */
const CHUNK_BYTES = 1 << 20;

/** SHA-256 and size of a file, read in chunks. */
export async function checksumOf(file: string): Promise<FileChecksum> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Fails unless `file` is the one recorded (versions from before checksums were recorded pass). */
export async function checkFile(file: string, expected: Partial<FileChecksum>): Promise<void> {
  if (!expected.sha256) return;
  const actual = await checksumOf(file);
  if (actual.sha256 !== expected.sha256 || (expected.size != null && actual.size !== expected.size)) {
    throw new Error(
      `${file}: checksum ${actual.sha256} (${actual.size} bytes) is not the recorded ${expected.sha256} (${expected.size} bytes)`,
    );
  }
}

/**
 * Copies a model file into the database (PostgreSQL: the table model_chunks), chunk by chunk, so that
 * every node can load it; returns its checksum. Chunks left by an earlier attempt are replaced.
 */
export async function uploadModelFile(db: Db, versionId: number, file: string): Promise<FileChecksum> {
  const hash = createHash('sha256');
  let size = 0;
  let seq = 0;
  await db.deleteFrom('model_chunks').where('version_id', '=', versionId).execute();
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
    await db.insertInto('model_chunks').values({ version_id: versionId, seq: seq++, bytes }).execute();
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Writes the model file of a version from the database to `file` (atomically: a temporary file renamed
 * once its checksum is the recorded one), one chunk in memory at a time.
 */
export async function downloadModelFile(
  db: Db,
  versionId: number,
  file: string,
  expected: FileChecksum,
): Promise<void> {
  const partial = `${file}.${randomBytes(6).toString('hex')}.part`;
  const handle = await open(partial, 'w');
  const hash = createHash('sha256');
  let size = 0;
  try {
    for (let seq = 0; ; seq++) {
      const row = await db
        .selectFrom('model_chunks')
        .select('bytes')
        .where('version_id', '=', versionId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!row) break;
      hash.update(row.bytes);
      size += row.bytes.length;
      await handle.write(row.bytes);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== expected.sha256 || size !== expected.size) {
    await rm(partial, { force: true });
    throw new Error(
      `model v${versionId} in the database: checksum ${sha256} (${size} bytes) is not the recorded ${expected.sha256} (${expected.size} bytes)`,
    );
  }
  await rename(partial, file);
}
