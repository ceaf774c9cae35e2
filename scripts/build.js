// `npm run build`, and the build step of `npm start`: the WebAssembly kernels, the TypeScript projects,
// the web app. Each step is skipped when its output is newer than its sources, so that a restart does
// not pay a second for `tsc -b` to find that nothing changed (--force builds everything). The kernels
// (asc) compile while `tsc -b` runs: neither needs the other. `--no-check` (npm start) leaves out the web
// app's type-check (docs/development.md, "Build").
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stale } from './newest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const run = (file, args) => execFileSync(file, args, { cwd: root, stdio: 'inherit' });

const kernels = spawn(process.execPath, [join(root, 'packages', 'core', 'scripts', 'build-wasm.js')], {
  cwd: root,
  stdio: 'inherit',
});
const kernelsBuilt = new Promise((resolve, reject) =>
  kernels.on('exit', (code) =>
    code === 0 ? resolve() : reject(new Error(`build-wasm.js exited with ${code}`)),
  ),
);

// A package's TypeScript is stale when its build info is older than its sources or configuration; then
// `tsc -b` rebuilds what depends on it too.
const shared = ['tsconfig.json', 'tsconfig.base.json', 'package-lock.json'].map((f) => join(root, f));
const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
const typescriptStale = packages.some((dir) =>
  stale(join(dir, 'dist', 'tsconfig.tsbuildinfo'), [
    ...shared,
    ...['src', 'test', 'tsconfig.json', 'package.json'].map((f) => join(dir, f)),
  ]),
);
if (force || typescriptStale) run(join(root, 'node_modules', '.bin', 'tsc'), ['-b']);

await kernelsBuilt;

const passed = process.argv.slice(2).filter((arg) => arg === '--force' || arg === '--no-check');
run(process.execPath, [join(root, 'packages', 'web', 'scripts', 'build.js'), ...passed]);
