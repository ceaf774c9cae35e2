import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ensureAdmin } from './auth/accounts.js';
import { SessionStore } from './auth/sessions.js';
import { type Config, loadConfig } from './config.js';
import { openStorage, sqlitePath } from './db/connect.js';
import { migrate } from './db/migrations.js';
import { listenForModels } from './db/notices.js';
import { getSetting } from './db/settings.js';
import { ConsensusLists } from './domain/consensus-lists.js';
import { thresholdsOf } from './domain/lists.js';
import { WorkSearch } from './domain/work-search.js';
import { Engine } from './engine/engine.js';
import { ModelStore } from './engine/model-store.js';
import { closeGracefully } from './http/close.js';
import { warmUpHttp } from './http/warm-up.js';
import { jobHandlers } from './jobs/handlers.js';
import { type JobKind, JobQueue } from './jobs/queue.js';
import { startScheduler } from './jobs/scheduler.js';
import { nodeId } from './node-id.js';
import type { Services } from './services.js';
import { WarmUpBarrier, warmTogether } from './warm-together.js';

/** How often an API process checks the database for a newly activated model (besides being told). */
const MODEL_POLL_MS = 10_000;
const MODEL_POLL_BEFORE_READY_MS = 500;
/** How long an API process sends itself requests after its first model loads, before /ready says so. */
const HTTP_WARM_UP_MS = 1000;
/** API processes in a row that exit before they listen, after which the service stops. */
const FAILED_STARTS_TO_STOP = 3;
/** How long a warmed-up API process waits for its peers before it says it is ready alone. */
const PEERS_WARM_UP_TIMEOUT_MS = 30_000;
/**
 * glibc's malloc raises its mmap threshold to the size of each large block freed (up to 32 MiB), so
 * after the first model swap the buffers of each new model (16 MB on the demo data) come from the heap,
 * where freed space is seldom given back: an API process's RSS stepped up at every swap. Fixed
 * thresholds keep blocks of 1 MiB and more in mappings of their own, returned to the system when freed;
 * the trim threshold is raised with them, as glibc's own adjustment would, since at its 128 KiB default
 * the heap shrinks and regrows under every burst of requests (measured, bench/RESULTS.md: 40 swaps
 * 92 → 245 MiB as is, 92 → 165 MiB with these; p99 of the service-load check 15, 16 ms against 16–25).
 * Other allocators ignore the variables; an operator's own values win. See docs/deploy.md.
 */
const API_PROCESS_ENV = {
  MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? String(2 ** 20),
  MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? String(64 * 2 ** 20),
};

/**
 * Runs the service. One process per core serves HTTP (Node's cluster shares the port); the primary
 * process migrates the database, runs the background jobs (demo import on first start, ranking counters,
 * training in a worker thread) and tells the API processes when a new model is active. With one
 * worker configured, one process does both.
 */
