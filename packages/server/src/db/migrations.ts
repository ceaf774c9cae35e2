import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { DialectName, Storage } from './connect.js';

/**
 * The one set of migrations for both databases. The few type names that differ (an auto-incremented
 * key, a double) come from the dialect; everything else is the same SQL. Append, never edit: a
 * migration that ran stays as it was.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  // biome-ignore lint/suspicious/noExplicitAny: migrations run on a Kysely whose tables they are creating.
  const serial = (db: Kysely<any>, table: string) =>
    dialect === 'postgres'
      ? db.schema.createTable(table).addColumn('id', 'serial', (c) => c.primaryKey())
      : db.schema.createTable(table).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  return {
    '001_initial': {
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await serial(db, 'users')
          .addColumn('external_id', 'text', (c) => c.unique())
          .addColumn('username', 'text', (c) => c.unique())
          .addColumn('password_hash', 'text')
          .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('is_anonymous', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
        await db.schema
          .createTable('works')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('title_search', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('type', 'text')
          .addColumn('episodes', 'integer')
          .addColumn('members', 'integer')
          .addColumn('genres', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('works_category').on('works').column('category').execute();
        await db.schema.createIndex('works_title').on('works').column('title_search').execute();
        await db.schema
          .createTable('work_tags')
          .addColumn('work_id', 'text', (c) => c.notNull().references('works.id').onDelete('cascade'))
          .addColumn('tag', 'text', (c) => c.notNull())
          .addColumn('weight', real, (c) => c.notNull().defaultTo(1))
          .addPrimaryKeyConstraint('work_tags_pk', ['work_id', 'tag'])
          .execute();
        await db.schema
          .createTable('ratings')
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('work_id', 'text', (c) => c.notNull().references('works.id').onDelete('cascade'))
          .addColumn('choice', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('ratings_pk', ['user_id', 'work_id'])
          .execute();
        await db.schema.createIndex('ratings_work').on('ratings').column('work_id').execute();
        await db.schema
          .createTable('work_counters')
          .addColumn('work_id', 'text', (c) => c.primaryKey().references('works.id').onDelete('cascade'))
          .addColumn('favorite', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('like', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('neutral', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('dislike', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('willsee', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('wontsee', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('sum', real, (c) => c.notNull().defaultTo(0))
          .addColumn('nb_ratings', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('controversy', real, (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await serial(db, 'model_versions')
          .addColumn('family', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('metrics', 'text', (c) => c.notNull())
          .addColumn('file', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('ratings', 'integer', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('activated_at', 'text')
          .execute();
        await serial(db, 'jobs')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('progress', real, (c) => c.notNull().defaultTo(0))
          .addColumn('message', 'text')
          .addColumn('error', 'text')
          .addColumn('result', 'text')
          .addColumn('requested_by', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .execute();
        await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'kind']).execute();
        await db.schema
          .createTable('settings')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '002_jobs': {
      // At most one queued-or-running job per kind, enforced by the database across processes.
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await sql`create unique index jobs_one_pending on jobs (kind) where status in ('queued', 'running')`.execute(
          db,
        );
      },
    },
    '003_accounts': {
      // Usernames are kept as typed but unique whatever their case (both databases index an expression);
      // log-in attempts are counted in the database so the limit holds across API processes.
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await sql`create unique index users_username_lower on users (lower(username))`.execute(db);
        await db.schema
          .createTable('rate_limits')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('hits', 'integer', (c) => c.notNull())
          .addColumn('window_start', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('rate_limits_window').on('rate_limits').column('window_start').execute();
      },
    },
    '004_adult': {
      // Adult works are hidden unless the account opts in. Works already imported are marked from their
      // genres, with the list as it stood when this migration was written (domain/adult.ts keeps the
      // current one for imports): a migration that ran stays as it was.
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await db.schema
          .alterTable('works')
          .addColumn('adult', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('users')
          .addColumn('adult_ok', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        for (const genre of ['Hentai', 'Yaoi', 'Yuri']) {
          await sql`update works set adult = 1 where (', ' || genres || ', ') like ${`%, ${genre}, %`}`.execute(
            db,
          );
        }
      },
    },
    '005_alternate_titles': {
      // Other names of a work from its data set (English, Japanese, synonyms), in the data's order;
      // search matches them and the work's page shows them.
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('alternate_titles')
          .addColumn('work_id', 'text', (c) => c.notNull().references('works.id').onDelete('cascade'))
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('alternate_titles_pk', ['work_id', 'position'])
          .execute();
      },
    },
    '006_fleet': {
      // Several nodes on one PostgreSQL: a model version's file is kept in the database in chunks with its
      // checksum (nodes never read a path another node wrote; SQLite keeps its files on disk and records
      // the checksum only), and a running job is leased by one node, which renews the lease while it
      // works so that another node takes the job over once the lease has run out (docs/deploy.md).
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('model_versions').addColumn('sha256', 'text').execute();
        await db.schema.alterTable('model_versions').addColumn('size', 'bigint').execute();
        await db.schema
          .createTable('model_chunks')
          .addColumn('version_id', 'integer', (c) =>
            c.notNull().references('model_versions.id').onDelete('cascade'),
          )
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
          .addPrimaryKeyConstraint('model_chunks_pk', ['version_id', 'seq'])
          .execute();
        await db.schema.alterTable('jobs').addColumn('owner', 'text').execute();
        await db.schema.alterTable('jobs').addColumn('lease_until', 'text').execute();
      },
    },
    '007_groups': {
      // Following and watch parties (docs/service.md, "Groups"): who follows whom, and groups of accounts
      // that get recommendations together. Deleting an account removes its follows and memberships, and
      // the parties it owns.
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('follows')
          .addColumn('follower_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('followee_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('follows_pk', ['follower_id', 'followee_id'])
          .execute();
        await db.schema.createIndex('follows_followee').on('follows').column('followee_id').execute();
        await serial(db, 'watch_parties')
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('watch_party_members')
          .addColumn('party_id', 'integer', (c) =>
            c.notNull().references('watch_parties.id').onDelete('cascade'),
          )
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('joined_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('watch_party_members_pk', ['party_id', 'user_id'])
          .execute();
        await db.schema
          .createIndex('watch_party_members_user')
          .on('watch_party_members')
          .column('user_id')
          .execute();
      },
    },
    '008_work_details': {
      // What a catalogue may say about a work besides its title (type and episodes have been kept since
      // 001): its year, studio, synopsis, a link out and an image address, all optional; the work page
      // shows them. Works already imported keep what they have and get nulls.
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        for (const [column, type] of [
          ['year', 'integer'],
          ['studio', 'text'],
          ['synopsis', 'text'],
          ['url', 'text'],
          ['image_url', 'text'],
        ] as const) {
          await db.schema.alterTable('works').addColumn(column, type).execute();
        }
      },
    },
    '009_model_location': {
      // Model files may also live in an S3-compatible bucket: each version says where its file is, so
      // that a node reads it from there whatever the store new versions go to (docs/deploy.md).
      // biome-ignore lint/suspicious/noExplicitAny: see above.
      async up(db: Kysely<any>) {
        await db.schema.alterTable('model_versions').addColumn('location', 'text').execute();
      },
    },
  };
}

/**
 * Brings the schema up to date, or to the migration named `target` (idempotent; concurrent runs are
 * serialized by Kysely's lock table).
 */
export async function migrate(storage: Storage, target?: string): Promise<string[]> {
  const migrator = new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => migrations(storage.dialect) },
    // In a PostgreSQL schema of its own, the bookkeeping tables live there too.
    ...(storage.options.schema ? { migrationTableSchema: storage.options.schema } : {}),
  });
  const { error, results } = await (target ? migrator.migrateTo(target) : migrator.migrateToLatest());
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
