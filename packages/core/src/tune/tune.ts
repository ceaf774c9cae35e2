import type { Interactions } from '../data/interactions.js';
import { rmse } from '../eval/metrics.js';
import { kfold } from '../eval/splits.js';
import { Rng } from '../math/rng.js';
import type { ModelFamily } from '../models/family.js';
import { type FitOptions, throwIfAborted } from '../models/fit-options.js';
import type { ParamValue, ParamValues } from '../models/params.js';
import { familyParams, MODEL_FAMILIES } from '../models/registry.js';
import { ScrambledHalton } from './halton.js';
import { paramsAt, searchDimensions, unitOf } from './search-space.js';

export interface TuneOptions {
  /** Seeds the inner folds, the quasi-random points and every fit (default 0). */
  seed?: number;
  /** Worker threads of each fit; trials run one after the other (docs/tuning.md says why). */
  threads?: number;
  /**
   * The search ends within this many seconds (default 120): no fit starts that could, taking as long as
   * the longest fit so far, end after it; the best so far is returned.
   */
  budgetSeconds?: number;
  /** Fits on all of `data` the caller runs after the search, whose time the budget keeps (default 0). */
  finalFits?: number;
  /** At most this many settings are tried, the defaults included (default: as many as the budget allows). */
  trials?: number;
  /** Inner cross-validation folds of the training ratings (default 5): also the rungs of the halving. */
  folds?: number;
  /** Halving rate: a setting moves to the next rung when it is in the best 1/eta of its rung (default 3). */
  eta?: number;
  /** Parameters held at these values and not searched (the command line's --param). */
  fixed?: Record<string, ParamValue | undefined>;
  itemTags?: FitOptions['itemTags'];
  signal?: AbortSignal;
  /** Called after each fit with the trial it scored. */
  onFit?: (trial: Trial, fits: number) => void;
  /** Seconds since some origin (default the performance clock); tests pass a counter. */
  clock?: () => number;
}

/** One setting tried: its parameters and its RMSE on each inner fold it reached (rung r = r + 1 folds). */
export interface Trial {
  params: ParamValues;
  scores: number[];
  /** Mean of `scores`. */
  cv: number;
  /** Seconds spent fitting and scoring it. */
  seconds: number;
}

export interface TuneResult {
  model: string;
  /** The best setting: all parameters, defaults included. */
  params: ParamValues;
  /** Its mean RMSE over the inner folds it reached (`cvFolds` of them: all, unless the budget cut it short). */
  cv: number;
  cvFolds: number;
  /** Every setting tried, in the order they were started; the first is the family's defaults. */
  trials: Trial[];
  fits: number;
  seconds: number;
  /** Why the search ended: out of time, or every allowed trial ran as far as the halving takes it. */
  stopped: 'budget' | 'trials';
}

/**
 * The families `tune` can search: those with at least one parameter that has a search range, and that
 * predict ratings (the implicit models' scores have no RMSE).
 */
export function tunableFamilies(): ModelFamily[] {
  return MODEL_FAMILIES.filter((family) => !family.implicit && searchDimensions(family.params).length > 0);
}

/**
 * Searches `family`'s parameters on `data` (training ratings only: the caller keeps its test ratings
 * out) by inner k-fold cross-validation scored by RMSE. Settings are the family's defaults, then in turn
 * the next point of a scrambled Halton sequence (exploring) and a random step from the best setting so
 * far (refining: the error of ALS moves by 0.005 RMSE between lambda 0.10 and 0.13 on ML-100k), mapped
 * onto the search ranges. Asynchronous successive halving (Li et al. 2020, "A system for massively
 * parallel hyperparameter tuning") spends the fits: every new setting is scored on the first inner fold
 * (rung 0), and a setting in the best 1/eta of rung r is scored on fold r + 1 too, before any new setting
 * is started. The best setting is the one with the lowest mean RMSE among those that reached the highest
 * rung. docs/tuning.md says why the rungs are folds and why the trials run one after the other.
 */