export async function start(config: Config = loadConfig()): Promise<void> {
  const log = pino({ level: config.logLevel, base: { pid: process.pid } });
  if (cluster.isWorker) return serveHttp(config, log);
  const services = await openServices(config, log, true);
  const { db } = services.storage;
  const bucket = config.s3 ? `, model files in s3://${config.s3.bucket}/${config.s3.prefix}` : '';
  log.info(`osusume: data in ${config.home}, database ${services.storage.location}${bucket}`);
  await migrate(services.storage);
  if (config.s3) {
    // Said at once rather than at the next training: the node serves its own copy meanwhile, if any.
    void services.models
      .reachable()
      .catch((error: unknown) =>
        log.error(`model files: ${error instanceof Error ? error.message : String(error)}`),
      );
  }
  if (config.admin) {
    await ensureAdmin(db, config.admin.username, config.admin.password);
    log.info(`admin account "${config.admin.username}" ready`);
  }

  const workers = new Set<ReturnType<typeof cluster.fork>>();
  let stopping = false;
  // A new model: the API processes load it; this process only when it serves HTTP itself.
  const activated =
    config.workers > 1
      ? () => {
          for (const worker of workers) worker.send({ type: 'model' });
        }
      : () => services.engine.refresh();
  const node = await nodeId(config.home, config.nodeId);
  services.jobs = new JobQueue(
    db,
    jobHandlers(services, activated),
    (job, fraction, message) => log.info(`${job.kind}: ${Math.round(fraction * 100)}% ${message}`),
    { node, ms: config.jobLeaseSeconds * 1000 },
  );
  // Only this node's own jobs died with its last stop; a version still `training` did too, unless a
  // training holds its lease on another node.
  const interrupted =
    (await services.jobs.failInterrupted()) +
    ((await services.jobs.leased('train')) ? 0 : await services.models.failInterrupted());
  if (interrupted)
    log.warn(`${interrupted} job(s) or training(s) were interrupted by the last stop; marked failed`);
  // Models activated by other nodes (PostgreSQL): loaded when announced; the periodic check stays.
  const stopListening =
    services.storage.dialect === 'postgres'
      ? listenForModels(
          services.storage.options,
          () =>
            void Promise.resolve(activated()).catch((error: unknown) =>
              log.error(
                `could not load the announced model: ${error instanceof Error ? error.message : String(error)}`,
              ),
            ),
          (message) => log.warn(message),
        )
      : undefined;
  log.info(`node ${node}`);
  let app: FastifyInstance | undefined;
  if (config.workers > 1) {
    // A larger young generation: each request allocates a little, and fewer, shorter-lived scavenges
    // keep the latency tail down under load (measured: p99 at 50 connections). The collector on the
    // main thread only: with one API process per core, helper threads only take turns with the other
    // process (measured: 6 of 6 alternated runs faster, +2 to +16 % requests/s, at 50 connections).
    // Optimizing compilation after a quarter of V8's default interrupt budget: the second-long warm-up
    // then leaves the request path compiled, where by default over a hundred functions per process
    // (HTTP parsing, routing, hooks) still tier up under the first seconds of load (measured: p99 of a
    // 10-s run right after a restart 15-16 ms -> 12-14 ms, 4 of 4 alternated runs).
    cluster.setupPrimary({
      execArgv: [
        ...process.execArgv,
        '--max-semi-space-size=64',
        '--single-threaded-gc',
        '--interrupt-budget=16384',
      ],
    });
    const barrier = new WarmUpBarrier(workers);
    // API processes that exited before they listened, one after the other: a port in use or a broken
    // start, which another process would only repeat.
    let failedStarts = 0;
    const fork = () => {
      const worker = cluster.fork(API_PROCESS_ENV);
      let listened = false;
      workers.add(worker);
      worker.on('message', (message) => barrier.receive(worker, message));
      worker.on('listening', () => {
        listened = true;
        failedStarts = 0;
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        if (stopping) return;
        failedStarts = listened ? 0 : failedStarts + 1;
        if (failedStarts >= FAILED_STARTS_TO_STOP) {
          log.error(
            `${failedStarts} API processes in a row exited before listening on port ${config.port} (see above: a port in use?); stopping`,
          );
          void shutdown('API processes cannot start', 1);
          return;
        }
        log.error(`API process ${worker.process.pid} exited (${signal ?? code}); starting another`);
        fork();
      });
    };
    for (let k = 0; k < config.workers; k++) fork();
  } else {
    app = await listen(services, log);
    pollModel(services, log);
  }
  services.jobs.start();
  const stopScheduler = startScheduler(services, (m) => log.warn(m));

  const shutdown = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info(`${reason}: stopping (finishing requests and the current job)`);
    stopScheduler();
    await stopListening?.();
    for (const worker of workers) worker.process.kill('SIGTERM');
    await Promise.all(
      [...workers].map(
        (worker) =>
          new Promise((resolve) =>
            worker.process.exitCode !== null ? resolve(0) : worker.once('exit', resolve),
          ),
      ),
    );
    if (app) await closeGracefully(app);
    await services.jobs.stop();
    await services.storage.close();
    process.exit(exitCode);
  };
  // `on`, not `once`: a second signal (a process group is often signalled as a whole) must not cut the
  // graceful stop short; `stopping` makes it a no-op.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await firstStart(services, log, app !== undefined);
}

/**
 * On a new installation: import the demo data, compute the counters, train the first model. The model
 * is loaded here only when this process serves HTTP itself: with API processes, loading it would only
 * take a core from them while they load it on a restart.
 */
