import { defineConfig } from 'vitest/config';

// Tests are compiled by tsc with the sources and run from dist/, so what is tested is exactly what ships
// (worker threads and the WebAssembly kernels load the same files as in production).
export default defineConfig({
  test: {
    include: ['packages/*/dist/test/**/*.test.js'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
