import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, DATABASES, type TestContext } from './harness.js';

/** Whether the session cookie a new visitor gets from this address, with this forwarded protocol, is Secure. */
async function secureCookie(context: TestContext, remoteAddress: string, proto?: string): Promise<boolean> {
  const response = await context.app.inject({
    url: '/api/session',
    remoteAddress,
    headers: proto ? { 'x-forwarded-proto': proto } : {},
  });
  const cookie = response.cookies.find((c) => c.name === 'osusume_session');
  expect(cookie).toBeDefined();
  return cookie?.secure === true;
}

describe.each(DATABASES)('the session cookie behind a TLS-terminating proxy (%s)', (dialect) => {
  let trusting: TestContext;
  let plain: TestContext;
  beforeAll(async () => {
    trusting = await createContext(dialect, { config: { trustProxy: ['127.0.0.1'] } });
    plain = await createContext(dialect);
  });
  afterAll(async () => {
    await trusting.close();
    await plain.close();
  });

  it('is Secure when a trusted proxy says the original request was https', async () => {
    expect(await secureCookie(trusting, '127.0.0.1', 'https')).toBe(true);
    expect(await secureCookie(trusting, '127.0.0.1', 'http')).toBe(false);
    expect(await secureCookie(trusting, '127.0.0.1')).toBe(false);
  });

  it('trusts a number of hops', async () => {
    const hop = await createContext(dialect, { config: { trustProxy: 1 } });
    try {
      expect(await secureCookie(hop, '10.1.2.3', 'https')).toBe(true);
    } finally {
      await hop.close();
    }
  });

  it('ignores X-Forwarded-Proto from a client that is not a trusted proxy', async () => {
    expect(await secureCookie(trusting, '10.1.2.3', 'https')).toBe(false);
    expect(await secureCookie(plain, '127.0.0.1', 'https')).toBe(false);
  });
});
