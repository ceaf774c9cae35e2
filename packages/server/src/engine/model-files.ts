import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** A model file's identity: its SHA-256 (hex) and its size in bytes. */
export interface FileChecksum {
  sha256: string;
  size: number;
}

/** Pieces a model file is read and sent in: large enough to be few, small enough to stream. */
export const CHUNK_BYTES = 1 << 20;

/**
 * Where model files live for every node to read (the database, or an S3-compatible bucket): the bytes of
 * one file per model version, streamed both ways. model_versions records each version's `location`.
 */
export interface ModelFileStore {
  /** Where this store keeps version `id`'s file, as model_versions.location records it. */
  locationOf(id: number): string;
  /** Stores version `id`'s file, replacing what an earlier attempt left; `checksum` is the file's. */
  put(id: number, bytes: Readable, checksum: FileChecksum): Promise<void>;
  /** The bytes of version `id`'s file, in order. */
  get(id: number): AsyncIterable<Uint8Array>;
  /** The versions that have a file here. */
  stored(): Promise<number[]>;
  delete(ids: number[]): Promise<void>;
}

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

/** Copies the model file of version `id` into `store`, streamed, so that every node can load it. */
export async function uploadModelFile(
  store: ModelFileStore,
  id: number,
  file: string,
): Promise<FileChecksum> {
  const checksum = await checksumOf(file);
  await store.put(id, createReadStream(file, { highWaterMark: CHUNK_BYTES }), checksum);
  return checksum;
}

/**
 * Writes the model file of version `id` from `store` to `file` (atomically: a temporary file renamed once
 * its checksum is the recorded one), streamed: one chunk in memory at a time.
 */
export async function downloadModelFile(
  store: ModelFileStore,
  id: number,
  file: string,
  expected: FileChecksum,
): Promise<void> {
  const partial = `${file}.${randomBytes(6).toString('hex')}.part`;
  const handle = await open(partial, 'w');
  const hash = createHash('sha256');
  let size = 0;
  try {
    try {
      for await (const bytes of store.get(id)) {
        hash.update(bytes);
        size += bytes.length;
        await handle.write(bytes);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== expected.sha256 || size !== expected.size) {
    await rm(partial, { force: true });
    throw new Error(
      `model v${id} in ${store.locationOf(id)}: checksum ${sha256} (${size} bytes) is not the recorded ${expected.sha256} (${expected.size} bytes)`,
    );
  }
  await rename(partial, file);
}
