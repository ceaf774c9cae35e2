// Preloaded into every process of a soak node (NODE_OPTIONS=--require, by bench/soak.js): every 5 s it
// appends the process's V8 figures to <OSUSUME_SOAK_HEAP_DIR>/<pid>.jsonl, so the soak can tell what a
// process holds (heapUsed) from what the system has given it (RSS, which V8 keeps after a busy minute).
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.OSUSUME_SOAK_HEAP_DIR;
if (dir) {
  const file = join(dir, `${process.pid}.jsonl`);
  setInterval(() => {
    const { heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ at: Date.now(), heapUsed, heapTotal, external, arrayBuffers })}\n`,
    );
  }, 5000).unref();
}
