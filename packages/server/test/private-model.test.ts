import { gunzipSync } from 'node:zlib';
import { decodePortableFactors, type FactorModel } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateFactors } from '../src/engine/private-model.js';
import { Client, createContext, createTrainedContext, seedCatalogue, type TestContext } from './harness.js';

describe('GET /api/private/model before any model', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createContext('sqlite');
    await seedCatalogue(context.db, { users: 6 });
  });
  afterAll(() => context.close());

  it('answers 503 with a message', async () => {
    const response = await new Client(context.app).get('/api/private/model');
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(/no model/);
  });
});

describe('GET /api/private/model', () => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainedContext('sqlite');
  });
  afterAll(() => context.close());

  it('sends the item side of the serving model, binary16 factors, gzipped when accepted', async () => {
    const client = new Client(context.app);
    const raw = await client.request({ method: 'GET', url: '/api/private/model' });
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(raw.headers['content-encoding']).toBeUndefined();
    const gzipped = await client.request({
      method: 'GET',
      url: '/api/private/model',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).equals(raw.rawPayload)).toBe(true);

    const serving = context.services.engine.current;
    const trained = privateFactors(serving?.model as FactorModel) as FactorModel;
    const { model, extra } = decodePortableFactors(new Uint8Array(raw.rawPayload));
    expect(model.items.toArray()).toEqual(trained.items.toArray());
    expect(model.ratingCounts()).toEqual(trained.ratingCounts());
    expect(extra).toMatchObject({ model: serving?.version, minRatings: context.services.config.minRatings });
    // Item rows within binary16's rounding (relative 2^-11) of the trained ones; biases exact.
    const { stride } = trained.layout;
    for (let at = 0; at < trained.itemRows.length; at++) {
      const exact = trained.itemRows[at];
      expect(Math.abs(model.itemRows[at] - exact), `slot ${at % stride}`).toBeLessThanOrEqual(
        Math.abs(exact) * 2 ** -11 + 2 ** -25,
      );
    }
    // No user rows and no training ratings leave the service.
    expect(model.users.size).toBe(0);
    expect(model.train.indices.length).toBe(0);
  });

  it('names the model version in its ETag and answers 304 to a page that has it', async () => {
    const client = new Client(context.app);
    const first = await client.get('/api/private/model');
    const etag = first.headers.etag as string;
    expect(etag).toBe(`"private-${context.services.engine.version}"`);
    const again = await client.request({
      method: 'GET',
      url: '/api/private/model',
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    const other = await client.request({
      method: 'GET',
      url: '/api/private/model',
      headers: { 'if-none-match': '"private-0"' },
    });
    expect(other.statusCode).toBe(200);
  });
});
