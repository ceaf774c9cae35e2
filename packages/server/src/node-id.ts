import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * This node's id, which the jobs it runs carry (jobs/queue.ts): OSUSUME_NODE_ID, or one made up on the
 * first start and kept in <home>/node-id, so that after a restart the node knows which running jobs
 * were its own (and died with it) without waiting for their leases to run out.
 */
export async function nodeId(home: string, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const file = join(home, 'node-id');
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const made = `${hostname()}-${randomBytes(4).toString('hex')}`;
  await writeFile(file, `${made}\n`, { flag: 'wx' });
  return made;
}
