// Type-checks and builds the web app into dist/app, unless the build is already newer than every source:
// `npm start` builds every time, and a restart should not wait for vue-tsc and Vite.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist', 'app', 'index.html');
const sources = ['src', 'index.html', 'vite.config.ts', 'tsconfig.app.json', 'package.json'];

/** The latest modification time of a file, or of any file under a folder. */
function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), info.mtimeMs);
}

const stale =
  process.argv.includes('--force') ||
  !existsSync(output) ||
  sources.some((source) => newest(join(root, source)) > statSync(output).mtimeMs);
if (stale) {
  const bin = (name) => join(root, '..', '..', 'node_modules', '.bin', name);
  execFileSync(bin('vue-tsc'), ['-p', 'tsconfig.app.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  execFileSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}
