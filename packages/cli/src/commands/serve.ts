import { ensureAdmin, loadConfig, migrate, openStorage, sqlitePath, start } from '@osusume/server';
import type { Command } from 'commander';

/** `serve` runs the service; `user create` manages accounts from the shell (the first admin). */
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
      const config = loadConfig();
      const storage = await openStorage({
        databaseUrl: config.databaseUrl,
        schema: config.databaseSchema,
        sqliteFile: sqlitePath(config.home),
      });
      try {
        await migrate(storage);
        if (!options.admin)
          throw new Error('only admin accounts are created here (--admin); people sign up on the site');
        await ensureAdmin(storage.db, options.username, options.password);
        process.stdout.write(`admin account "${options.username}" ready in ${storage.location}\n`);
      } finally {
        await storage.close();
      }
    });
}
