#!/usr/bin/env node
// The `osusume` command. It lives in dist/ once `npm run build` has compiled it; this launcher exists
// before the build so that npm can link the command at install time.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('osusume: the command is not built yet; run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
