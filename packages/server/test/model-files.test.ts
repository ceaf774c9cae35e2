import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForModels } from '../src/db/notices.js';
import { Engine } from '../src/engine/engine.js';
import { ModelStore } from '../src/engine/model-store.js';
import { createTrainedContext, DATABASES, type TestContext } from './harness.js';

/**
 * Model files as another node sees them: on PostgreSQL a node with a home of its own loads the version
 * from the database into its own copy, checked against the recorded SHA-256; on SQLite the trainer's file
 * is checked the same way.
 */
describe.each(DATABASES)('model files (%s)', (dialect) => {
  let context: TestContext;
  beforeAll(async () => {
    context = await createTrainedContext(dialect);
  });
  afterAll(() => context.close());

  it('records the checksum and size of the active version', async () => {
    const active = await context.services.models.active();
    expect(active?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(active?.size).toBe(readFileSync(active?.file as string).length);
    // Where every node reads it: the database on PostgreSQL; on SQLite only the trainer's file.
    expect(active?.location).toBe(dialect === 'postgres' ? 'database' : null);
  });

  it('never loads a local file that is not the one recorded', async () => {
    const active = await context.services.models.active();
    if (!active) throw new Error('no active version');
    const bytes = readFileSync(active.file);
    writeFileSync(active.file, bytes.subarray(0, bytes.length - 1));
    try {
      if (dialect === 'sqlite') {
        // The only copy: refused.
        await expect(context.services.models.localFile(active)).rejects.toThrow(/checksum/);
      } else {
        // A copy of the database's: fetched again.
        const file = await context.services.models.localFile(active);
        expect(readFileSync(file).equals(bytes)).toBe(true);
      }
    } finally {
      writeFileSync(active.file, bytes);
    }
  });
});

describe('model files across nodes (postgres)', () => {
  let context: TestContext;
  let otherHome: string;
  beforeAll(async () => {
    context = await createTrainedContext('postgres');
    otherHome = mkdtempSync(join(tmpdir(), 'osusume-node-'));
  });
  afterAll(async () => {
    await context.close();
    rmSync(otherHome, { recursive: true, force: true });
  });

  it('another node loads the version from the database into a copy of its own, byte for byte', async () => {
    const active = await context.services.models.active();
    if (!active) throw new Error('no active version');
    const other = ModelStore.forHome(context.services.storage, otherHome, context.services.config.keepModels);
    // Moved away: no node may read the trainer's path.
    const trainerBytes = readFileSync(active.file);
    rmSync(active.file);
    try {
      const file = await other.localFile(active);
      expect(file).toBe(join(otherHome, 'models', `v${active.id}.safetensors`));
      expect(readFileSync(file).equals(trainerBytes)).toBe(true);
      const engine = new Engine(context.db, other);
      expect(await engine.refresh()).toBe(true);
      expect(engine.version).toBe(active.id);
    } finally {
      writeFileSync(active.file, trainerBytes);
    }
  });

  it('announces an activation to the nodes listening', async () => {
    const active = await context.services.models.active();
    if (!active) throw new Error('no active version');
    let heard = false;
    const stop = listenForModels(
      context.services.storage.options,
      () => {
        heard = true;
      },
      () => {},
    );
    try {
      // Activated again until heard: the listening connection takes a moment to open.
      while (!heard) {
        await context.services.models.activate(active.id, active.family, active.metrics, active.ratings);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await stop();
    }
    expect(heard).toBe(true);
  });

  it('fetches a damaged copy again; fails on damaged chunks', async () => {
    const active = await context.services.models.active();
    if (!active) throw new Error('no active version');
    const other = ModelStore.forHome(context.services.storage, otherHome, context.services.config.keepModels);
    const copy = await other.localFile(active);
    writeFileSync(copy, 'not a model');
    expect(readFileSync(await other.localFile(active)).length).toBe(active.size);

    rmSync(copy);
    await context.db
      .updateTable('model_chunks')
      .set({ bytes: Buffer.from('damaged') })
      .where('version_id', '=', active.id)
      .where('seq', '=', 0)
      .execute();
    await expect(other.localFile(active)).rejects.toThrow(/checksum/);
  });
});
