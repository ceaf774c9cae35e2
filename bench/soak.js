// A soak of a fleet (issue 21): two `serve` nodes on one fresh PostgreSQL schema (docs/deploy.md), each
// with its own home and port on 127.0.0.1, the demo anime data imported and a model trained; then, for
// --minutes, 50 keep-alive connections split over both nodes mixing reads (recommendations, work pages,
// the mosaic, search) with rating writes by many visitors (new votes, changed votes, deletes). Every 5 s
// it samples the RSS of every process of each node; the first --warmup minutes are warm-up. At the end it
// checks that every acknowledged write is what the database holds, sets each node's memory beside its
// trainings and its API processes' model swaps, prints a Markdown section (figures for
// bench/RESULTS.md) and writes --json (bench/out/soak.json); exits 1 when a write was lost. The nodes
// inherit the environment (MALLOC_ARENA_MAX, say, to compare allocators' settings).
//
//   node bench/soak.js [--minutes 10] [--warmup 2] [--connections 50] [--workers 2] [--model als]
//                      [--train-every 3] [--json bench/out/soak.json]
// Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test). Progress on stderr.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStorage } from '@osusume/server';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    workers: { type: 'string', default: '2' },
    model: { type: 'string', default: 'als' },
    'train-every': { type: 'string', default: '3' },
    json: { type: 'string', default: join(root, 'bench', 'out', 'soak.json') },
  },
});
const minutes = Number(options.minutes);
const warmupMinutes = Number(options.warmup);
const connections = Number(options.connections);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `soak_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const key = 'soak-key';
const NODES = 2;
const SAMPLE_MS = 5000;
const log = (message) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);

const nodes = [];
const scratch = mkdtempSync(join(tmpdir(), 'osusume-soak-'));
// Interrupted: the nodes' groups go with this process (the schema stays: drop soak_* by hand).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const node of nodes) {
      try {
        process.kill(-node.child.pid, 'SIGKILL');
      } catch {}
    }
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  });
}

/** Starts node k (its own home, port and log file) in a process group of its own. */
function startNode(k) {
  const home = join(scratch, `node-${k}`);
  mkdirSync(home);
  const port = 41000 + Math.floor(Math.random() * 2000) + k;
  const logFile = join(scratch, `node-${k}.log`);
  const heapDir = join(scratch, `heap-${k}`);
  mkdirSync(heapDir);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(root, 'packages/server/dist/src/main.js')], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      OSUSUME_HOME: home,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      OSUSUME_API_KEY: key,
      OSUSUME_WORKERS: options.workers,
      OSUSUME_MODEL: options.model,
      OSUSUME_TRAIN_EVERY_MINUTES: options['train-every'],
      OSUSUME_NODE_ID: `soak-node-${k}`,
      NODE_OPTIONS:
        `${process.env.NODE_OPTIONS ?? ''} --require ${join(root, 'bench', 'soak-heap.cjs')}`.trim(),
      OSUSUME_SOAK_HEAP_DIR: heapDir,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', out, out],
    detached: true, // a process group whose id is child.pid: the primary and its API workers
  });
  const node = { k, port, base: `http://127.0.0.1:${port}`, child, logFile, heapDir, exited: false };
  child.once('exit', () => {
    node.exited = true;
  });
  nodes[k] = node;
  return node;
}

