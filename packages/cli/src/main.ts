import { Command } from 'commander';
import { benchCommand } from './commands/bench.js';
import { compareCommand } from './commands/compare.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { importFactorsCommand } from './commands/import-factors.js';
import { postersCommand } from './commands/posters.js';
import { queryCommands } from './commands/query.js';
import { serveCommands } from './commands/serve.js';
import { trainCommand } from './commands/train.js';
import { tuneCommand } from './commands/tune.js';

const program = new Command('osusume')
  .description('recommendations for anime and manga: import, train, evaluate, compare, recommend, explain')
  .showHelpAfterError('(run with --help for usage)');
importCommand(program);
exportCommand(program);
trainCommand(program);
evalCommand(program);
compareCommand(program);
tuneCommand(program);
postersCommand(program);
queryCommands(program);
importFactorsCommand(program);
benchCommand(program);
demoCommand(program);
serveCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // One clear line and a non-zero exit code; the stack only on request.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`osusume: ${message}\n`);
  if (process.env.OSUSUME_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
