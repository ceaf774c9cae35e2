import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Selectable } from 'kysely';
import type { Storage } from '../db/connect.js';
import { notifyModel } from '../db/notices.js';
import type { Db, ModelVersionsTable } from '../db/schema.js';
import { now } from '../db/schema.js';
import {
  checkFile,
  checksumOf,
  downloadModelFile,
  type FileChecksum,
  uploadModelFile,
} from './model-files.js';

export interface ModelVersion {
  id: number;
  family: string;
  params: Record<string, unknown>;
  /**
   * Held-out figures (rmse, mae, …), the learning curve (validation RMSE per epoch) and `curveOf`, the
   * family whose epochs the curve follows (a blend's ALS part for BALSE).
   */
  metrics: Record<string, number | number[] | string>;
  /** Where the trainer wrote the file, on its own node (another node loads its own copy: `localFile`). */
  file: string;
  /** The file's SHA-256 (hex) and size, checked on load; null for versions trained before they were kept. */
  sha256: string | null;
  size: number | null;
  status: string;
  ratings: number;
  error: string | null;
  createdAt: string;
  activatedAt: string | null;
}

/**
 * Model versions: one file per version under <home>/models (written atomically by the trainer; after it
 * is replaced, kept for the `keepOld` newest old versions only: `prune`), one row per version. Exactly one row is `active`; activation swaps it in one
 * transaction, so every API process moves to the new version together and a failed training never
 * touches the one serving. On PostgreSQL the file is also kept in the database (`publish`), where every
 * node reads it into a copy of its own; activation is announced there (db/notices.ts).
 */
export class ModelStore {
  private readonly db: Db;

  constructor(
    private readonly storage: Storage,
    readonly directory: string,
    /** Old versions whose files are kept besides the serving one (OSUSUME_KEEP_MODELS). */
    private readonly keepOld: number,
  ) {
    this.db = storage.db;
  }

  static forHome(storage: Storage, home: string, keepOld: number): ModelStore {
    return new ModelStore(storage, join(home, 'models'), keepOld);
  }

  /** Whether model files live in the database, for every node to read (PostgreSQL), or on this disk. */
  get shared(): boolean {
    return this.storage.dialect === 'postgres';
  }

  async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  fileFor(id: number): string {
    return join(this.directory, `v${id}.safetensors`);
  }

