import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { StorageOptions } from './connect.js';
import type { Db } from './schema.js';

/** How long a lost listening connection waits before it connects again. */
const RECONNECT_MS = 1000;

/** PostgreSQL cuts identifiers (a LISTEN channel) at 63 bytes. */
const MAX_IDENTIFIER = 63;

/**
 * The PostgreSQL channel on which a newly activated model is announced. Channels are per database, not
 * per schema: the schema is in the name, so that services in other schemas of the database are not told
 * (a hash of it when the name would be too long).
 */
export function modelChannel(options: StorageOptions): string {
  const channel = `osusume_model_${options.schema ?? 'public'}`;
  if (channel.length <= MAX_IDENTIFIER) return channel;
  return `osusume_model_${createHash('sha256').update(channel).digest('hex').slice(0, 40)}`;
}

/** Announces version `id` on the model channel; inside a transaction it goes out at the commit. */
export async function notifyModel(db: Db, options: StorageOptions, id: number): Promise<void> {
  await sql`select pg_notify(${modelChannel(options)}, ${String(id)})`.execute(db);
}

/**
 * Calls `onNotice` whenever a node announces a new model, through a connection of its own that LISTENs
 * (PostgreSQL only). A lost connection is opened again, and `onNotice` is called then too, since a notice
 * may have gone out meanwhile. Returns a function that stops listening.
 */
export function listenForModels(
  options: StorageOptions,
  onNotice: () => void,
  onError: (message: string) => void,
): () => Promise<void> {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (again: boolean) => {
    const current = new pg.Client({ connectionString: options.databaseUrl });
    client = current;
    const retry = (error: Error) => {
      if (stopped || client !== current) return;
      client = undefined;
      onError(`model notices: ${error.message}; listening again in ${RECONNECT_MS / 1000} s`);
      void current.end().catch(() => {});
      timer = setTimeout(() => void connect(true), RECONNECT_MS);
      timer.unref();
    };
    current.on('error', retry);
    current.on('end', () => retry(new Error('connection closed')));
    current.on('notification', () => onNotice());
    try {
      await current.connect();
      await current.query(`LISTEN ${modelChannel(options)}`);
      if (again) onNotice();
    } catch (error) {
      retry(error instanceof Error ? error : new Error(String(error)));
    }
  };
  void connect(false);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => {});
  };
}
