import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open database: the query layer, which engine is behind it, and how to close it. */
export interface Storage {
  db: Db;
  dialect: DialectName;
  /** Where it is, for logs (no password). */
  location: string;
  /** How it was opened: a worker thread opens its own connection with these. */
  options: StorageOptions;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite at `sqliteFile`. */
  databaseUrl?: string | undefined;
  sqliteFile?: string;
  /** PostgreSQL schema to use (created if missing); tests isolate themselves this way. */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export function sqlitePath(home: string): string {
  return join(home, 'osusume.db');
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  const file = options.sqliteFile;
  if (!file) throw new Error('openStorage: no DATABASE_URL and no SQLite file');
  if (file !== ':memory:') mkdirSync(join(file, '..'), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside the writer and survives a crash of the process; NORMAL syncs at
  // checkpoints, which WAL makes safe against corruption. Several processes share the file, hence the
  // busy timeout.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 15000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', location: file, options, close: () => db.destroy() };
}

async function openPostgres(url: string, options: StorageOptions): Promise<Storage> {
  // Counts and sums come back as numbers, not strings: int8 values here stay far below 2^53.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
  const { schema } = options;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name "${schema}"`);
  // Every connection works in the schema from its start (a startup parameter, not a query).
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = new URL(url);
  location.password = '';
  return {
    db,
    dialect: 'postgres',
    location: `${location.toString()}${schema ? ` (schema ${schema})` : ''}`,
    options,
    close: () => db.destroy(),
  };
}
