import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTrainedContext, DATABASES, type TestContext } from './harness.js';

const KEEP = 1;

describe.each(DATABASES)('model versions kept, and account deletion (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainedContext(dialect, { keepModels: KEEP });
  });
  afterAll(() => context.close());

  const train = async () => {
    const { jobs } = context.services;
    const done = await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(done.status).toBe('done');
  };

  it(`keeps the files of the serving version and the ${KEEP} before it only`, async () => {
    await train();
    await train();
    const versions = await context.services.models.list();
    expect(versions.map((v) => v.status)).toEqual(['active', 'retired', 'retired']);
    const [active, previous, oldest] = versions as [
      (typeof versions)[0],
      (typeof versions)[0],
      (typeof versions)[0],
    ];
    const models = context.services.models;
    expect(existsSync(models.fileFor(active.id))).toBe(true);
    expect(existsSync(models.fileFor(previous.id))).toBe(true);
    expect(existsSync(models.fileFor(oldest.id))).toBe(false);
    if (dialect === 'postgres') {
      const chunked = await context.db.selectFrom('model_chunks').select('version_id').distinct().execute();
      expect(chunked.map((c) => c.version_id).sort()).toEqual([previous.id, active.id].sort());
    }
  });

  it('queues a training when an account is deleted, so its ratings leave the served model', async () => {
    const client = new Client(context.app);
    expect((await client.enter('/api/signup', 'leaving', 'a long password')).statusCode).toBe(201);
    expect((await client.put('/api/ratings/w1', { choice: 'like' })).statusCode).toBe(200);
    const [last] = await context.services.jobs.list(1);
    const deleted = await client.request({
      method: 'DELETE',
      url: '/api/me',
      payload: { password: 'a long password' },
    });
    expect(deleted.statusCode).toBe(204);
    const trainings = (await context.services.jobs.list()).filter(
      (job) => job.kind === 'train' && job.id > (last?.id ?? 0),
    );
    expect(trainings).toHaveLength(1);
  });
});
