import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../src/config.js';
import { freePort } from './processes.js';

/**
 * An S3-compatible server for the tests: the one at OSUSUME_TEST_S3_ENDPOINT (a MinIO, say, with its
 * credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), else a moto_server (Python's moto) started
 * on a free port. `S3_MISSING` says why there is none, for the tests to skip with that reason.
 */
const given = process.env.OSUSUME_TEST_S3_ENDPOINT || undefined;
const motoWorks = !given && spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

export const S3_MISSING =
  given || motoWorks
    ? undefined
    : 'no S3-compatible server: set OSUSUME_TEST_S3_ENDPOINT (e.g. a MinIO) or install moto_server (pip install "moto[server]")';

const BUCKET = 'osusume-test';

export interface S3TestServer {
  endpoint: string;
  client: S3Client;
  /** Settings for a store of its own in the test bucket (a prefix of its own). */
  settings(): S3Settings;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3TestServer> {
  let child: ChildProcess | undefined;
  let endpoint = given;
  if (!endpoint) {
    // moto accepts any credentials; the SDK wants some.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await answering(endpoint, child);
  }
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  }
  const url = endpoint;
  return {
    endpoint: url,
    client,
    settings: () => ({
      bucket: BUCKET,
      endpoint: url,
      region: 'us-east-1',
      prefix: `t-${randomBytes(4).toString('hex')}/`,
      forcePathStyle: true,
    }),
    async stop() {
      client.destroy();
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Waits until the server answers HTTP (moto takes a few seconds to import, more on a busy machine). */
async function answering(endpoint: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      await fetch(endpoint);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  child.kill('SIGTERM');
  throw new Error(`moto_server did not answer at ${endpoint} within 60 s`);
}
