// Trains one model version in a worker thread (never on the request path): reads the ratings through its
// own database connection, measures the model on 5 % of them held out, refits on all, and writes the
// model file atomically. Messages to the parent: {type:'progress', fraction, message} and
// {type:'done', metrics, ratings}; a failure is the worker's 'error' event.
import { parentPort, workerData } from 'node:worker_threads';
import { holdout, mae, modelFamily, rmse, saveRecommender } from 'osusume';
import { openStorage, type StorageOptions } from '../db/connect.js';
import { readTrainingData } from './training-data.js';

export interface TrainRequest {
  storage: StorageOptions;
  family: string;
  params: Record<string, string | number | boolean>;
  seed: number;
  file: string;
}

const MIN_RATINGS = 10;

const request = workerData as TrainRequest;
const report = (fraction: number, message: string): void => {
  parentPort?.postMessage({ type: 'progress', fraction, message });
};

const storage = await openStorage({ ...request.storage, poolSize: 1 });
try {
  report(0.02, 'reading ratings');
  const data = await readTrainingData(storage.db);
  if (data.length < MIN_RATINGS)
    throw new Error(`not enough ratings to train (${data.length}, need ${MIN_RATINGS})`);
  const family = modelFamily(request.family);
  const split = holdout(data, 0.05, request.seed);
  const options = { seed: request.seed, threads: 1 };
  report(0.1, `measuring on ${split.test.length} held-out ratings`);
  const trial = await family.fit(split.train, request.params, {
    ...options,
    validation: split.test,
    onProgress: (p) => report(0.1 + (0.4 * p.epoch) / p.epochs, `measuring: epoch ${p.epoch}/${p.epochs}`),
  });
  const predicted = trial.model.predictIndices(split.test.user, split.test.item);
  const metrics = {
    rmse: rmse(predicted, split.test.value),
    mae: mae(predicted, split.test.value),
    heldOut: split.test.length,
  };
  report(0.5, `training on ${data.length} ratings`);
  const final = await family.fit(data, request.params, {
    ...options,
    onProgress: (p) => report(0.5 + (0.45 * p.epoch) / p.epochs, `training: epoch ${p.epoch}/${p.epochs}`),
  });
  await saveRecommender(request.file, final.model, {
    model: family.name,
    params: request.params,
    seed: request.seed,
    fingerprint: data.fingerprint(),
    metrics: { ...metrics, fitSeconds: final.report.fitSeconds },
  });
  parentPort?.postMessage({
    type: 'done',
    metrics: {
      ...metrics,
      fitSeconds: final.report.fitSeconds,
      users: data.users.size,
      works: data.items.size,
    },
    curve: trial.report.curve,
    ratings: data.length,
  });
} finally {
  await storage.close();
}
