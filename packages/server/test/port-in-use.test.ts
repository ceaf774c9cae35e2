import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killAll, MAIN, spawnService } from './processes.js';

describe('a port already in use', () => {
  const home = mkdtempSync(join(tmpdir(), 'osusume-port-'));
  let blocker: Server | undefined;

  afterAll(async () => {
    await killAll();
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    rmSync(home, { recursive: true, force: true });
  });

  it('stops the service with an error that names the port, instead of restarting API processes forever', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
    const service = spawnService({
      command: [process.execPath, MAIN],
      port,
      env: { OSUSUME_HOME: home, OSUSUME_WORKERS: '2', OSUSUME_DEMO_DATA: '', LOG_LEVEL: undefined },
    });
    const exit = await service.exited;
    expect(exit.code).toBe(1);
    const log = service.lines.join('\n');
    expect(log).toMatch(new RegExp(`3 API processes in a row exited before listening on port ${port}`));
    // Three tries, then the stop: not a loop.
    expect(log.match(/starting another/g) ?? []).toHaveLength(2);
  });
});
