// Compiles the WebAssembly kernels (asm/kernels.ts, AssemblyScript) to dist/kernels.wasm, unless the
// output is already newer than the source: `npm start` builds every time and should not wait for asc.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'asm', 'kernels.ts');
const output = join(root, 'dist', 'kernels.wasm');
if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
mkdirSync(dirname(output), { recursive: true });
const asc = join(
  dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')),
  'bin',
  'asc.js',
);
execFileSync(
  process.execPath,
  [
    asc,
    source,
    '--outFile',
    output,
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    '65536',
    '--enable',
    'simd',
    '--enable',
    'threads',
  ],
  { stdio: 'inherit' },
);
