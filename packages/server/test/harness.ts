import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Rng } from 'osusume';
import { SessionStore } from '../src/auth/sessions.js';
import { type Config, loadConfig } from '../src/config.js';
import { type DialectName, openStorage, type Storage } from '../src/db/connect.js';
import { migrate } from '../src/db/migrations.js';
import type { Db } from '../src/db/schema.js';
import { now } from '../src/db/schema.js';
import { CHOICES } from '../src/domain/choices.js';
import { ConsensusLists } from '../src/domain/consensus-lists.js';
import { recomputeCounters } from '../src/domain/counters.js';
import { thresholdsOf } from '../src/domain/lists.js';
import { searchKey } from '../src/domain/text.js';
import { WorkSearch } from '../src/domain/work-search.js';
import { Engine } from '../src/engine/engine.js';
import { ModelStore } from '../src/engine/model-store.js';
import { trainJob } from '../src/engine/trainer.js';
import { buildApp } from '../src/http/app.js';
import { type JobHandler, type JobKind, JobQueue } from '../src/jobs/queue.js';
import type { Services } from '../src/services.js';

/** Every server test runs on both databases. PostgreSQL: OSUSUME_TEST_DATABASE_URL or the local server. */
export const DATABASES: DialectName[] = ['sqlite', 'postgres'];
export const POSTGRES_URL =
  process.env.OSUSUME_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestContext {
  services: Services;
  app: FastifyInstance;
  db: Db;
  home: string;
  close(): Promise<void>;
}

/**
 * A fresh database (a temporary SQLite file, or a new PostgreSQL schema), migrated, with the services
 * and the HTTP app built on it. `handlers` makes this process run those job kinds.
 */
