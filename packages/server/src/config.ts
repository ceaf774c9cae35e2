import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIN_RATINGS, modelFamily, parseTunedParams } from 'osusume';

/** Everything the service reads from its environment (docs/design.md, service configuration). */
export interface Config {
  /** PORT, default 3000. */
  port: number;
  /** HOST, default 0.0.0.0. */
  host: string;
  /** OSUSUME_HOME: the data directory (SQLite database, model files), default ./var. */
  home: string;
  /** DATABASE_URL=postgres://… for PostgreSQL; SQLite under `home` otherwise. */
  databaseUrl: string | undefined;
  /** DATABASE_SCHEMA: the PostgreSQL schema to use (created if missing), default the user's search path. */
  databaseSchema: string | undefined;
  /** OSUSUME_API_KEY: the key of the integration API (/api/v1); the API is closed without one. */
  apiKey: string | undefined;
  /** OSUSUME_ADMIN=username:password creates (or promotes) that admin account at start. */
  admin: { username: string; password: string } | undefined;
  /** OSUSUME_DEMO_DATA: the anime data imported on first start ("" to start empty). */
  demoData: string;
  /** OSUSUME_TRAIN_EVERY_MINUTES: scheduled retraining when ratings changed (0 = only on demand). */
  trainEveryMinutes: number;
  /** OSUSUME_COUNTERS_EVERY_SECONDS: how often ranking counters are recomputed after ratings change. */
  countersEverySeconds: number;
  /**
   * OSUSUME_NODE_ID: this node's name in a fleet sharing one PostgreSQL (docs/deploy.md); default one made
   * up on the first start and kept in <home>/node-id.
   */
  nodeId: string | undefined;
  /**
   * OSUSUME_JOB_LEASE_SECONDS: how long a node's claim on a running job holds without being renewed (it
   * renews it every third of that); another node takes the job over after that. Default 30.
   */
  jobLeaseSeconds: number;
  /** OSUSUME_WORKERS: HTTP processes (default: one per core). */
  workers: number;
  /** OSUSUME_WEB_DIR: the built web app served at /, default packages/web/dist/app. */
  webDir: string;
  /**
   * OSUSUME_MIN_RATINGS: a work is recommended only with at least this many training ratings (its
   * predicted score is mostly noise below that; docs/recommendations.md says how the default was chosen).
   */
  minRatings: number;
  /**
   * OSUSUME_TRUST_PROXY: which proxies in front of the service to believe about the client (Fastify's
   * trustProxy): `true` (any), a hop count, or a comma-separated list of addresses/CIDRs; default false.
   * Only a trusted proxy's X-Forwarded-Proto makes the session cookie Secure and its X-Forwarded-For the
   * client address (docs/service.md).
   */
  trustProxy: boolean | number | string[];
  /**
   * OSUSUME_KEEP_MODELS: old model versions whose files are kept besides the serving one (older files and
   * their database copies are deleted after each training), default 3.
   */
  keepModels: number;
  /**
   * OSUSUME_S3_BUCKET (with OSUSUME_S3_ENDPOINT, OSUSUME_S3_REGION, OSUSUME_S3_PREFIX,
   * OSUSUME_S3_FORCE_PATH_STYLE): model files go to this S3-compatible bucket instead of the database
   * (docs/deploy.md). Credentials come from the AWS SDK's usual sources (AWS_ACCESS_KEY_ID, …).
   */
  s3: S3Settings | undefined;
  /** LOG_LEVEL: pino level, default info. */
  logLevel: string;
  /**
   * OSUSUME_MODEL: the model the service trains, `family[:key=value,...]` or a parameters file written by
   * `osusume tune --out` (a path ending in .json); default `auto`: ALS and BALSE measured on held-out
   * ratings, the better one serves.
   */
  model: { family: string; params: Record<string, string> };
}

/** Where model files go in an S3-compatible store. */
export interface S3Settings {
  bucket: string;
  /** The server's URL (MinIO, Ceph, R2, …); the AWS endpoint of `region` when absent. */
  endpoint: string | undefined;
  region: string;
  /** Put before each object's name: empty, or ending with a slash. */
  prefix: string;
  /** `http://host/bucket/key` rather than `http://bucket.host/key` (most servers besides AWS want it). */
  forcePathStyle: boolean;
}

