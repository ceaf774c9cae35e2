// The service as a child process for the benchmarks: started on a data directory and a port, ready when
// /ready answers 200, stopped with SIGTERM (its whole process group).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Starts the service; resolves with the child and the seconds it took to get ready. */
export async function startService({ home, port, env = {} }) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'packages/server/dist/src/main.js')], {
    env: { ...process.env, OSUSUME_HOME: home, PORT: String(port), ...env },
    stdio: 'ignore',
    detached: true,
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) {
        return { child, seconds: (performance.now() - t0) / 1000 };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopService(child) {
  process.kill(-child.pid, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
