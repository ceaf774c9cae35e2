// Builds the web app into dist/app with Vite and type-checks it with vue-tsc, each only when its sources
// changed since it last ran: `npm start` builds every time, and a restart should not wait for either.
// `--no-check` (what `npm start` passes) skips the type-check, a third of a first build, and leaves it
// for the next `npm run build` or `npm test`: the check keeps its own stamp, so it is not forgotten.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stale } from '../../../scripts/newest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
// The app imports the service's vocabularies and schema types from its build (src/lib/types.ts).
const sources = [
  'src',
  'public',
  'index.html',
  'vite.config.ts',
  'tsconfig.app.json',
  'package.json',
  '../server/dist/src',
].map((source) => join(root, source));
const bin = (name) => join(root, '..', '..', 'node_modules', '.bin', name);

const checked = join(root, 'dist', 'type-checked');
if (!process.argv.includes('--no-check') && (force || stale(checked, sources))) {
  execFileSync(bin('vue-tsc'), ['-p', 'tsconfig.app.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  writeFileSync(checked, `${new Date().toISOString()}\n`);
}
if (force || stale(join(root, 'dist', 'app', 'index.html'), sources)) {
  execFileSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}
