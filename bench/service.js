// The service under load (loopback): first start and restart times, POST /api/v1/recommend with 50
// ratings at 50 connections, and rating writes (none may be lost); then the same recommendations from
// the bare reference server (bench/ref/bare-recommend.js) under the same load, for what this machine
// allows at all. node bench/service.js -> JSON.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startService as start, stopService } from './service-process.js';

const home = mkdtempSync(join(tmpdir(), 'osusume-bench-'));
const port = 39000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
const key = 'bench-key';
const startService = () => start({ home, port, env: { OSUSUME_API_KEY: key } });

const run = (options) => new Promise((res, rej) => autocannon(options, (e, r) => (e ? rej(e) : res(r))));

const latency = (result) => ({
  rps: result.requests.average,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  errors: result.errors + result.non2xx,
});

/** The reference server on the model file the service saved, loaded like the recommendation run. */
async function reference(body) {
  const models = join(home, 'models');
  const file = join(models, readdirSync(models).filter((f) => f.endsWith('.safetensors'))[0]);
  const script = join(dirname(fileURLToPath(import.meta.url)), 'ref', 'bare-recommend.js');
  const server = spawn(process.execPath, [script, file, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    server.stdout.on('data', (line) => String(line).includes('listening') && resolve());
    server.once('exit', (code) => reject(new Error(`the reference server exited with ${code}`)));
  });
  try {
    const options = { url: base, method: 'POST', body, connections: 50 };
    // Its JIT warms up here, as the service's does before /ready (that run is not counted).
    await run({ ...options, duration: 1 });
    return latency(await run({ ...options, duration: 10 }));
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

const first = await startService();
await stopService(first.child);
const { child, seconds: restart } = await startService();
let stopped = false;
try {
  const popular = await (await fetch(`${base}/api/works?sort=popular&pageSize=50`)).json();
  const choices = ['favorite', 'like', 'like', 'neutral', 'dislike'];
  const body = JSON.stringify({
    ratings: popular.items.map((w, i) => ({ work: w.id, choice: choices[i % 5] })),
    n: 10,
  });
  const headers = { 'content-type': 'application/json', 'x-api-key': key };
  const reco = await run({
    url: `${base}/api/v1/recommend`,
    method: 'POST',
    headers,
    body,
    connections: 50,
    duration: 10,
  });

  // Writes: every request a new (user, work) pair, so each success is one more row.
  const works = popular.items.map((w) => w.id);
  let next = 0;
  const writes = await run({
    url: base,
    connections: 50,
    duration: 10,
    requests: [
      {
        method: 'PUT',
        headers,
        setupRequest: (request) => {
          const k = next++;
          return {
            ...request,
            path: `/api/v1/users/bench-${Math.floor(k / works.length)}/ratings/${works[k % works.length]}`,
            body: '{"choice":"like"}',
          };
        },
      },
    ],
  });
  const written = writes['2xx'];
  // Count the rows back in the database: at least every acknowledged write must be there (requests in
  // flight when the run stops may be stored without being counted as answered).
  const { openStorage, sqlitePath } = await import('@osusume/server');
  const storage = await openStorage({ sqliteFile: sqlitePath(home) });
  const stored = await storage.db
    .selectFrom('ratings')
    .innerJoin('users', 'users.id', 'ratings.user_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('users.external_id', 'like', 'bench-%')
    .executeTakeFirstOrThrow();
  await storage.close();
  await stopService(child);
  stopped = true;
  console.log(
    JSON.stringify({
      firstStartSeconds: first.seconds,
      restartSeconds: restart,
      recommend: latency(reco),
      reference: await reference(body),
      writes: {
        rps: writes.requests.average,
        p99Ms: writes.latency.p99,
        ok: written,
        errors: writes.errors + writes.non2xx,
        stored: Number(stored.n),
      },
    }),
  );
} finally {
  if (!stopped) await stopService(child);
  rmSync(home, { recursive: true, force: true });
}
