import { Worker } from 'node:worker_threads';
import { modelFamily, resolveParams } from 'osusume';
import type { JobHandler } from '../jobs/queue.js';
import type { Services } from '../services.js';
import type { TrainRequest } from './train-worker.js';

interface Done {
  type: 'done';
  metrics: Record<string, number>;
  curve: number[];
  ratings: number;
}

/**
 * The `train` job: registers a model version, trains it in a worker thread, then activates it (every
 * API process swaps to it) and loads it here. If anything fails the version is marked failed with the
 * error, the job fails with it, and the model serving stays the one that was serving.
 */
export function trainJob(services: Services, onActivated: (version: number) => void = () => {}): JobHandler {
  return async (_job, progress) => {
    const { family, params } = services.config.model;
    const version = await services.models.begin(family, params);
    try {
      const resolved = resolveParams(modelFamily(family).params, params);
      const request: TrainRequest = {
        storage: services.storage.options,
        family,
        params: resolved,
        seed: 0,
        file: version.file,
      };
      const done = await runWorker(request, progress);
      await services.models.activate(version.id, { ...done.metrics, curve: done.curve }, done.ratings);
      await services.engine.refresh();
      onActivated(version.id);
      return { version: version.id, ratings: done.ratings, metrics: done.metrics, curve: done.curve };
    } catch (error) {
      await services.models.fail(version.id, error instanceof Error ? error.message : String(error));
      throw error;
    }
  };
}

function runWorker(
  request: TrainRequest,
  progress: (fraction: number, message: string) => void,
): Promise<Done> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./train-worker.js', import.meta.url), { workerData: request });
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
      if (done) resolve(done);
      else reject(new Error(`training stopped (worker exit code ${code})`));
    });
  });
}
