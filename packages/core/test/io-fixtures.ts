import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Interactions } from '../src/data/interactions.js';

/**
 * Returns a function that writes small files into a fresh temporary folder and returns its path; the
 * folders are removed after the test file's last test.
 */
export function useFixtures(): (files: Record<string, string | Buffer>) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = mkdtempSync(join(tmpdir(), 'osusume-io-'));
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  };
}

/** The (user id, item id, value) rows of `ratings`, in order. */
export function triplets(ratings: Interactions): [string, string, number][] {
  return Array.from({ length: ratings.length }, (_, t) => [
    ratings.users.idAt(ratings.user[t]),
    ratings.items.idAt(ratings.item[t]),
    ratings.value[t],
  ]);
}
