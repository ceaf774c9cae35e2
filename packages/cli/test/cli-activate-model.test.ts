import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { openStorage } from '@osusume/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';
import { writeFactors, writeSavedModel } from './spark-parquet.js';

const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
const POSTGRES_URL = process.env.OSUSUME_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const API_KEY = 'activate-test-key';

const dir = mkdtempSync(join(tmpdir(), 'osusume-activate-'));
const { run, json } = cliRunner(dir);

beforeAll(async () => {
  // The service's data: works 10…50 in the anime data's layout (the ids Spark's factors use).
  const demo = join(dir, 'demo');
  mkdirSync(demo);
  writeFileSync(
    join(demo, 'anime.csv'),
    'anime_id,name,genre,type,episodes,rating,members\n' +
      [10, 20, 30, 40, 50].map((id) => `${id},Work ${id},"Action, Drama",TV,12,7.5,1000`).join('\n'),
  );
  writeFileSync(
    join(demo, 'ratings.csv.gz'),
    // Enough ratings (10) for the service to train a first model of its own.
    gzipSync(
      'user_id,anime_id,rating\n1,10,8\n1,30,10\n1,50,6\n2,20,7\n2,10,3\n2,40,9\n' +
        '3,40,10\n3,50,5\n3,20,8\n4,10,7\n4,30,4\n4,20,9\n',
    ),
  );
  // What Spark fitted on that service's ratings (rank 2, factors in spark-parquet.ts), and factors of
  // an item the catalogue does not have.
  writeSavedModel(join(dir, 'als'));
  writeFileSync(join(dir, 'ratings.csv'), 'user,item,rating\n1,10,4\n1,30,5\n2,20,3\n2,10,1\n');
  await json([
    'import-factors',
    '--spark-model',
    'als',
    '--ratings',
    'csv:ratings.csv',
    '--out',
    'spark.safetensors',
  ]);
  writeFactors(join(dir, 'other-users.parquet'), [[1, [1, 0]]]);
  writeFactors(join(dir, 'other-items.parquet'), [
    [10, [1, 0]],
    [99, [0, 1]],
  ]);
  await json([
    'import-factors',
    '--users',
    'other-users.parquet',
    '--items',
    'other-items.parquet',
    '--out',
    'other.safetensors',
  ]);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The service (`osusume serve`) in a process group of its own, its output kept for failure messages. */
function serve(env: Record<string, string>): { child: ChildProcess; base: string; output: string[] } {
  const port = 42000 + Math.floor(Math.random() * 3000);
  const output: string[] = [];
  const child = spawn(process.execPath, [main, 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk) => output.push(String(chunk)));
  return { child, base: `http://127.0.0.1:${port}`, output };
}

/** Polls /ready until it answers 200 with a model that `accept`s; the model's version. */
async function servedModel(
  service: { child: ChildProcess; base: string; output: string[] },
  accept: (model: number) => boolean,
): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (service.child.exitCode !== null) throw new Error(`the service exited:\n${service.output.join('')}`);
    try {
      const response = await fetch(`${service.base}/ready`);
      if (response.ok) {
        const { model } = (await response.json()) as { model: number };
        if (accept(model)) return model;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`no such model served:\n${service.output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(['sqlite', 'postgres'] as const)('osusume activate-model (%s)', (dialect) => {
  const home = join(dir, `home-${dialect}`);
  const schema = `activate_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const database = dialect === 'postgres' ? ['--database-url', POSTGRES_URL, '--schema', schema] : [];
  let service: ReturnType<typeof serve>;

  beforeAll(() => {
    service = serve({
      OSUSUME_HOME: home,
      OSUSUME_DEMO_DATA: join(dir, 'demo'),
      OSUSUME_API_KEY: API_KEY,
      OSUSUME_WORKERS: '1',
      OSUSUME_MODEL: 'als:factors=2,epochs=4',
      OSUSUME_TRAIN_EVERY_MINUTES: '0',
      OSUSUME_MIN_RATINGS: '0',
      ...(dialect === 'postgres' ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema } : {}),
    });
  });
  afterAll(async () => {
    if (service.child.exitCode === null) {
      const exited = new Promise((resolve) => service.child.once('exit', resolve));
      process.kill(-(service.child.pid as number), 'SIGKILL');
      await exited;
    }
    if (dialect === 'postgres') {
      const storage = await openStorage({ databaseUrl: POSTGRES_URL });
      await storage.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await storage.close();
    }
  });

  it('makes the Spark model the version the running service serves, without a restart', {
    timeout: 180_000,
  }, async () => {
    const trained = await servedModel(service, () => true);
    const out = await json(['activate-model', '--file', 'spark.safetensors', '--home', home, ...database]);
    expect(out).toMatchObject({ family: 'spark-als', ratings: 4, shared: dialect === 'postgres' });
    expect(out.version).toBeGreaterThan(trained);
    expect(existsSync(join(home, 'models', `v${out.version}.safetensors`))).toBe(true);
    expect(await servedModel(service, (model) => model === out.version)).toBe(out.version);

    // A favorite of 40 = (0.2, 2) folds in along it: 20 = (0.5, 1) scores highest of the rest.
    const response = await fetch(`${service.base}/api/v1/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ ratings: [{ work: '40', choice: 'favorite' }], n: 3 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model: number; items: { work: string; source: string }[] };
    expect(body.model).toBe(out.version);
    expect(body.items[0]).toMatchObject({ work: '20', source: 'model' });
  });

  it('refuses a model whose items are not works of the catalogue, and the serving one stays', {
    timeout: 60_000,
  }, async () => {
    const serving = await servedModel(service, () => true);
    const refused = await run(['activate-model', '--file', 'other.safetensors', '--home', home, ...database]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/1 of its 2 items are not works of the catalogue \("99"\)/);
    const missing = await run([
      'activate-model',
      '--file',
      'missing.safetensors',
      '--home',
      home,
      ...database,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing\.safetensors/);
    if (dialect === 'sqlite') {
      const nowhere = join(dir, 'nowhere');
      const wrongHome = await run(['activate-model', '--file', 'spark.safetensors', '--home', nowhere]);
      expect(wrongHome.code).toBe(1);
      expect(wrongHome.stderr).toMatch(/no service database at .*nowhere/);
      expect(existsSync(nowhere)).toBe(false);
    }
    // Nothing was registered: the next version activated is the next number.
    const again = await json(['activate-model', '--file', 'spark.safetensors', '--home', home, ...database]);
    expect(again.version).toBe(serving + 1);
  });
});