  /** Registers a version being trained; its file path is fixed from its id. */
  async begin(family: string, params: Record<string, unknown>): Promise<ModelVersion> {
    const row = await this.db
      .insertInto('model_versions')
      .values({
        family,
        params: JSON.stringify(params),
        metrics: '{}',
        file: '',
        status: 'training',
        ratings: 0,
        created_at: now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const file = this.fileFor(row.id);
    await this.db.updateTable('model_versions').set({ file }).where('id', '=', row.id).execute();
    return (await this.get(row.id)) as ModelVersion;
  }

  /**
   * Records the checksum of the file the trainer wrote for version `id` and, on PostgreSQL, copies it
   * into the database; done before activation, so a version serves only once every node can load it.
   */
  async publish(id: number): Promise<FileChecksum> {
    const file = this.fileFor(id);
    const checksum = this.shared ? await uploadModelFile(this.db, id, file) : await checksumOf(file);
    await this.db
      .updateTable('model_versions')
      .set({ sha256: checksum.sha256, size: checksum.size })
      .where('id', '=', id)
      .execute();
    return checksum;
  }

  /**
   * A file on this node holding `version`, checked against its checksum. On PostgreSQL it is this node's
   * own copy under its home, fetched from the database unless a good one is there already; on SQLite
   * (one machine) the file the trainer wrote.
   */
  async localFile(version: ModelVersion): Promise<string> {
    if (!this.shared) {
      await checkFile(version.file, { sha256: version.sha256 ?? undefined, size: version.size ?? undefined });
      return version.file;
    }
    if (!version.sha256 || version.size == null)
      throw new Error(`model v${version.id} has no file in the database`);
    const expected = { sha256: version.sha256, size: version.size };
    const file = this.fileFor(version.id);
    if (existsSync(file)) {
      try {
        await checkFile(file, expected);
        return file;
      } catch {
        // Another database's version with the same id, or a damaged copy: fetched again below.
      }
    }
    await this.ensureDirectory();
    await downloadModelFile(this.db, version.id, file, expected);
    // This node's copies of versions that will not serve again go too (the trainer prunes its own).
    await this.prune().catch(() => {});
    return file;
  }

  /**
   * Deletes the files under this node's home, and on PostgreSQL the database copies, of the versions that
   * will not serve again: failed ones, and retired ones beyond the `keepOld` newest. Their rows stay, as
   * the history of trainings. Files of versions the database does not list as such are left alone.
   */
  async prune(): Promise<void> {
    const old = await this.db
      .selectFrom('model_versions')
      .select(['id', 'status'])
      .where('status', 'in', ['retired', 'failed'])
      .orderBy('id', 'desc')
      .execute();
    const kept = new Set(
      old
        .filter((v) => v.status === 'retired')
        .slice(0, this.keepOld)
        .map((v) => v.id),
    );
    const gone = new Set(old.map((v) => v.id).filter((id) => !kept.has(id)));
    if (gone.size === 0) return;
    if (this.shared) {
      // Only the few versions that still have chunks, not the whole history, go into the query.
      const chunked = await this.db.selectFrom('model_chunks').select('version_id').distinct().execute();
      const drop = chunked.map((c) => c.version_id).filter((id) => gone.has(id));
      if (drop.length > 0) await this.db.deleteFrom('model_chunks').where('version_id', 'in', drop).execute();
    }
    const files = existsSync(this.directory) ? await readdir(this.directory) : [];
    for (const name of files) {
      const id = /^v(\d+)\.safetensors$/.exec(name)?.[1];
      if (id !== undefined && gone.has(Number(id))) await rm(join(this.directory, name), { force: true });
    }
  }

  async fail(id: number, error: string): Promise<void> {
    await this.db
      .updateTable('model_versions')
      .set({ status: 'failed', error })
      .where('id', '=', id)
      .execute();
    await this.dropFailedChunks();
  }

  /** A failed version never serves: the part of its file a trainer had copied is of no use. */
  private async dropFailedChunks(): Promise<void> {
    if (!this.shared) return;
    await this.db
      .deleteFrom('model_chunks')
      .where('version_id', 'in', (eb) =>
        eb.selectFrom('model_versions').select('id').where('status', '=', 'failed'),
      )
      .execute();
  }

  /** Makes `id` the serving version and retires the previous one, atomically. */
  async activate(
    id: number,
    family: string,
    metrics: Record<string, number | number[] | string>,
    ratings: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('model_versions')
        .set({ status: 'retired' })
        .where('status', '=', 'active')
        .execute();
      await tx
        .updateTable('model_versions')
        .set({ status: 'active', family, metrics: JSON.stringify(metrics), ratings, activated_at: now() })
        .where('id', '=', id)
        .execute();
      if (this.shared) await notifyModel(tx, this.storage.options, id);
    });
  }

  async active(): Promise<ModelVersion | undefined> {
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('status', '=', 'active')
      .executeTakeFirst();
    return row ? toVersion(row) : undefined;
  }

  async get(id: number): Promise<ModelVersion | undefined> {
    const row = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toVersion(row) : undefined;
  }

  async list(limit = 50): Promise<ModelVersion[]> {
    const rows = await this.db
      .selectFrom('model_versions')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toVersion);
  }

  /** Versions left `training` by a process that died: they will never finish. */
  async failInterrupted(): Promise<number> {
    const result = await this.db
      .updateTable('model_versions')
      .set({ status: 'failed', error: 'interrupted: the process stopped during training' })
      .where('status', '=', 'training')
      .executeTakeFirst();
    await this.dropFailedChunks();
    return Number(result.numUpdatedRows);
  }
}

function toVersion(row: Selectable<ModelVersionsTable>): ModelVersion {
  return {
    id: row.id,
    family: row.family,
    params: JSON.parse(row.params),
    metrics: JSON.parse(row.metrics),
    file: row.file,
    sha256: row.sha256,
    size: row.size,
    status: row.status,
    ratings: row.ratings,
    error: row.error,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  };
}
