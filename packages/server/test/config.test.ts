import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = (value: string) => loadConfig({ OSUSUME_MODEL: value }).model;

describe('OSUSUME_MODEL', () => {
  it('reads a family alone, and auto by default', () => {
    expect(model('als')).toEqual({ family: 'als', params: {} });
    expect(loadConfig({}).model).toEqual({ family: 'auto', params: {} });
  });

  it('splits pairs only at commas that start a new key=, so a value may list models', () => {
    expect(model('blend:models=als,lasso')).toEqual({ family: 'blend', params: { models: 'als,lasso' } });
    expect(model('blend:models=als,lasso,gate=constant, als.factors=16')).toEqual({
      family: 'blend',
      params: { models: 'als,lasso', gate: 'constant', 'als.factors': '16' },
    });
  });

  it('ends the family at the first colon and keeps the rest of the text, colons included', () => {
    expect(model('als:factors=48,init=0.1')).toEqual({
      family: 'als',
      params: { factors: '48', init: '0.1' },
    });
    expect(model('lasso:tags=a:b')).toEqual({ family: 'lasso', params: { tags: 'a:b' } });
    expect(() => model('als:factors')).toThrow(/OSUSUME_MODEL=als:factors: expected family:key=value/);
  });

  it('reads a parameters file written by osusume tune (a path ending in .json)', () => {
    const file = join(dir, 'tuned.json');
    writeFileSync(
      file,
      JSON.stringify({ model: 'als', params: { factors: 48, lambda: 0.1, biases: true }, cv: 0.9 }),
    );
    expect(model(file)).toEqual({ family: 'als', params: { factors: '48', lambda: '0.1', biases: 'true' } });
    expect(() => model(join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
    writeFileSync(join(dir, 'other.json'), '{"factors": 48}');
    expect(() => model(join(dir, 'other.json'))).toThrow(/other\.json: not a parameters file/);
  });
});

describe('OSUSUME_TRUST_PROXY', () => {
  const trust = (value: string | undefined) => loadConfig({ OSUSUME_TRUST_PROXY: value }).trustProxy;

  it('trusts no proxy by default, and reads true, a hop count or a list of addresses', () => {
    expect(trust(undefined)).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('true')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('127.0.0.1, 10.0.0.0/8')).toEqual(['127.0.0.1', '10.0.0.0/8']);
  });
});

describe('OSUSUME_S3_*', () => {
  it('keeps model files out of a bucket unless OSUSUME_S3_BUCKET is set', () => {
    expect(loadConfig({}).s3).toBeUndefined();
  });

  it('reads the bucket, its endpoint, region and prefix (ending with a slash), and the path style', () => {
    expect(
      loadConfig({
        OSUSUME_S3_BUCKET: 'models',
        OSUSUME_S3_ENDPOINT: 'http://minio:9000',
        OSUSUME_S3_PREFIX: '/prod/osusume',
        OSUSUME_S3_FORCE_PATH_STYLE: 'true',
      }).s3,
    ).toEqual({
      bucket: 'models',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      prefix: 'prod/osusume/',
      forcePathStyle: true,
    });
    expect(loadConfig({ OSUSUME_S3_BUCKET: 'models', AWS_REGION: 'eu-west-3' }).s3).toEqual({
      bucket: 'models',
      endpoint: undefined,
      region: 'eu-west-3',
      prefix: '',
      forcePathStyle: false,
    });
  });

  it('refuses settings it cannot use, naming the variable', () => {
    expect(() => loadConfig({ OSUSUME_S3_ENDPOINT: 'http://minio:9000' })).toThrow(
      /OSUSUME_S3_ENDPOINT is set but OSUSUME_S3_BUCKET is not/,
    );
    expect(() => loadConfig({ OSUSUME_S3_BUCKET: 'models', OSUSUME_S3_ENDPOINT: 'minio:9000' })).toThrow(
      /OSUSUME_S3_ENDPOINT must be http/,
    );
    expect(() => loadConfig({ OSUSUME_S3_BUCKET: 'models', OSUSUME_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(
      /OSUSUME_S3_FORCE_PATH_STYLE must be true or false/,
    );
  });
});
