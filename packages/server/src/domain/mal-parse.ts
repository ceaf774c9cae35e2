import { Worker } from 'node:worker_threads';
import { type MalEntry, MalFormatError } from './mal-import.js';
import type { MalParseOutcome } from './mal-parse-worker.js';

/**
 * The heap a parse may use: a 10 MB export (the largest the route takes) peaks at about a quarter of it;
 * a crafted file that needs more is refused rather than growing the process.
 */
const PARSE_HEAP_MB = 256;

/**
 * Parses a MyAnimeList export (parseMalExport) in a worker thread of its own: the event loop keeps
 * serving requests meanwhile. Rejects with MalFormatError (status 400 or 413) for a file it refuses.
 */
export function parseMalExportInWorker(xml: string): Promise<MalEntry[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./mal-parse-worker.js', import.meta.url), {
      workerData: xml,
      resourceLimits: { maxOldGenerationSizeMb: PARSE_HEAP_MB },
    });
    worker.once('message', (outcome: MalParseOutcome) => {
      if ('entries' in outcome) resolve(outcome.entries);
      else reject(new MalFormatError(outcome.refused.message, outcome.refused.status));
    });
    worker.once('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        reject(new MalFormatError('the file needs too much memory to read: send a MyAnimeList export', 413));
      } else reject(error);
    });
    // After a message or an error this changes nothing; otherwise the worker died without a word.
    worker.once('exit', (code) =>
      reject(new Error(`the MyAnimeList parse stopped (worker exit code ${code})`)),
    );
  });
}