async function firstStart(services: Services, log: Logger, serves: boolean): Promise<void> {
  const { db } = services.storage;
  const run = async (kind: JobKind) => {
    const job = await services.jobs.waitFor((await services.jobs.enqueue(kind)).id);
    if (job.status === 'failed') log.error(`${kind} failed: ${job.error}`);
    return job;
  };
  if (services.config.demoData && !(await getSetting(db, 'demo_imported'))) {
    log.info(`first start: importing the demo data from ${services.config.demoData}`);
    await run('import');
  }
  const counted = await db.selectFrom('work_counters').select('work_id').limit(1).executeTakeFirst();
  if (!counted) await run('counters');
  if (!(await services.models.active())) {
    const rated = await db.selectFrom('ratings').select('user_id').limit(1).executeTakeFirst();
    if (rated) {
      log.info('no model yet: training the first one');
      await run('train');
    } else {
      log.warn('no ratings yet: recommendations start once there are ratings and a training has run');
    }
  }
  if (serves) await services.engine.refresh();
  const active = await services.models.active();
  log.info(`ready: model v${active?.id ?? '–'} serving at http://localhost:${services.config.port}`);
}

/** An API process (cluster worker): HTTP only; jobs are queued for the primary. */
async function serveHttp(config: Config, log: Logger): Promise<void> {
  const services = await openServices(config, log, false);
  const app = await listen(services, log);
  services.engine.warmUpWith(async () => {
    const { ok, failed } = await warmUpHttp(app, services, HTTP_WARM_UP_MS);
    log.info(`warmed up: ${ok} requests answered${failed ? `, ${failed} failed` : ''}`);
    if (!(await warmTogether(PEERS_WARM_UP_TIMEOUT_MS)))
      log.warn(
        `the other API processes were not warm after ${PEERS_WARM_UP_TIMEOUT_MS / 1000} s: ready alone`,
      );
  });
  pollModel(services, log);
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'model') void refreshModel(services, log);
  });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await closeGracefully(app);
    await services.storage.close();
    process.exit(0);
  };
  // A worker is signalled directly and again by the primary: both must lead to one graceful stop.
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

async function openServices(config: Config, log: Logger, primary: boolean): Promise<Services> {
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    sqliteFile: sqlitePath(config.home),
    poolSize: primary ? 4 : 8,
  });
  const models = ModelStore.forHome(storage, config.home, config.keepModels, config.s3);
  if (primary) await models.ensureDirectory();
  log.debug(`storage open: ${storage.location}`);
  const engine = new Engine(storage.db, models);
  // One line per swap, whichever call loaded it (bench/soak.js sets memory beside these lines).
  engine.onSwap((version) => log.info(`serving model v${version}`));
  return {
    config,
    storage,
    sessions: new SessionStore(storage.db),
    models,
    engine,
    jobs: new JobQueue(storage.db),
    consensus: new ConsensusLists(storage.db, thresholdsOf(config)),
    search: new WorkSearch(storage.db),
  };
}

async function listen(services: Services, log: Logger): Promise<FastifyInstance> {
  // Per-request lines (level info) would cost more than a recommendation: the HTTP logger starts at
  // warn, so it logs failures only, unless LOG_LEVEL asks for debug.
  const level = log.isLevelEnabled('debug') ? log.level : 'warn';
  // Imported here: a primary with API processes serves no HTTP, and a restart waits for it to start them.
  const { buildApp } = await import('./http/app.js');
  const app = await buildApp(services, { logger: log.child({ component: 'http' }, { level }) });
  await app.listen({ port: services.config.port, host: services.config.host });
  return app;
}

/** Loads the active model if it is not the one serving. */
async function refreshModel(services: Services, log: Logger): Promise<void> {
  try {
    await services.engine.refresh();
  } catch (error) {
    log.error(`could not load the active model: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Loads the active model soon after start, then checks now and then (the primary also says when). */
function pollModel(services: Services, log: Logger): void {
  const tick = async () => {
    await refreshModel(services, log);
    setTimeout(
      tick,
      services.engine.version === undefined ? MODEL_POLL_BEFORE_READY_MS : MODEL_POLL_MS,
    ).unref();
  };
  void tick();
}