export async function createContext(
  dialect: DialectName,
  options: {
    config?: Partial<Config>;
    handlers?: (services: Services) => Partial<Record<JobKind, JobHandler>>;
    /** Migrate only up to this migration (to test the ones after it). */
    migrateTo?: string;
  } = {},
): Promise<TestContext> {
  const home = mkdtempSync(join(tmpdir(), 'osusume-server-'));
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const storage: Storage = await openStorage(
    dialect === 'postgres'
      ? { databaseUrl: POSTGRES_URL, schema, poolSize: 4 }
      : { sqliteFile: join(home, 'osusume.db') },
  );
  await migrate(storage, options.migrateTo);
  const config: Config = { ...loadConfig({ OSUSUME_HOME: home, OSUSUME_DEMO_DATA: '' }), ...options.config };
  const models = ModelStore.forHome(storage, home, config.keepModels, config.s3);
  await models.ensureDirectory();
  const services: Services = {
    config,
    storage,
    sessions: new SessionStore(storage.db),
    models,
    engine: new Engine(storage.db, models),
    jobs: new JobQueue(storage.db),
    consensus: new ConsensusLists(storage.db, thresholdsOf(config)),
    // Tests change the works between requests: every search looks at them again.
    search: new WorkSearch(storage.db, 0),
  };
  if (options.handlers) services.jobs = new JobQueue(storage.db, options.handlers(services));
  const app = await buildApp(services);
  return {
    services,
    app,
    db: storage.db,
    home,
    async close() {
      await services.jobs.stop();
      await app.close();
      if (dialect === 'postgres') {
        const cleanup = await openStorage({ databaseUrl: POSTGRES_URL });
        await storage.close();
        await cleanup.db.schema.dropSchema(schema).ifExists().cascade().execute();
        await cleanup.close();
      } else {
        await storage.close();
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A small, fast model for tests. */
export const SMALL_MODEL = { family: 'als', params: { factors: '8', epochs: '8' } };

/** A seeded catalogue (seedCatalogue) and a process that runs trainings, nothing trained yet. */
export async function createTrainingContext(
  dialect: DialectName,
  config: Partial<Config> = {},
): Promise<TestContext> {
  const context = await createContext(dialect, {
    config: { model: SMALL_MODEL, ...config },
    handlers: (services) => ({ train: trainJob(services) }),
  });
  await seedCatalogue(context.db);
  return context;
}

/** A seeded catalogue (seedCatalogue) with a small model trained and serving; this process runs trainings. */
export async function createTrainedContext(
  dialect: DialectName,
  config: Partial<Config> = {},
): Promise<TestContext> {
  const context = await createTrainingContext(dialect, config);
  const { jobs } = context.services;
  const done = await jobs.waitFor((await jobs.enqueue('train')).id);
  if (done.status !== 'done') throw new Error(`the test model did not train: ${done.error}`);
  return context;
}

/** Marks these works adult and trains again, so that the model serving reads the flags with its catalogue. */
export async function markAdult(context: TestContext, works: readonly string[]): Promise<void> {
  await context.db.updateTable('works').set({ adult: 1 }).where('id', 'in', works).execute();
  await recomputeCounters(context.db);
  const { jobs } = context.services;
  await jobs.waitFor((await jobs.enqueue('train')).id);
  await context.services.engine.refresh();
}

/**
 * A browser-like client over app.inject: keeps the session cookie and sends the CSRF token on writes
 * (fetched from GET /api/session on the first write), unless told not to.
 */
let clients = 0;

export class Client {
  /** The session cookie as the client sends it (`osusume_session=…`), once it has one. */
  cookieHeader: string | undefined;
  csrf: string | undefined;
  /** Each client has an address of its own, so per-address rate limits of one test do not spill into another. */
  readonly address =
    `10.${Math.floor(clients / 40000) % 250}.${Math.floor(clients / 200) % 200}.${(clients++ % 200) + 1}`;

  constructor(private readonly app: FastifyInstance) {}

  /** Signs up or logs in, and takes the new session's CSRF token (the old one died with the old session). */
  async enter(
    path: '/api/signup' | '/api/login',
    username: string,
    password: string,
  ): Promise<LightMyRequestResponse> {
    const response = await this.post(path, { username, password });
    if (response.statusCode < 300) this.csrf = response.json().csrfToken;
    return response;
  }

  async request(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const method = (options.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
    if (method !== 'GET' && options.csrf !== false) {
      if (!this.csrf) await this.session();
      headers['x-csrf-token'] = this.csrf as string;
    }
    if (this.cookieHeader) headers.cookie = this.cookieHeader;
    const response = await this.app.inject({ remoteAddress: this.address, ...options, headers });
    const set = response.cookies.find((c) => c.name === 'osusume_session');
    if (set) this.cookieHeader = `osusume_session=${set.value}`;
    return response;
  }

  /** The session cookie's token, once the server set one. */
  get token(): string | undefined {
    return this.cookieHeader?.slice('osusume_session='.length);
  }

  async session(): Promise<{ csrfToken: string; user: { id: number; username: string | null } | null }> {
    const response = await this.request({ method: 'GET', url: '/api/session' });
    const body = response.json();
    this.csrf = body.csrfToken;
    return body;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url });
  }

  post(url: string, payload?: unknown, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    return this.request({ method: 'POST', url, payload: payload as InjectOptions['payload'], ...options });
  }

  put(url: string, payload?: unknown, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    return this.request({ method: 'PUT', url, payload: payload as InjectOptions['payload'], ...options });
  }

  delete(url: string, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    return this.request({ method: 'DELETE', url, ...options });
  }
}

/**
 * A small catalogue with structure a model can learn: `works` anime in two taste groups, `users` imported
 * users (external ids "u0".."u<n>") who like their group's works and dislike the others', plus some
 * willsee/wontsee. Works "w0".."w<n>" with titles "Work 0"… (work 1 is "Pokémon Ranger" for accent tests).
 */
export async function seedCatalogue(
  db: Db,
  options: { works?: number; users?: number; seed?: number } = {},
): Promise<void> {
  const works = options.works ?? 40;
  const users = options.users ?? 60;
  const rng = new Rng(options.seed ?? 5);
  const created = now();
  await db
    .insertInto('works')
    .values(
      Array.from({ length: works }, (_, w) => {
        const title = w === 1 ? 'Pokémon Ranger' : `Work ${w}`;
        return {
          id: `w${w}`,
          title,
          title_search: searchKey(title),
          category: w % 10 === 9 ? 'manga' : 'anime',
          type: w % 2 ? 'TV' : 'Movie',
          episodes: 12,
          members: 1000 * (works - w),
          genres: w % 2 ? 'Action, Comedy' : 'Drama, Romance',
          created_at: created,
        };
      }),
    )
    .execute();
  await db
    .insertInto('work_tags')
    .values(
      Array.from({ length: works }, (_, w) =>
        (w % 2 ? ['Action', 'Comedy'] : ['Drama', 'Romance']).map((tag) => ({
          work_id: `w${w}`,
          tag,
          weight: 1,
        })),
      ).flat(),
    )
    .execute();
  const rows: { user_id: number; work_id: string; choice: string; updated_at: string }[] = [];
  for (let u = 0; u < users; u++) {
    const { id } = await db
      .insertInto('users')
      .values({ external_id: `u${u}`, is_public: 1, created_at: created })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (let w = 0; w < works; w++) {
      // Popular works (low index) are rated more often.
      if (rng.uniform() > 0.8 - (0.5 * w) / works) continue;
      const sameGroup = u % 2 === w % 2;
      const noise = rng.uniform();
      const choice =
        noise < 0.1
          ? CHOICES[4 + rng.int(2)]
          : sameGroup
            ? noise < 0.4
              ? 'favorite'
              : 'like'
            : noise < 0.8
              ? 'dislike'
              : 'neutral';
      rows.push({ user_id: id, work_id: `w${w}`, choice, updated_at: created });
    }
  }
  for (let start = 0; start < rows.length; start += 500) {
    await db
      .insertInto('ratings')
      .values(rows.slice(start, start + 500))
      .execute();
  }
}

/** Makes the client an anonymous visitor with a user of its own, the way a first rating does (userFor). */
export async function anonymousVisitor(context: TestContext, client: Client): Promise<number> {
  await client.session();
  const session = await context.services.sessions.store(client.token as string);
  const { id } = await context.db
    .insertInto('users')
    .values({ is_anonymous: 1, is_public: 0, created_at: now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await context.services.sessions.attachUser(session.id, id);
  return id;
}
