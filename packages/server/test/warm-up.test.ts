import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { warmUpHttp } from '../src/http/warm-up.js';
import { createTrainingContext, DATABASES, type TestContext } from './harness.js';

describe.each(DATABASES)('warming up before /ready (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainingContext(dialect, { apiKey: 'warm-key' });
  });
  afterAll(() => context.close());

  it('says ready only once the warm-up after the first model is over', async () => {
    const { jobs, engine } = context.services;
    let finish = () => {};
    let started = 0;
    engine.warmUpWith(() => {
      started++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    expect((await jobs.waitFor((await jobs.enqueue('train')).id)).status).toBe('done');
    expect(engine.version).toBeDefined();
    const warming = await context.app.inject({ url: '/ready' });
    expect(warming.statusCode).toBe(503);
    expect(warming.json().status).toBe('warming up');
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await context.app.inject({ url: '/ready' })).json()).toEqual({
      status: 'ready',
      model: engine.version,
    });
    // Only the first model: a later one swaps in without a warm-up.
    await jobs.waitFor((await jobs.enqueue('train')).id);
    expect(started).toBe(1);
    expect(engine.ready).toBe(true);
  });

  it('is ready all the same when the warm-up fails (it only costs a cold start)', async () => {
    const engine = new Engine(context.db, context.services.models);
    engine.warmUpWith(() => Promise.reject(new Error('no port')));
    expect(await engine.refresh()).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(engine.ready).toBe(true);
  });

  it('sends its requests through the whole HTTP stack, all answered', async () => {
    const answered = await warmUpHttp(context.app, context.services, 300);
    expect(answered.ok).toBeGreaterThan(20);
    expect(answered.failed).toBe(0);
  });

  describe('with the integration API off (no OSUSUME_API_KEY)', () => {
    let keyless: TestContext;
    beforeAll(async () => {
      keyless = await createTrainingContext(dialect);
      const { jobs } = keyless.services;
      await jobs.waitFor((await jobs.enqueue('train')).id);
      await keyless.app.ready(); // as when the service warms up: after it listens
    });
    afterAll(() => keyless.close());

    it('warms up through routes that are on: none answered with an error', async () => {
      expect(keyless.services.config.apiKey).toBeUndefined();
      const answered = await warmUpHttp(keyless.app, keyless.services, 300);
      expect(answered.ok).toBeGreaterThan(20);
      expect(answered.failed).toBe(0);
    });
  });
});
