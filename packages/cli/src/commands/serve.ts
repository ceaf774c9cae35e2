import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  activateModelFile,
  type Config,
  ensureAdmin,
  loadConfig,
  ModelStore,
  migrate,
  openStorage,
  sqlitePath,
  start,
} from '@osusume/server';
import type { Command } from 'commander';
import { Output } from '../output.js';

/**
 * `serve` runs the service; `user create` manages accounts from the shell (the first admin);
 * `activate-model` makes a model file made elsewhere (Spark, import-factors) the serving version.
 */
export function serveCommands(program: Command): void {
  program
    .command('serve')
    .description('run the service (HTTP API and web app); configured by PORT, OSUSUME_HOME, DATABASE_URL, …')
    .option('--port <n>', 'port (default: $PORT or 3000)')
    .action(async (options) => {
      if (options.port) process.env.PORT = String(options.port);
      await start(loadConfig());
    });

  const user = program.command('user').description('accounts of the service');
  user
    .command('create')
    .description('create an account (or reset its password), in the database the service uses')
    .requiredOption('--username <name>', 'user name')
    .requiredOption('--password <password>', 'password (at least 8 characters)')
    .option('--admin', 'give it the admin role')
    .action(async (options) => {
      const storage = await openServiceStorage(loadConfig());
      try {
        if (!options.admin)
          throw new Error('only admin accounts are created here (--admin); people sign up on the site');
        await ensureAdmin(storage.db, options.username, options.password);
        process.stdout.write(`admin account "${options.username}" ready in ${storage.location}\n`);
      } finally {
        await storage.close();
      }
    });

  program
    .command('activate-model')
    .description(
      'make a model file (from import-factors or train) the version the service serves, on every node; configured like serve (OSUSUME_HOME, DATABASE_URL, DATABASE_SCHEMA) or by the options',
    )
    .requiredOption('--file <model>', 'the model file; its items must be works of the service’s catalogue')
    .option('--home <dir>', 'the service’s data directory (default: $OSUSUME_HOME or ./var)')
    .option('--database-url <url>', 'postgres://… (default: $DATABASE_URL; SQLite under --home without one)')
    .option('--schema <name>', 'the PostgreSQL schema (default: $DATABASE_SCHEMA)')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const config = loadConfig({
        ...process.env,
        ...(options.home !== undefined ? { OSUSUME_HOME: options.home } : {}),
        ...(options.databaseUrl !== undefined ? { DATABASE_URL: options.databaseUrl } : {}),
        ...(options.schema !== undefined ? { DATABASE_SCHEMA: options.schema } : {}),
      });
      // A wrong --home must not leave a new, empty database behind.
      if (!config.databaseUrl && !existsSync(sqlitePath(config.home))) {
        throw new Error(
          `no service database at ${sqlitePath(config.home)}: give the service's --home (or DATABASE_URL)`,
        );
      }
      const storage = await openServiceStorage(config);
      try {
        // The service's bucket, if it has one (OSUSUME_S3_*): the file goes where every node reads it.
        const models = ModelStore.forHome(storage, config.home, config.keepModels, config.s3);
        const notified = storage.dialect === 'postgres';
        const version = await activateModelFile(storage.db, models, resolve(options.file));
        out.result({
          version: version.id,
          family: version.family,
          ratings: version.ratings,
          sha256: version.sha256,
          size: version.size,
          database: storage.location,
          location: version.location,
          shared: notified,
        });
        out.line(
          `model v${version.id} (${version.family}) is the serving version in ${storage.location}: ` +
            (notified
              ? 'running nodes load it now (notified through PostgreSQL)'
              : 'the running service loads it within seconds'),
        );
      } finally {
        await storage.close();
      }
    });
}

/** The service's database, as its configuration names it, migrated to this version. */
async function openServiceStorage(config: Config) {
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    sqliteFile: sqlitePath(config.home),
  });
  try {
    await migrate(storage);
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}
