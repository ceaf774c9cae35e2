// Type-checks and builds the web app into dist/app, unless the build is already newer than every source:
// `npm start` builds every time, and a restart should not wait for vue-tsc and Vite.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stale } from '../../../scripts/newest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist', 'app', 'index.html');
const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.app.json', 'package.json'].map(
  (source) => join(root, source),
);

if (process.argv.includes('--force') || stale(output, sources)) {
  const bin = (name) => join(root, '..', '..', 'node_modules', '.bin', name);
  execFileSync(bin('vue-tsc'), ['-p', 'tsconfig.app.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}
