import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Selectable } from 'kysely';
import type { S3Settings } from '../config.js';
import type { Storage } from '../db/connect.js';
import { notifyModel } from '../db/notices.js';
import type { Db, ModelVersionsTable } from '../db/schema.js';
import { now } from '../db/schema.js';
import { DatabaseModelFiles } from './database-model-files.js';
import {
  checkFile,
  checksumOf,
  downloadModelFile,
  type FileChecksum,
  type ModelFileStore,
  uploadModelFile,
} from './model-files.js';
import { S3ModelFiles } from './s3-model-files.js';

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
  /** Where every node reads the file (ModelVersionsTable.location). */
  location: string | null;
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
 * touches the one serving. The file is also kept where every node reads it into a copy of its own
 * (`publish`): an S3-compatible bucket when one is configured, else on PostgreSQL the database; on
 * PostgreSQL activation is announced (db/notices.ts).
 */
export class ModelStore {
  private readonly db: Db;
  /** The stores a version's file may be in; new files go to the first (none on SQLite without S3). */
  private readonly stores: ModelFileStore[];

  constructor(
    private readonly storage: Storage,
    readonly directory: string,
    /** Old versions whose files are kept besides the serving one (OSUSUME_KEEP_MODELS). */
    private readonly keepOld: number,
    s3?: S3Settings,
  ) {
    this.db = storage.db;
    this.stores = [
      ...(s3 ? [new S3ModelFiles(s3)] : []),
      ...(storage.dialect === 'postgres' ? [new DatabaseModelFiles(this.db)] : []),
    ];
  }

  static forHome(storage: Storage, home: string, keepOld: number, s3?: S3Settings): ModelStore {
    return new ModelStore(storage, join(home, 'models'), keepOld, s3);
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
   * Records the checksum of the file the trainer wrote for version `id` and copies it into the store
   * every node reads (if any), recording where; done before activation, so a version serves only once
   * every node can load it.
   */
  async publish(id: number): Promise<FileChecksum> {
    const file = this.fileFor(id);
    const [store] = this.stores;
    const checksum = store ? await uploadModelFile(store, id, file) : await checksumOf(file);
    await this.db
      .updateTable('model_versions')
      .set({ sha256: checksum.sha256, size: checksum.size, location: store?.locationOf(id) ?? null })
      .where('id', '=', id)
      .execute();
    return checksum;
  }

  /** The store holding `version`'s file for every node; undefined when it is only where it was trained. */
  private storeOf(version: ModelVersion): ModelFileStore | undefined {
    // Versions from before locations were recorded: in the database on PostgreSQL, on disk on SQLite.
    const location = version.location ?? (this.storage.dialect === 'postgres' ? 'database' : undefined);
    if (location === undefined) return undefined;
    const store = this.stores.find((s) => s.locationOf(version.id) === location);
    if (!store) {
      throw new Error(
        `model v${version.id} is in ${location}, which this node does not read (its OSUSUME_S3_BUCKET and OSUSUME_S3_PREFIX must be those of the node that trained it)`,
      );
    }
    return store;
  }

  /**
   * A file on this node holding `version`, checked against its checksum: this node's own copy under its
   * home, fetched from the store that holds the version (the database or a bucket) unless a good one is
   * there already; on SQLite without a bucket (one machine) the file the trainer wrote.
   */
  async localFile(version: ModelVersion): Promise<string> {
    const store = this.storeOf(version);
    if (!store) {
      await checkFile(version.file, { sha256: version.sha256 ?? undefined, size: version.size ?? undefined });
      return version.file;
    }
    if (!version.sha256 || version.size == null)
      throw new Error(`model v${version.id} has no file in ${store.locationOf(version.id)}`);
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
    await downloadModelFile(store, version.id, file, expected);
    // This node's copies of versions that will not serve again go too (the trainer prunes its own).
    await this.prune().catch(() => {});
    return file;
  }

  /** Fails, saying why, unless every store this node reads model files from answers. */
  async reachable(): Promise<void> {
    for (const store of this.stores) await store.stored();
  }

  /**
   * Deletes the files under this node's home, and the copies in the stores every node reads, of the
   * versions that will not serve again: failed ones, and retired ones beyond the `keepOld` newest. Their
   * rows stay, as the history of trainings. Files of versions the database does not list as such are left
   * alone.
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
    const files = existsSync(this.directory) ? await readdir(this.directory) : [];
    for (const name of files) {
      const id = /^v(\d+)\.safetensors$/.exec(name)?.[1];
      if (id !== undefined && gone.has(Number(id))) await rm(join(this.directory, name), { force: true });
    }
    for (const store of this.stores) {
      // Only the few versions that still have a file there, not the whole history, are deleted.
      await store.delete((await store.stored()).filter((id) => gone.has(id)));
    }
  }

  async fail(id: number, error: string): Promise<void> {
    await this.db
      .updateTable('model_versions')
      .set({ status: 'failed', error })
      .where('id', '=', id)
      .execute();
    await this.dropFailed();
  }

  /**
   * A failed version never serves: the part of its file a trainer had copied is of no use. A store that
   * cannot be reached keeps it until the next prune, and the failure reported is the training's.
   */
  private async dropFailed(): Promise<void> {
    for (const store of this.stores) {
      try {
        const stored = await store.stored();
        if (stored.length === 0) continue;
        const failed = await this.db
          .selectFrom('model_versions')
          .select('id')
          .where('id', 'in', stored)
          .where('status', '=', 'failed')
          .execute();
        await store.delete(failed.map((v) => v.id));
      } catch {
        // Left for the next prune.
      }
    }
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
      if (this.storage.dialect === 'postgres') await notifyModel(tx, this.storage.options, id);
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
    await this.dropFailed();
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
    location: row.location,
    status: row.status,
    ratings: row.ratings,
    error: row.error,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  };
}
