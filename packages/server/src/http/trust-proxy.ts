import type { Config } from '../config.js';

type TrustProxy = boolean | string[] | ((address: string, hop: number) => boolean);

/**
 * OSUSUME_TRUST_PROXY as Fastify's trustProxy option. Its types take a hop count only as a function (its
 * runtime turns a number into the same one).
 */
export function trustProxyOption(trust: Config['trustProxy']): TrustProxy {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}
