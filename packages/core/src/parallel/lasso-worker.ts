// A worker thread of the per-user LASSO: the first message shares the problem and the outputs (views on
// shared memory); each later one is a job over a block of users, answered when the block is done.
import { parentPort } from 'node:worker_threads';
import {
  type LassoJob,
  type LassoOutputs,
  type LassoProblem,
  PathStore,
  runLassoJob,
} from '../math/lasso-cd.js';

type Message =
  | { problem: LassoProblem; outputs: LassoOutputs }
  | { job: LassoJob; begin: number; end: number };

let shared: { problem: LassoProblem; outputs: LassoOutputs } | undefined;
/** This thread's cross-validation paths, for the users it solves. */
const paths = new PathStore();

parentPort?.on('message', (message: Message) => {
  if ('problem' in message) {
    shared = message;
    paths.clear();
    return;
  }
  try {
    if (!shared) throw new Error('a job before the problem');
    runLassoJob(shared.problem, shared.outputs, message.job, message.begin, message.end, paths);
    parentPort?.postMessage({ ok: true });
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    parentPort?.postMessage({ ok: false, error: text });
  }
});
