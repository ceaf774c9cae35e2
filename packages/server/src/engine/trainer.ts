import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { JobHandler } from '../jobs/queue.js';
import type { Services } from '../services.js';
import type { TrainRequest } from './train-worker.js';

interface Done {
  type: 'done';
  family: string;
  metrics: Record<string, number>;
  /** Held-out RMSE after each epoch of `curveOf`: the kept model, or for a blend its ALS part. */
  curve: number[];
  curveOf: string;
  ratings: number;
  /** Candidates that could not be fitted, with why. */
  skipped: string[];
}

/**
 * ALS factors in the service's `auto` models: every request folds the visitor in (BALSE: two solves)
 * and scores the catalogue, and 32 factors keep that within the latency budget (p99 ≤ 15 ms at 50
 * connections, bench/RESULTS.md) for 0.5 % of RMSE against 64 (BALSE on the anime seed table: 1.145
 * against 1.139).
 */
const SERVICE_FACTORS = 32;

/**
 * The models `OSUSUME_MODEL` asks for: one family with its parameters, or `auto`: ALS and BALSE both
 * measured on held-out ratings, the better one kept (BALSE serves when it is better).
 */
export function candidates(model: Config['model']): TrainRequest['candidates'] {
  if (model.family === 'auto') {
    return [
      { family: 'als', params: { factors: SERVICE_FACTORS } },
      { family: 'balse', params: { 'als.factors': SERVICE_FACTORS } },
    ];
  }
  return [{ family: model.family, params: model.params }];
}

/**
 * The `train` job: registers a model version, trains it in a worker thread, publishes its file (into
 * the database on PostgreSQL, for every node), then activates it and calls `onActivated`, which by
 * default loads it into this process's engine (a process that does not serve HTTP tells the API
 * processes instead). If anything fails the version is marked failed with the error, the job fails with
 * it, and the model serving stays the one that was serving. A job whose lease is lost (another node took
 * it over) stops its worker and activates nothing.
 */
export function trainJob(
  services: Services,
  onActivated: (version: number) => unknown = () => services.engine.refresh(),
): JobHandler {
  return async (_job, progress, lost) => {
    const { family, params } = services.config.model;
    // One training job runs at a time across nodes (jobs/queue.ts): a version still `training` now was
    // left by a trainer that died.
    await services.models.failInterrupted();
    const version = await services.models.begin(family, params);
    try {
      const request: TrainRequest = {
        storage: services.storage.options,
        candidates: candidates(services.config.model),
        seed: 0,
        file: version.file,
      };
      const done = await runWorker(request, progress, lost);
      await services.models.publish(version.id);
      lost.throwIfAborted();
      await services.models.activate(
        version.id,
        done.family,
        { ...done.metrics, curve: done.curve, curveOf: done.curveOf },
        done.ratings,
      );
      await onActivated(version.id);
      // Housekeeping once the new version serves: a failure only leaves old files for the next prune.
      await services.models.prune().catch(() => {});
      return {
        version: version.id,
        family: done.family,
        ratings: done.ratings,
        metrics: done.metrics,
        curve: done.curve,
        curveOf: done.curveOf,
        skipped: done.skipped,
      };
    } catch (error) {
      await services.models.fail(version.id, error instanceof Error ? error.message : String(error));
      throw error;
    }
  };
}

function runWorker(
  request: TrainRequest,
  progress: (fraction: number, message: string) => void,
  lost: AbortSignal,
): Promise<Done> {
  return new Promise((resolve, reject) => {
    lost.throwIfAborted();
    const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: request });
    const stop = () => {
      reject(lost.reason);
      void worker.terminate();
    };
    lost.addEventListener('abort', stop, { once: true });
    let done: Done | undefined;
    worker.on('message', (message: { type: string; fraction?: number; message?: string } | Done) => {
      if (message.type === 'progress') {
        const m = message as { fraction: number; message: string };
        progress(m.fraction, m.message);
      } else if (message.type === 'done') {
        done = message as Done;
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      lost.removeEventListener('abort', stop);
      if (done) resolve(done);
      else reject(new Error(`training stopped (worker exit code ${code})`));
    });
  });
}