export async function tune(
  family: ModelFamily,
  data: Interactions,
  options: TuneOptions = {},
): Promise<TuneResult> {
  const fixed = options.fixed ?? {};
  const dimensions = searchDimensions(family.params, fixed);
  if (dimensions.length === 0) {
    const tunable = tunableFamilies()
      .map((f) => f.name)
      .join(', ');
    throw new Error(
      searchDimensions(family.params).length === 0
        ? `model ${family.name} has no parameters to tune; tunable models: ${tunable}`
        : `every tunable parameter of ${family.name} is fixed by --param: nothing left to search`,
    );
  }
  const seed = options.seed ?? 0;
  const k = options.folds ?? 5;
  const eta = options.eta ?? 3;
  const budget = options.budgetSeconds ?? 120;
  const maxTrials = options.trials ?? Number.POSITIVE_INFINITY;
  if (!(budget >= 0)) throw new Error(`the time budget must be ≥ 0 seconds, not ${budget}`);
  if (!(maxTrials >= 1)) throw new Error(`trials must be ≥ 1, not ${maxTrials}`);
  if (!Number.isInteger(eta) || eta < 2) throw new Error(`eta must be a whole number ≥ 2, not ${eta}`);
  const clock = options.clock ?? (() => performance.now() / 1000);
  const started = clock();
  const inner = kfold(data, k, seed);
  const defaults = familyParams(family, fixed);
  const points = new ScrambledHalton(dimensions.length, new Rng(seed).split(1));
  const steps = new Rng(seed).split(2);
  let explored = 0;
  const trials: Trial[] = [];
  const units = new Map<Trial, number[]>();
  let fits = 0;
  // The longest fit so far: what the next one, and the caller's final fits, may take.
  let longestFit = 0;

  const score = async (trial: Trial): Promise<void> => {
    throwIfAborted(options.signal);
    const fold = inner[trial.scores.length];
    const t0 = clock();
    const { model } = await family.fit(fold.train, trial.params, {
      seed,
      threads: options.threads,
      itemTags: options.itemTags,
      signal: options.signal,
    });
    const predicted = model.predictIndices(fold.test.user, fold.test.item);
    trial.scores.push(rmse(predicted, fold.test.value));
    trial.cv = trial.scores.reduce((sum, s) => sum + s, 0) / trial.scores.length;
    const seconds = clock() - t0;
    trial.seconds += seconds;
    longestFit = Math.max(longestFit, seconds);
    fits++;
    options.onFit?.(trial, fits);
  };

  // A fit on all the data takes about k/(k−1) of one on an inner fold's training part.
  const reserve = ((options.finalFits ?? 0) * k) / (k - 1);
  let stopped: TuneResult['stopped'] = 'trials';
  for (;;) {
    if (fits > 0 && clock() - started + longestFit * (1 + reserve) >= budget) {
      stopped = 'budget';
      break;
    }
    const canStart = trials.length < maxTrials;
    const next = promotion(trials, k, eta, !canStart);
    if (next) {
      await score(next);
    } else if (canStart) {
      let unit: number[];
      if (trials.length === 0) {
        unit = unitOf(dimensions, defaults);
      } else if (trials.length % 2 === 1) {
        unit = points.point(explored++);
      } else {
        // Near the best so far: a Gaussian step in the unit cube, reflected back into it.
        unit = (units.get(bestTrial(trials)) ?? []).map((u) => reflect(u + LOCAL_STEP * steps.normal()));
      }
      const params = trials.length === 0 ? defaults : { ...defaults, ...paramsAt(dimensions, unit) };
      const trial: Trial = { params, scores: [], cv: Number.NaN, seconds: 0 };
      trials.push(trial);
      units.set(trial, unit);
      await score(trial);
    } else {
      break;
    }
  }
  const best = bestTrial(trials);
  return {
    model: family.name,
    params: best.params,
    cv: best.cv,
    cvFolds: best.scores.length,
    trials,
    fits,
    seconds: clock() - started,
    stopped,
  };
}

/** The sd of a local step in the unit cube: a factor of about 1.4 on ALS's lambda (0.01..0.5, log). */
const LOCAL_STEP = 0.08;

/** Folds a coordinate back into [0, 1] at its edges. */
function reflect(u: number): number {
  const t = Math.abs(u) % 2;
  return Math.min(t > 1 ? 2 - t : t, 1 - 1e-9);
}

/**
 * The trial to score on one more fold, if any: the best not-yet-promoted trial among the best 1/eta of
 * the highest rung that has one. Once no new trial may start (`finishing`), the best of each rung is
 * promoted even when the rung holds fewer than eta trials, so the search ends with a fully scored best.
 */
function promotion(trials: readonly Trial[], k: number, eta: number, finishing: boolean): Trial | undefined {
  for (let rung = k - 2; rung >= 0; rung--) {
    const reached = trials.filter((t) => t.scores.length > rung);
    const rungScore = (t: Trial) => meanOf(t.scores, rung + 1);
    reached.sort((a, b) => rungScore(a) - rungScore(b));
    const quota = Math.floor(reached.length / eta) || (finishing && reached.length > 0 ? 1 : 0);
    const waiting = reached.slice(0, quota).find((t) => t.scores.length === rung + 1);
    if (waiting) return waiting;
  }
  return undefined;
}

/** The lowest mean RMSE among the trials that reached the most folds (ties: the earlier trial). */
function bestTrial(trials: readonly Trial[]): Trial {
  const most = Math.max(...trials.map((t) => t.scores.length));
  return trials.filter((t) => t.scores.length === most).reduce((best, t) => (t.cv < best.cv ? t : best));
}

function meanOf(values: readonly number[], count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i];
  return sum / count;
}