async function waitReady(node, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.exited) throw new Error(`node ${node.k} exited before /ready:\n${tail(node)}`);
    try {
      const response = await fetch(`${node.base}/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return (await response.json()).model;
      await response.body?.cancel();
    } catch {}
    if (Date.now() > deadline)
      throw new Error(`node ${node.k} not ready after ${timeoutMs} ms:\n${tail(node)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function tail(node) {
  return readFileSync(node.logFile, 'utf8').split('\n').slice(-20).join('\n');
}

/** The processes of a node's group with their RSS in KiB (/proc/<pid>/status VmRSS). */
function groupRss(pgid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name (in parentheses, which may hold spaces): state, ppid, pgrp.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (rss) found.push({ pid: Number(entry), kib: Number(rss[1]) });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found;
}

/** Kills every node's whole group (by its saved id) and waits for the leaders to exit. */
async function stopNodes() {
  await Promise.all(
    nodes.map(async (node) => {
      if (!node || node.exited) return;
      const exited = new Promise((r) => node.child.once('exit', r));
      try {
        process.kill(-node.child.pid, 'SIGTERM');
      } catch {}
      const timer = setTimeout(() => {
        try {
          process.kill(-node.child.pid, 'SIGKILL');
        } catch {}
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function dropSchema() {
  const admin = await openStorage({ databaseUrl });
  try {
    await admin.db.schema.dropSchema(schema).ifExists().cascade().execute();
  } finally {
    await admin.close();
  }
}

// ---- The load: one sequential client per connection, each on one node, each owning its visitors (so
// that the writes to one visitor's rating are never concurrent and the last acknowledged one is known).

const CHOICES = ['favorite', 'like', 'neutral', 'dislike', 'willsee', 'wontsee'];
const VISITORS_PER_CONNECTION = 40;

function send(agent, node, method, path, body) {
  return new Promise((resolveResponse) => {
    const t0 = performance.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { 'x-api-key': key };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const req = httpRequest(
      { agent, host: '127.0.0.1', port: node.port, method, path, headers, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolveResponse({ status: res.statusCode, ms: performance.now() - t0 }));
        res.on('error', () => resolveResponse({ status: 0, ms: performance.now() - t0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolveResponse({ status: 0, ms: performance.now() - t0 }));
    req.end(payload);
  });
}

function newStats() {
  return { latencies: [], statuses: new Map(), requests: 0, writesAcknowledged: 0, byKind: new Map() };
}

function record(stats, kind, response) {
  stats.requests++;
  stats.latencies.push(response.ms);
  stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
  const k = stats.byKind.get(kind) ?? { requests: 0, non2xx: 0 };
  k.requests++;
  if (response.status < 200 || response.status >= 300) k.non2xx++;
  stats.byKind.set(kind, k);
}

/** One connection's loop until `deadline`; `state` maps visitor|work to the last acknowledged choice. */
async function connectionLoop(
  c,
  { node, agent, stats, works, titles, deadline, state, uncertain, anomalies },
) {
  const visitors = Array.from({ length: VISITORS_PER_CONNECTION }, (_, v) => `soak-${c}-${v}`);
  const known = new Set(); // visitors with an acknowledged write (they exist as users)
  const mine = []; // this connection's cells with an acknowledged vote
  const pick = (list) => list[Math.floor(Math.random() * list.length)];
  while (Date.now() < deadline) {
    const r = Math.random();
    if (r < 0.4) {
      // A write by one of this connection's visitors: a vote on a new work (60 %), a change of one of
      // its acknowledged votes (25 %) or its deletion (15 %).
      const w = Math.random();
      const existing = w >= 0.6 && mine.length > 0 ? Math.floor(Math.random() * mine.length) : -1;
      const cell = existing >= 0 ? mine[existing] : `${pick(visitors)}|${pick(works)}`;
      const [visitor, work] = cell.split('|');
      const current = state.get(cell);
      const path = `/api/v1/users/${visitor}/ratings/${encodeURIComponent(work)}`;
      if (existing >= 0 && w >= 0.85 && !uncertain.has(cell)) {
        const response = await send(agent, node, 'DELETE', path);
        record(stats, 'delete', response);
        if (response.status === 204) {
          state.delete(cell);
          mine[existing] = mine[mine.length - 1];
          mine.pop();
          stats.writesAcknowledged++;
        } else if (response.status === 404) {
          anomalies.push(`DELETE ${cell}: 404 although ${current} was acknowledged`);
        } else uncertain.add(cell);
      } else {
        const choice = pick(CHOICES.filter((x) => x !== current));
        const response = await send(agent, node, 'PUT', path, { choice });
        record(stats, current === undefined ? 'put new' : 'put change', response);
        if (response.status === 200) {
          if (current === undefined) mine.push(cell);
          state.set(cell, choice);
          uncertain.delete(cell);
          known.add(visitor);
          stats.writesAcknowledged++;
        } else uncertain.add(cell);
      }
    } else if (r < 0.55 && known.size > 0) {
      const visitor = pick([...known]);
      record(
        stats,
        'recommendations',
        await send(agent, node, 'GET', `/api/v1/users/${visitor}/recommendations?n=10`),
      );
    } else if (r < 0.7) {
      record(
        stats,
        'work page',
        await send(agent, node, 'GET', `/api/works/${encodeURIComponent(pick(works))}`),
      );
    } else if (r < 0.85) {
      record(stats, 'mosaic', await send(agent, node, 'GET', '/api/mosaic'));
    } else {
      const title = pick(titles);
      const q = title.slice(0, 3 + Math.floor(Math.random() * 6));
      record(
        stats,
        'search',
        await send(agent, node, 'GET', `/api/works?q=${encodeURIComponent(q)}&pageSize=20`),
      );
    }
  }
}

// ---- Figures.

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * The slope of each whole minute's lowest RSS after warm-up: garbage collection makes RSS swing by a
 * hundred MiB within a minute (the API processes' young generation grows to its 64 MiB semi-spaces under
 * load and shrinks after), so a leak shows in the floors, not in single samples.
 */
function floorSlope(samples, leaveOut = new Set()) {
  const floors = new Map();
  for (const s of samples) {
    const minute = Math.floor(s.t);
    if (!leaveOut.has(minute)) keepLowest(floors, minute, mib(s.kib));
  }
  return slope([...floors.keys()], [...floors.values()]);
}

/**
 * The minutes of the load during which node k trained: its primary then holds the ratings and the model
 * being trained (a few hundred MiB on the demo data, given back when the training ends), which says
 * nothing about whether memory leaks.
 */
function trainingMinutes(trainJobs, k, loadStart, lastMinute) {
  const minute = (at) => Math.floor((new Date(at).getTime() - loadStart) / 60_000);
  const minutes = new Set();
  for (const job of trainJobs) {
    if (job.owner !== `soak-node-${k}` || !job.started_at) continue;
    const end = job.finished_at ? minute(job.finished_at) : lastMinute;
    for (let m = minute(job.started_at); m <= end; m++) minutes.add(m);
  }
  return minutes;
}

/** Keeps in `floors` the lowest value seen for each minute. */
function keepLowest(floors, minute, value) {
  floors.set(minute, Math.min(floors.get(minute) ?? Infinity, value));
}

/**
 * Each process's V8 figures (bench/soak-heap.cjs) and RSS after warm-up, as the lowest value of each whole
 * minute: heap in use summed over the node's processes at the first and last minute with the sum of their
 * slopes, and per process the first and last floors of RSS, of what V8 has reserved (heapTotal) and of
 * what lies outside V8's heap and external memory (RSS - heapTotal - external: the allocator, code, stacks).
 */
function heapFloors(node, loadStart, rssSamples) {
  let first = 0;
  let last = 0;
  let slopeSum = 0;
  const byProcess = [];
  const swaps = modelSwaps(node, loadStart);
  for (const name of readdirSync(node.heapDir)) {
    const pid = Number.parseInt(name, 10);
    const floors = { heapUsed: new Map(), heapTotal: new Map(), outside: new Map(), rss: new Map() };
    const v8 = new Map();
    for (const line of readFileSync(join(node.heapDir, name), 'utf8').split('\n')) {
      if (!line) continue;
      const { at, heapUsed, heapTotal, external } = JSON.parse(line);
      const minute = Math.floor((at - loadStart) / 60_000);
      if (minute < warmupMinutes) continue;
      keepLowest(floors.heapUsed, minute, heapUsed / 2 ** 20);
      keepLowest(floors.heapTotal, minute, heapTotal / 2 ** 20);
      keepLowest(v8, minute, (heapTotal + external) / 2 ** 20);
    }
    for (const s of rssSamples) {
      const own = s.processes.find((p) => p.pid === pid);
      if (own && s.t >= warmupMinutes) keepLowest(floors.rss, Math.floor(s.t), mib(own.kib));
    }
    for (const [minute, rss] of floors.rss)
      if (v8.has(minute)) floors.outside.set(minute, rss - v8.get(minute));
    if (floors.heapUsed.size < 2) continue;
    const values = [...floors.heapUsed.values()];
    first += values[0];
    last += values.at(-1);
    slopeSum += slope([...floors.heapUsed.keys()], values);
    const ends = (map) => ({
      first: [...map.values()][0],
      last: [...map.values()].at(-1),
      slope: slope([...map.keys()], [...map.values()]),
    });
    byProcess.push({
      pid,
      rssMiB: ends(floors.rss),
      heapTotalMiB: ends(floors.heapTotal),
      heapUsedMiB: ends(floors.heapUsed),
      outsideV8MiB: ends(floors.outside),
      modelSwapMinutes: swaps.get(pid) ?? [],
    });
  }
  return { heapFirstMiB: first, heapLastMiB: last, heapSlopeMiBPerMinute: slopeSum, byProcess };
}

/** When each process of a node swapped models during the load, in minutes since its start (the node's log). */
function modelSwaps(node, loadStart) {
  const byPid = new Map();
  for (const line of readFileSync(node.logFile, 'utf8').split('\n')) {
    if (!line.includes('serving model v')) continue;
    const { pid, time } = JSON.parse(line);
    if (time < loadStart) continue;
    byPid.set(pid, [...(byPid.get(pid) ?? []), (time - loadStart) / 60_000]);
  }
  return byPid;
}

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

const mib = (kib) => kib / 1024;
const fmt = (x, d = 1) => Number(x).toFixed(d);

// ---- The run.

let exitCode = 0;
try {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  log(`schema ${schema}; node 0 imports the demo data and trains (model ${options.model})`);
  const t0 = performance.now();
  startNode(0);
  const firstModel = await waitReady(nodes[0], 15 * 60_000);
  const firstStart = (performance.now() - t0) / 1000;
  log(`node 0 ready in ${fmt(firstStart)} s, model v${firstModel}; starting node 1`);
  startNode(1);
  await waitReady(nodes[1], 5 * 60_000);
  log('node 1 ready');

  const pages = [];
  for (const page of [1, 2, 3]) {
    const response = await fetch(`${nodes[0].base}/api/works?sort=popular&pageSize=100&page=${page}`);
    if (!response.ok) throw new Error(`GET /api/works: ${response.status} ${await response.text()}`);
    pages.push(...(await response.json()).items);
  }
  const works = pages.map((w) => w.id);
  const titles = pages.map((w) => w.title);

  const storage = await openStorage({ databaseUrl, schema });
  const loadStartIso = new Date().toISOString();
  const loadStart = Date.now();
  const deadline = loadStart + minutes * 60_000;
  const samples = nodes.map(() => []);
  const sample = () => {
    const t = (Date.now() - loadStart) / 60_000;
    for (const node of nodes) {
      const processes = groupRss(node.child.pid);
      samples[node.k].push({ t, kib: processes.reduce((a, p) => a + p.kib, 0), processes });
    }
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);
  const loadSampler = [];
  const loadTimer = setInterval(() => loadSampler.push(loadavg()[0]), 30_000);
  const progress = setInterval(
    () =>
      log(
        `${fmt((Date.now() - loadStart) / 60_000)} min: ${nodes
          .map((n) => `node ${n.k} ${fmt(mib(samples[n.k].at(-1).kib))} MiB`)
          .join(', ')}; load ${fmt(loadavg()[0], 2)}`,
      ),
    60_000,
  );

  const state = new Map();
  const uncertain = new Set();
  const anomalies = [];
  const stats = nodes.map(newStats);
  const agents = nodes.map(() => new Agent({ keepAlive: true, maxSockets: Math.ceil(connections / NODES) }));
  const loadStartAvg = loadavg();
  log(
    `load: ${connections} connections for ${minutes} min (load average ${loadStartAvg.map((x) => fmt(x, 2)).join(' ')})`,
  );
  await Promise.all(
    Array.from({ length: connections }, (_, c) => {
      const k = c % NODES;
      return connectionLoop(c, {
        node: nodes[k],
        agent: agents[k],
        stats: stats[k],
        works,
        titles,
        deadline,
        state,
        uncertain,
        anomalies,
      });
    }),
  );
  const elapsedMinutes = (Date.now() - loadStart) / 60_000;
  sample();
  clearInterval(sampler);
  clearInterval(loadTimer);
  clearInterval(progress);
  for (const agent of agents) agent.destroy();
  const loadEndAvg = loadavg();

  // No lost writes: what the database holds for the soak's visitors against the last acknowledgements.
  const rows = await storage.db
    .selectFrom('ratings')
    .innerJoin('users', 'users.id', 'ratings.user_id')
    .select(['users.external_id', 'ratings.work_id', 'ratings.choice'])
    .where('users.external_id', 'like', 'soak-%')
    .execute();
  const stored = new Map(rows.map((row) => [`${row.external_id}|${row.work_id}`, row.choice]));
  const lost = [];
  for (const [cell, choice] of state) {
    if (!uncertain.has(cell) && stored.get(cell) !== choice)
      lost.push(`${cell}: acknowledged ${choice}, stored ${stored.get(cell) ?? 'nothing'}`);
  }
  for (const [cell, choice] of stored) {
    if (!uncertain.has(cell) && !state.has(cell))
      lost.push(`${cell}: deleted or never acknowledged, stored ${choice}`);
  }
  const versions = await storage.db
    .selectFrom('model_versions')
    .select(['id', 'status', 'created_at', 'activated_at'])
    .where('created_at', '>=', loadStartIso)
    .orderBy('id')
    .execute();
  const trainJobs = await storage.db
    .selectFrom('jobs')
    .select(['id', 'status', 'owner', 'started_at', 'finished_at'])
    .where('kind', '=', 'train')
    .where('created_at', '>=', loadStartIso)
    .execute();
  await storage.close();

  const served = await Promise.all(nodes.map((node) => waitReady(node, 10_000)));
  const perNode = nodes.map((node) => {
    const series = samples[node.k];
    const after = series.filter((s) => s.t >= warmupMinutes);
    const atWarmup = after[0] ?? series.at(-1);
    const training = trainingMinutes(trainJobs, node.k, loadStart, Math.floor(elapsedMinutes));
    const latencies = Float64Array.from(stats[node.k].latencies).sort();
    const non2xx = Object.fromEntries(
      [...stats[node.k].statuses]
        .filter(([status]) => status < 200 || status >= 300)
        .sort(([a], [b]) => a - b),
    );
    return {
      node: node.k,
      processes: series.at(-1).processes.length,
      rssWarmupMiB: mib(atWarmup.kib),
      rssEndMiB: mib(series.at(-1).kib),
      rssMaxMiB: mib(Math.max(...series.map((s) => s.kib))),
      slopeMiBPerMinute: slope(
        after.map((s) => s.t),
        after.map((s) => mib(s.kib)),
      ),
      floorSlopeMiBPerMinute: floorSlope(after),
      trainingMinutes: [...training].sort((a, b) => a - b),
      floorSlopeOutsideTrainingsMiBPerMinute: floorSlope(after, training),
      ...heapFloors(node, loadStart, after),
      requests: stats[node.k].requests,
      rps: stats[node.k].requests / (elapsedMinutes * 60),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      non2xx,
      writesAcknowledged: stats[node.k].writesAcknowledged,
      byKind: Object.fromEntries(stats[node.k].byKind),
      servedModel: served[node.k],
      samples: series.map((s) => ({ t: s.t, kib: s.kib, processes: s.processes })),
    };
  });
  const loadDuring = loadSampler.length ? loadSampler.reduce((a, b) => a + b, 0) / loadSampler.length : NaN;
  const result = {
    date: new Date().toISOString(),
    commit,
    minutes: elapsedMinutes,
    warmupMinutes,
    connections,
    workersPerNode: Number(options.workers),
    model: options.model,
    trainEveryMinutes: Number(options['train-every']),
    firstStartSeconds: firstStart,
    loadAverage: { start: loadStartAvg, during: loadDuring, end: loadEndAvg },
    writes: {
      acknowledged: stats.reduce((a, s) => a + s.writesAcknowledged, 0),
      cells: state.size,
      uncertain: uncertain.size,
      lost: lost.length,
      examples: lost.slice(0, 10),
      anomalies,
    },
    trainings: {
      versions: versions.map((v) => ({ id: v.id, status: v.status })),
      jobs: trainJobs.map((j) => ({
        id: j.id,
        status: j.status,
        owner: j.owner,
        started: j.started_at,
        finished: j.finished_at,
      })),
    },
    nodes: perNode,
  };
  mkdirSync(dirname(resolve(options.json)), { recursive: true });
  writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);

  const doneTrainings = trainJobs.filter((j) => j.status === 'done');
  const lines = [
    `## Soak: two nodes, ${connections} connections, ${fmt(elapsedMinutes, 0)} minutes (\`node bench/soak.js\`)`,
    '',
    `Run ${result.date.slice(0, 16).replace('T', ' ')} UTC at commit ${commit}; two nodes on one PostgreSQL schema, ` +
      `${options.workers} API processes each, model \`${options.model}\`, retraining every ` +
      `${options['train-every']} min when ratings changed; 40 % writes (of which 60 % PUT of a new vote, 25 % a change, ` +
      `15 % DELETE) by ` +
      `${connections * VISITORS_PER_CONNECTION} visitors, 60 % reads (recommendations, work pages, mosaic, ` +
      `search); RSS summed over each node's processes, sampled every ${SAMPLE_MS / 1000} s, the first ` +
      `${warmupMinutes} min warm-up. Load average (1 min) ${fmt(loadStartAvg[0], 1)} at the start, ` +
      `${fmt(loadDuring, 1)} on average during the run, ${fmt(loadEndAvg[0], 1)} at the end, on ` +
      `${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores shared with other work.`,
    '',
    '| node | RSS after warm-up | RSS at the end | RSS max | slope after warm-up | slope of minute floors | the same, minutes it trained left out | heap used, minute floors: first → last (slope) | requests/s | p50 | p99 | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...perNode.map(
      (n) =>
        `| ${n.node} (${n.processes} processes) | ${fmt(n.rssWarmupMiB)} MiB | ${fmt(n.rssEndMiB)} MiB | ` +
        `${fmt(n.rssMaxMiB)} MiB | ${fmt(n.slopeMiBPerMinute, 2)} MiB/min | ` +
        `${fmt(n.floorSlopeMiBPerMinute, 2)} MiB/min | ${fmt(n.floorSlopeOutsideTrainingsMiBPerMinute, 2)} MiB/min ` +
        `(${n.trainingMinutes.length} min) | ${fmt(n.heapFirstMiB)} → ${fmt(n.heapLastMiB)} MiB ` +
        `(${fmt(n.heapSlopeMiBPerMinute, 2)} MiB/min) | ${fmt(n.rps, 0)} | ` +
        `${fmt(n.p50Ms)} ms | ${fmt(n.p99Ms)} ms | ${
          Object.entries(n.non2xx)
            .map(([status, count]) => `${count} × ${status === '0' ? 'no answer' : status}`)
            .join(', ') || 'none'
        } |`,
    ),
    '',
    'Per process after warm-up, lowest value of the first → last minute (least-squares slope of the minute floors):',
    '',
    '| node | process | RSS | V8 heap reserved (heapTotal) | V8 heap in use | outside V8 (RSS − heapTotal − external) | model swaps (minute) |',
    '|---|---|---|---|---|---|---|',
    ...perNode.flatMap((n) =>
      n.byProcess.map(
        (p) =>
          `| ${n.node} | ${p.pid === nodes[n.node].child.pid ? 'primary' : 'API'} ${p.pid} | ` +
          [p.rssMiB, p.heapTotalMiB, p.heapUsedMiB, p.outsideV8MiB]
            .map((e) => `${fmt(e.first)} → ${fmt(e.last)} MiB (${fmt(e.slope, 2)}/min)`)
            .join(' | ') +
          ` | ${p.modelSwapMinutes.map((m) => fmt(m)).join(', ') || '–'} |`,
      ),
    ),
    '',
    `Writes: ${result.writes.acknowledged} acknowledged on ${state.size} visitor–work pairs, ` +
      `${lost.length} lost, ${uncertain.size} left uncertain by a failed request, ${anomalies.length} anomalies. ` +
      `Trainings during the load: ${doneTrainings.length} done (${trainJobs.length} queued); nodes serve ` +
      `v${served.join(', v')} at the end.`,
    '',
  ];
  console.log(lines.join('\n'));
  if (lost.length > 0 || anomalies.length > 0) {
    log(`LOST WRITES: ${[...lost, ...anomalies].slice(0, 10).join('; ')}`);
    exitCode = 1;
  }
} catch (error) {
  log(`failed: ${error.stack ?? error}`);
  exitCode = 2;
} finally {
  await stopNodes();
  await dropSchema().catch((error) => log(`could not drop schema ${schema}: ${error.message}`));
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
