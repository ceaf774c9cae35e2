// Trains one model version in a worker thread (never on the request path): reads the ratings and the
// works' tags through its own database connection, measures each candidate model on 5 % of the ratings
// held out, refits the best one on all of them, and writes the model file atomically. Messages to the
// parent: {type:'progress', fraction, message} and {type:'done', family, metrics, curve, curveOf, ratings};
// a failure is the worker's 'error' event.
import { parentPort, workerData } from 'node:worker_threads';
import {
  computeMapLayout,
  type FitOptions,
  familyParams,
  familyParts,
  holdout,
  type Interactions,
  mae,
  modelFamily,
  type ParamValue,
  rmse,
  saveRecommender,
} from 'osusume';
import { openStorage, type StorageOptions } from '../db/connect.js';
import { readTrainingData, readWorkTags } from './training-data.js';

export interface TrainRequest {
  storage: StorageOptions;
  /** The models to try; the one with the lowest held-out RMSE is kept. */
  candidates: { family: string; params: Record<string, string | number | boolean> }[];
  seed: number;
  file: string;
}

const MIN_RATINGS = 10;
/** Fewer works than this get no t-SNE layout (the map falls back to PCA): too few for neighbourhoods. */
const MIN_MAPPED_WORKS = 10;

type Candidate = TrainRequest['candidates'][number];

/** A learning curve: held-out RMSE after each epoch of `of` (a family's name). */
interface Curve {
  values: number[];
  of: string;
}

/** Whether two candidates are the same model: same family, same parameters once defaults are filled in. */
function sameModel(
  a: Candidate,
  b: { family: string; params: Record<string, ParamValue | undefined> },
): boolean {
  if (a.family !== b.family) return false;
  const family = modelFamily(a.family);
  return JSON.stringify(familyParams(family, a.params)) === JSON.stringify(familyParams(family, b.params));
}

/**
 * The learning curve shown for the kept model. A blend (BALSE) fits its parts without scoring epochs, so its
 * own curve is empty; what learns over epochs in it is its ALS part, so the curve recorded is that part's
 * held-out RMSE after each sweep (fitted alone with the blend's parameters for it, on the same training
 * ratings). With `auto` the ALS candidate is that very model, and its curve is reused rather than refitted.
 * A part whose curve has one point at most (the LASSO) is passed over for one that has more.
 */
async function learningCurve(
  best: { candidate: Candidate; curve: number[] },
  trials: { candidate: Candidate; curve: number[] }[],
  train: Interactions,
  test: Interactions,
  options: FitOptions,
): Promise<Curve> {
  if (best.curve.length > 0) return { values: best.curve, of: best.candidate.family };
  let fallback: Curve = { values: [], of: best.candidate.family };
  for (const { family, params } of familyParts(modelFamily(best.candidate.family), best.candidate.params)) {
    const part = { family: family.name, params };
    let values = trials.find((trial) => sameModel(trial.candidate, part))?.curve;
    if (!values) {
      report(0.66, `recording the learning curve of ${best.candidate.family}'s ${part.family} part`);
      try {
        const fitted = await family.fit(train, params, {
          ...options,
          validation: test,
        });
        values = fitted.report.curve;
      } catch {
        // The curve is for reading, not for serving: a part that cannot be refitted alone leaves none.
        continue;
      }
    }
    if (values.length > 1) return { values, of: part.family };
    if (values.length > fallback.values.length) fallback = { values, of: part.family };
  }
  return fallback;
}

const request = workerData as TrainRequest;
const report = (fraction: number, message: string): void => {
  parentPort?.postMessage({ type: 'progress', fraction, message });
};

const storage = await openStorage({ ...request.storage, poolSize: 1 });
try {
  report(0.02, 'reading ratings and tags');
  const [data, itemTags] = await Promise.all([readTrainingData(storage.db), readWorkTags(storage.db)]);
  if (data.length < MIN_RATINGS) {
    throw new Error(`not enough ratings to train (${data.length}, need ${MIN_RATINGS})`);
  }
  const split = holdout(data, 0.05, request.seed);
  const options = { seed: request.seed, threads: 1, itemTags };
  const share = 0.6 / request.candidates.length;
  const trials = [];
  const failures: string[] = [];
  for (const [k, candidate] of request.candidates.entries()) {
    const family = modelFamily(candidate.family);
    const base = 0.05 + k * share;
    report(base, `measuring ${family.name} on ${split.test.length} held-out ratings`);
    let trial: Awaited<ReturnType<typeof family.fit>>;
    try {
      trial = await family.fit(split.train, candidate.params, {
        ...options,
        validation: split.test,
        onProgress: (p) =>
          report(
            base + (share * p.epoch) / Math.max(1, p.epochs),
            `measuring ${family.name}: epoch ${p.epoch}`,
          ),
      });
    } catch (error) {
      // A candidate that cannot fit (BALSE without tags) leaves the others; with one candidate, it fails.
      failures.push(`${family.name}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const predicted = trial.model.predictIndices(split.test.user, split.test.item);
    trials.push({
      candidate,
      rmse: rmse(predicted, split.test.value),
      mae: mae(predicted, split.test.value),
      curve: trial.report.curve,
    });
  }
  if (trials.length === 0) throw new Error(failures.join('; '));
  const best = trials.reduce((a, b) => (b.rmse < a.rmse ? b : a));
  const curve = await learningCurve(best, trials, split.train, split.test, options);
  const family = modelFamily(best.candidate.family);
  report(0.7, `training ${family.name} on ${data.length} ratings`);
  const final = await family.fit(data, best.candidate.params, {
    ...options,
    onProgress: (p) =>
      report(0.7 + (0.25 * p.epoch) / Math.max(1, p.epochs), `training ${family.name}: epoch ${p.epoch}`),
  });
  // The map's layout is computed here, once per version, and saved in the model file: every node then
  // serves the same map, and no request pays for it (docs/design.md, "The map").
  const layout =
    final.model.mapVectors() && final.model.items.size >= MIN_MAPPED_WORKS
      ? computeMapLayout(final.model, itemTags, {
          seed: request.seed,
          onProgress: (f) => report(0.95 + 0.04 * f, `laying out the map of ${final.model.items.size} works`),
        })
      : undefined;
  const metrics: Record<string, number> = {
    rmse: best.rmse,
    mae: best.mae,
    heldOut: split.test.length,
    fitSeconds: final.report.fitSeconds,
    users: data.users.size,
    works: data.items.size,
  };
  if (layout) metrics.mapSeconds = layout.seconds;
  for (const trial of trials) metrics[`rmse_${trial.candidate.family}`] = trial.rmse;
  await saveRecommender(
    request.file,
    final.model,
    {
      model: family.name,
      params: best.candidate.params,
      seed: request.seed,
      fingerprint: data.fingerprint(),
      metrics,
    },
    layout,
  );
  parentPort?.postMessage({
    type: 'done',
    family: family.name,
    metrics,
    curve: curve.values,
    curveOf: curve.of,
    ratings: data.length,
    skipped: failures,
  });
} finally {
  await storage.close();
}
