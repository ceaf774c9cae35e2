import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../config.js';
import type { FileChecksum, ModelFileStore } from './model-files.js';

/**
 * Parts of a multipart upload: S3's smallest (5 MiB, but for the last part); a file no larger goes in one
 * PUT. Two parts in flight at most, so the memory an upload holds does not grow with the file.
 */
const PART_BYTES = 5 << 20;
const PARTS_IN_FLIGHT = 2;

/** A server that does not accept the connection within this time counts as down. */
const CONNECT_TIMEOUT_MS = 5000;
/**
 * A connection silent this long is given up: a stalled download would otherwise hold the engine's load,
 * and with it every later version, for good.
 */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * Model files in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …): object `<prefix>v<id>.safetensors`
 * per version, uploaded in parts and read as a stream (docs/deploy.md). Errors name the object and the
 * endpoint, so that a server that is down or a bucket that is missing says so.
 */
export class S3ModelFiles implements ModelFileStore {
  private sdk: Promise<Sdk> | undefined;

  constructor(private readonly settings: S3Settings) {}

  /**
   * The AWS SDK and a client, loaded at first use: importing the SDK takes 0.3–1 s, which every process
   * of a service without a bucket would pay at each start.
   */
  private connect(): Promise<Sdk> {
    this.sdk ??= (async () => {
      const [s3, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
      const client = new s3.S3Client({
        region: this.settings.region,
        ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
        forcePathStyle: this.settings.forcePathStyle,
        // Checksums the SDK would add to each request by default (CRC32, in aws-chunked encoding) are
        // not understood by every S3-compatible server; every file's SHA-256 is checked after download.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: IDLE_TIMEOUT_MS },
      });
      return { s3, Upload: storage.Upload, client };
    })();
    return this.sdk;
  }

  private key(id: number): string {
    return `${this.settings.prefix}v${id}.safetensors`;
  }

  locationOf(id: number): string {
    return `s3://${this.settings.bucket}/${this.key(id)}`;
  }

  async put(id: number, bytes: Readable, checksum: FileChecksum): Promise<void> {
    const target = { Bucket: this.settings.bucket, Key: this.key(id) };
    try {
      const { s3, Upload, client } = await this.connect();
      await new Upload({
        client,
        params: { ...target, Body: bytes, Metadata: { sha256: checksum.sha256 } },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
      }).done();
      const head = await client.send(new s3.HeadObjectCommand(target));
      if (head.ContentLength !== checksum.size) {
        throw new Error(`${head.ContentLength} bytes stored, ${checksum.size} sent`);
      }
    } catch (error) {
      // An upload given up may leave the file open: closed here rather than whenever it is collected.
      bytes.destroy();
      throw this.failure(`could not store model v${id} in ${this.locationOf(id)}`, error);
    }
  }

  async *get(id: number): AsyncIterable<Uint8Array> {
    const what = `could not read model v${id} from ${this.locationOf(id)}`;
    let body: AsyncIterable<Uint8Array>;
    try {
      const { s3, client } = await this.connect();
      const object = await client.send(
        new s3.GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(id) }),
      );
      if (!object.Body) throw new Error('the answer has no body');
      // In Node.js the body is the response stream (an IncomingMessage): read as it arrives.
      body = object.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      throw this.failure(what, error);
    }
    try {
      yield* body;
    } catch (error) {
      throw this.failure(what, error);
    }
  }

  async stored(): Promise<number[]> {
    const { bucket, prefix } = this.settings;
    const ids: number[] = [];
    try {
      const { s3, client } = await this.connect();
      for await (const page of s3.paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          const id = /^v(\d+)\.safetensors$/.exec(object.Key?.slice(prefix.length) ?? '')?.[1];
          if (id !== undefined) ids.push(Number(id));
        }
      }
    } catch (error) {
      throw this.failure(`could not list the model files in s3://${bucket}/${prefix}`, error);
    }
    return ids;
  }

  async delete(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const { s3, client } = await this.connect();
    for (const id of ids) {
      try {
        await client.send(new s3.DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(id) }));
      } catch (error) {
        throw this.failure(`could not delete ${this.locationOf(id)}`, error);
      }
    }
  }

  /** An error saying what failed, where, and why (a refused connection's reason may be nested). */
  private failure(what: string, error: unknown): Error {
    const at = this.settings.endpoint ? ` at ${this.settings.endpoint}` : '';
    return new Error(`${what}${at}: ${reason(error)}`, { cause: error });
  }
}

interface Sdk {
  s3: typeof import('@aws-sdk/client-s3');
  Upload: typeof import('@aws-sdk/lib-storage').Upload;
  client: S3Client;
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = error instanceof AggregateError ? error.errors.map(reason).join('; ') : '';
  const code = (error as NodeJS.ErrnoException).code;
  const text = error.message || nested || code || error.name;
  return error.name && error.name !== 'Error' && !text.startsWith(error.name)
    ? `${error.name}: ${text}`
    : text;
}
