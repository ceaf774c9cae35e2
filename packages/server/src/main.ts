// `npm start`: the service, configured by the environment (docs/service.md, "Configuration").
import { start } from './start.js';

try {
  await start();
} catch (error) {
  process.stderr.write(`osusume: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