const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const number = (name: string, fallback: number, min = 0): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw}: expected a number ≥ ${min}`);
    return value;
  };
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(`DATABASE_URL must be postgres://… (got "${databaseUrl}"); leave it unset for SQLite`);
  }
  let admin: Config['admin'];
  if (env.OSUSUME_ADMIN) {
    const colon = env.OSUSUME_ADMIN.indexOf(':');
    if (colon <= 0) throw new Error('OSUSUME_ADMIN must be username:password');
    admin = { username: env.OSUSUME_ADMIN.slice(0, colon), password: env.OSUSUME_ADMIN.slice(colon + 1) };
  }
  return {
    port: number('PORT', 3000),
    host: env.HOST || '0.0.0.0',
    home: resolve(env.OSUSUME_HOME || 'var'),
    databaseUrl,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    apiKey: env.OSUSUME_API_KEY || undefined,
    admin,
    demoData: env.OSUSUME_DEMO_DATA ?? resolve(repositoryRoot, 'data/anime'),
    trainEveryMinutes: number('OSUSUME_TRAIN_EVERY_MINUTES', 60),
    countersEverySeconds: number('OSUSUME_COUNTERS_EVERY_SECONDS', 5, 0.1),
    nodeId: env.OSUSUME_NODE_ID || undefined,
    jobLeaseSeconds: number('OSUSUME_JOB_LEASE_SECONDS', 30, 1),
    workers: Math.max(1, Math.round(number('OSUSUME_WORKERS', availableParallelism(), 1))),
    webDir: resolve(env.OSUSUME_WEB_DIR || resolve(repositoryRoot, 'packages/web/dist/app')),
    minRatings: Math.round(number('OSUSUME_MIN_RATINGS', DEFAULT_MIN_RATINGS)),
    trustProxy: parseTrustProxy(env.OSUSUME_TRUST_PROXY ?? ''),
    keepModels: Math.round(number('OSUSUME_KEEP_MODELS', 3)),
    s3: parseS3(env),
    logLevel: env.LOG_LEVEL || 'info',
    model: parseModel(env.OSUSUME_MODEL || 'auto'),
  };
}

function parseS3(env: NodeJS.ProcessEnv): S3Settings | undefined {
  const bucket = env.OSUSUME_S3_BUCKET?.trim();
  if (!bucket) {
    const stray = [
      'OSUSUME_S3_ENDPOINT',
      'OSUSUME_S3_REGION',
      'OSUSUME_S3_PREFIX',
      'OSUSUME_S3_FORCE_PATH_STYLE',
    ].find((name) => env[name]);
    if (stray) throw new Error(`${stray} is set but OSUSUME_S3_BUCKET is not: set both, or neither`);
    return undefined;
  }
  const endpoint = env.OSUSUME_S3_ENDPOINT?.trim() || undefined;
  if (endpoint && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new Error(`OSUSUME_S3_ENDPOINT must be http://… or https://… (got "${endpoint}")`);
  }
  const pathStyle = (env.OSUSUME_S3_FORCE_PATH_STYLE ?? '').trim();
  if (!['', 'true', 'false'].includes(pathStyle)) {
    throw new Error(`OSUSUME_S3_FORCE_PATH_STYLE must be true or false (got "${pathStyle}")`);
  }
  const prefix = (env.OSUSUME_S3_PREFIX ?? '').trim().replace(/^\/+/, '');
  return {
    bucket,
    endpoint,
    region: env.OSUSUME_S3_REGION || env.AWS_REGION || 'us-east-1',
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    forcePathStyle: pathStyle === 'true',
  };
}

/** `true`/`false`, a hop count, or addresses and CIDRs separated by commas. */
function parseTrustProxy(text: string): Config['trustProxy'] {
  const value = text.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
}

/**
 * `family`, `family:key=value,key=value` or a `.json` parameters file. The family ends at the first colon;
 * a comma starts a new pair only when `key=` follows it, so values may hold commas and colons
 * (`blend:models=als,lasso`).
 */
function parseModel(text: string): Config['model'] {
  if (text.trim().endsWith('.json')) return modelFromFile(text.trim());
  const colon = text.indexOf(':');
  const family = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const params: Record<string, string> = {};
  for (const pair of rest ? rest.split(/,(?=\s*[\w.]+\s*=)/) : []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`OSUSUME_MODEL=${text}: expected family:key=value,key=value`);
    params[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  checkFamily(text, family.trim());
  return { family: family.trim(), params };
}

function modelFromFile(file: string): Config['model'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `OSUSUME_MODEL=${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  const tuned = parseTunedParams(text, `OSUSUME_MODEL=${file}`);
  const params = Object.fromEntries(Object.entries(tuned.params).map(([key, value]) => [key, String(value)]));
  checkFamily(file, tuned.model);
  return { family: tuned.model, params };
}

/** A family the registry lacks fails at start, naming every family, rather than at the first training. */
function checkFamily(text: string, family: string): void {
  if (family === 'auto') return;
  try {
    modelFamily(family);
  } catch (error) {
    throw new Error(`OSUSUME_MODEL=${text}: ${(error as Error).message}, or auto`);
  }
}
