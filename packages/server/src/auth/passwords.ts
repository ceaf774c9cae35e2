import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes: scrypt (memory-hard) from node:crypto, stored as `scrypt$N$r$p$salt$hash` with the
 * salt and the hash in base64, so the cost can be raised later and old hashes still verify (and are
 * re-hashed at the next log-in, see needsRehash).
 */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

/** Bounds on the parameters read back from a stored hash, so a corrupt row cannot ask for gigabytes. */
const LIMITS = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16, maxKeyBytes: 128 };

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** The asynchronous scrypt (libuv's thread pool): the event loop keeps serving while a hash is computed. */
function derive(
  password: string,
  salt: Buffer,
  keyBytes: number,
  params: { N: number; r: number; p: number },
) {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // scrypt needs 128·N·r·p bytes; Node's default ceiling (32 MiB) is exactly that at N=2^15, r=8, and
    // OpenSSL wants a little more.
    maxmem: 256 * params.N * params.r * params.p,
  };
  // The same password typed on two devices may arrive composed or decomposed: hash one form.
  const text = password.normalize('NFKC');
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(text, salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const hash = await derive(password, salt, SCRYPT.keyBytes, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const logN = Math.log2(N);
  if (!Number.isInteger(logN) || logN < LIMITS.minLogN || logN > LIMITS.maxLogN) return undefined;
  if (!Number.isInteger(r) || r < 1 || r > LIMITS.maxR || !Number.isInteger(p) || p < 1 || p > LIMITS.maxP) {
    return undefined;
  }
  const salt = Buffer.from(parts[4], 'base64');
  const hash = Buffer.from(parts[5], 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > LIMITS.maxKeyBytes) return undefined;
  return { N, r, p, salt, hash };
}

/**
 * What a password is checked against when there is no usable hash: today's parameters, so the check
 * costs what a real one does (random bytes: no password derives them).
 */
const DUMMY: Parsed = {
  N: SCRYPT.N,
  r: SCRYPT.r,
  p: SCRYPT.p,
  salt: randomBytes(SCRYPT.saltBytes),
  hash: randomBytes(SCRYPT.keyBytes),
};

/**
 * Whether `password` matches `stored`. Constant time in the comparison; and when there is no usable
 * hash (unknown user, a user who cannot log in, a corrupt row) it still derives a key against a dummy
 * hash, so the response time does not tell which usernames exist.
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parsed = stored ? parse(stored) : undefined;
  const target = parsed ?? DUMMY;
  const key = await derive(password, target.salt, target.hash.length, target);
  return timingSafeEqual(key, target.hash) && parsed !== undefined;
}

/** Whether a stored hash was made with other parameters than today's (re-hash it after a successful log-in). */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return (
    !parsed ||
    parsed.N !== SCRYPT.N ||
    parsed.r !== SCRYPT.r ||
    parsed.p !== SCRYPT.p ||
    parsed.hash.length !== SCRYPT.keyBytes ||
    parsed.salt.length !== SCRYPT.saltBytes
  );
}
