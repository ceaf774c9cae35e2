import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { badRequest, HttpError } from './errors.js';

const gunzipAsync = promisify(gunzip);

/** The two bytes every gzip stream starts with (RFC 1952). */
export function isGzip(body: Uint8Array): boolean {
  return body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/**
 * A request body as UTF-8 text. A gzip stream is told by its first bytes, whatever the Content-Type says
 * (browsers label a .gz file in several ways), and decompressed on the thread pool; zlib stops as soon
 * as the output passes `maxBytes`, so a small "zip bomb" is a 413 and never fills the memory. A corrupted
 * or truncated stream is a 400.
 */
export async function textBody(body: Buffer, maxBytes: number): Promise<string> {
  if (!isGzip(body)) return body.toString('utf8');
  try {
    return (await gunzipAsync(body, { maxOutputLength: maxBytes })).toString('utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, `the file is over ${megabytes(maxBytes)} once decompressed`);
    }
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw badRequest(
        `not a readable gzip file (${(error as Error).message}): send the .gz file as it was downloaded`,
      );
    }
    throw error;
  }
}
