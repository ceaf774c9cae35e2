// Reads one MyAnimeList export in a worker thread, so that a file of several MB never holds up the event
// loop that serves requests (mal-parse.ts starts it): the export's text comes as workerData, the entries
// or the reason for refusing the file go back as one message.
import { parentPort, workerData } from 'node:worker_threads';
import { type MalEntry, MalFormatError, parseMalExport } from './mal-import.js';

export type MalParseOutcome = { entries: MalEntry[] } | { refused: { message: string; status: 400 | 413 } };

let outcome: MalParseOutcome;
try {
  outcome = { entries: parseMalExport(workerData as string) };
} catch (error) {
  if (!(error instanceof MalFormatError)) throw error;
  outcome = { refused: { message: error.message, status: error.status } };
}
parentPort?.postMessage(outcome);
