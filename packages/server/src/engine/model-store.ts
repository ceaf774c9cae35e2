import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Selectable } from 'kysely';
import type { Db, ModelVersionsTable } from '../db/schema.js';
import { now } from '../db/schema.js';

export interface ModelVersion {
  id: number;
  family: string;
  params: Record<string, unknown>;
  /**
   * Held-out figures (rmse, mae, …), the learning curve (validation RMSE per epoch) and `curveOf`, the
   * family whose epochs the curve follows (a blend's ALS part for BALSE).
   */
  metrics: Record<string, number | number[] | string>;
  file: string;
  status: string;
  ratings: number;
  error: string | null;
  createdAt: string;
  activatedAt: string | null;
}

/**
 * Model versions: one file per version under <home>/models (written atomically by the trainer, kept
 * after it is replaced), one row per version. Exactly one row is `active`; activation swaps it in one
 * transaction, so every API process moves to the new version together and a failed training never
 * touches the one serving.
 */
export class ModelStore {
  constructor(
    private readonly db: Db,
    readonly directory: string,
  ) {}

  static forHome(db: Db, home: string): ModelStore {
    return new ModelStore(db, join(home, 'models'));
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

  async fail(id: number, error: string): Promise<void> {
    await this.db
      .updateTable('model_versions')
      .set({ status: 'failed', error })
      .where('id', '=', id)
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
    status: row.status,
    ratings: row.ratings,
    error: row.error,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  };
}
