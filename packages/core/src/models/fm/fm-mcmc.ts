import type { FeatureColumns, FeatureMatrix } from '../../data/feature-matrix.js';
import { Rng } from '../../math/rng.js';
import { logGamma } from '../../math/special.js';
import { throwIfAborted } from '../fit-options.js';
import { type FmParameters, fmPredictRow, randomFmParameters } from './fm-kernel.js';
import { FactorDraws } from './fm-mcmc-draws.js';
import { checkFmOptions, checkFmTargets, type FmTask } from './fm-options.js';

export interface FmMcmcOptions {
  task: FmTask;
  /** Factors per feature (0: a Bayesian linear or probit regression). */
  k: number;
  /** Gibbs samples (libFM's iterations); every one after `burnIn` enters the averaged predictions. */
  iterations: number;
  /** Standard deviation of the factors' initial values (libFM: 0.1). */
  init: number;
  seed: number;
  /** Samples left out of the averaged predictions (default 0, as libFM). */
  burnIn?: number;
  /**
   * Regression noise (default 'robust'): 'gaussian' is libFM's one precision α for every row; 'robust'
   * gives each level of a one-hot field (each user, each item) its own noise scale (see fitFmMcmc).
   * A binary task's probit has no noise to scale.
   */
  noise?: 'robust' | 'gaussian';
  /** Called after each sample with the training RMSE of that sample (of Φ(ŷ) against 0/1 for a binary task). */
  onSample?: (sample: number, trainRmse: number) => void;
  signal?: AbortSignal;
}

export interface FmMcmcFit {
  /** The last sample: a point estimate only; the averaged `predictions` are what the method is worth. */
  params: FmParameters;
  /**
   * For each matrix of `predictOn`, the mean over the samples after burn-in of the predictions: ŷ clamped
   * to the training targets' range for regression, Φ(ŷ) (the probit link) for a binary task.
   */
  predictions: Float64Array[];
  /** Wall time of each sample, without the prediction averaging on `predictOn` or the `onSample` call. */
  sampleSeconds: number[];
  /** The last sample's noise scale of each feature (1 for the features that have none): low = noisy. */
  noiseScales: Float64Array;
}

/**
 * The hyper-parameter group of each feature: one per field (libFM's groups, from its meta file), and one
 * more for the features outside every field (all of them when the matrix has no fields). Users and items
 * then get their own prior mean and precision instead of sharing one.
 */
export function fmGroups(m: FeatureMatrix): { groupOf: Int32Array; groups: number } {
  const groupOf = new Int32Array(m.features).fill(-1);
  let groups = 0;
  for (const field of m.fields) {
    groupOf.fill(groups++, field.offset, field.offset + field.size);
  }
  if (groupOf.includes(-1)) {
    for (let i = 0; i < m.features; i++) if (groupOf[i] < 0) groupOf[i] = groups;
    groups++;
  }
  return { groupOf, groups };
}

/**
 * The fields whose every row holds exactly one of their features (one-hot: users, items, a category):
 * each of their features gets a noise scale under the robust likelihood.
 */
export function oneHotFields(m: FeatureMatrix): FeatureMatrix['fields'] {
  return m.fields.filter((field) => {
    const end = field.offset + field.size;
    for (let r = 0; r < m.rows; r++) {
      let inside = 0;
      for (let t = m.indptr[r]; t < m.indptr[r + 1]; t++) {
        if (m.indices[t] >= field.offset && m.indices[t] < end) inside++;
      }
      if (inside !== 1) return false;
    }
    return true;
  });
}

/** Φ(x), the standard normal CDF, by Abramowitz & Stegun 26.2.17 (absolute error < 7.5·10⁻⁸). */
export function normalCdf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.2316419 * z);
  const poly =
    t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  const tail = 0.3989422804014327 * Math.exp(-0.5 * z * z) * poly;
  return x >= 0 ? 1 - tail : tail;
}

/**
 * A standard normal draw conditioned on being above `a`. Below a ≈ 0.26 plain rejection accepts often
 * enough; beyond, Robert's (1995) translated-exponential proposal with the optimal rate keeps the
 * acceptance high however far out the bound lies (a confident probit row would otherwise loop for ever).
 */
function truncatedNormalAbove(rng: Rng, a: number): number {
  if (a < 0.257) {
    for (;;) {
      const x = rng.normal();
      if (x > a) return x;
    }
  }
  const rate = 0.5 * (a + Math.sqrt(a * a + 4));
  for (;;) {
    const x = a - Math.log(1 - rng.uniform()) / rate;
    const d = x - rate;
    if (rng.uniform() <= Math.exp(-0.5 * d * d)) return x;
  }
}

/** libFM's hyper-priors: α, λ ~ Γ(α₀ = 1, β₀ = 1); μ ~ N(μ₀ = 0, 1/(γ₀λ)) with γ₀ = 1. */
const ALPHA0 = 1;
const BETA0 = 1;
const GAMMA0 = 1;
const MU0 = 0;
/**
 * The robust likelihood's noise scales s ~ Γ(shape c, rate c) (mean 1; large c, no spread) with c per
 * field drawn from these values, equally likely a priori: the data decide how erratic levels are.
 */
const SHAPES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * A Bayesian order-2 factorization machine by Gibbs sampling (Freudenthaler, Schmidt-Thieme & Rendle
 * 2011; Rendle 2012, §4.3), as libFM's MCMC. The likelihood is y ~ N(ŷ(x), 1/α); w₀ has a flat prior,
 * wᵢ ~ N(μ_w, 1/λ_w) and v_if ~ N(μ_f, 1/λ_f) with (μ, λ) per feature group, themselves drawn from
 * μ ~ N(0, 1/λ), λ ~ Γ(1, 1), and α ~ Γ(1, 1). Every ŷ is linear in each single parameter θ,
 * ŷ = g + θh, so θ's conditional is normal with precision α Σ h² + λ and mean
 * (α Σ (e + θh) h + μλ) / precision, where e = y − ŷ is the cached residual; h = xᵢ for wᵢ and
 * xᵢ (q_f − v_if xᵢ) for v_if with the cached factor sum q_f = Σⱼ v_jf xⱼ. A draw thus costs one pass over
 * its feature's column, and a whole sample O(k · nnz), with no learning rate or regularization to tune.
 *
 * The robust likelihood (Lakshminarayanan, Bouchard & Archambeau 2011, "Robust Bayesian matrix
 * factorisation", for users and items) makes a row's precision α·Π sⱼ over its features j in one-hot
 * fields, each sⱼ ~ Γ(c, c) with the shape c of its field drawn as well (drawNoiseScales), and every
 * other draw above weighs row r by its scale sᵣ: users or items whose ratings are erratic then pull their
 * own factors, and the others', less. Where no level is more erratic than another, c grows and the
 * scales stay near 1: libFM's model.
 *
 * A binary task uses the probit link by data augmentation (Albert & Chib 1993): each sample draws a latent
 * z ~ N(ŷ, 1) truncated to the side of 0 its label says, then samples as regression on z with α = 1.
 */
export function fitFmMcmc(
  train: FeatureMatrix,
  options: FmMcmcOptions,
  predictOn: readonly FeatureMatrix[] = [],
): FmMcmcFit {
  checkFmOptions('fitFmMcmc', options);
  checkFmTargets('fitFmMcmc', train, options.task);
  const burnIn = options.burnIn ?? 0;
  if (!Number.isInteger(burnIn) || burnIn < 0 || burnIn >= options.iterations) {
    throw new Error(
      `fitFmMcmc: burnIn must be an integer in [0, iterations = ${options.iterations}), got ${burnIn}`,
    );
  }
  for (const m of predictOn) {
    if (m.features > train.features) {
      throw new Error(
        `fitFmMcmc: rows to predict have ${m.features} features, the training rows ${train.features}`,
      );
    }
  }
  const { k, task } = options;
  const binary = task === 'binary';
  const n = train.rows;
  const p = train.features;
  const rng = new Rng(options.seed);
  const params = randomFmParameters(p, k, options.init, rng);
  const { w, v } = params;

  const cols = train.columns();
  const { groupOf, groups } = fmGroups(train);
  const groupSize = new Float64Array(groups);
  for (let i = 0; i < p; i++) groupSize[groupOf[i]]++;
  const draws = new FactorDraws(train, groupOf, groups, k);
  const rowScale = draws.scale;
  const scaledFields = noiseFields(
    train,
    !binary && (options.noise ?? 'robust') === 'robust' ? oneHotFields(train) : [],
  );
  const noiseScales = new Float64Array(p).fill(1);
  // Σ s x² of each column: constant unless the scales move.
  const colSquares = new Float64Array(p);
  const weighColumns = () => {
    colSquares.fill(0);
    for (let i = 0; i < p; i++) {
      for (let t = cols.colptr[i]; t < cols.colptr[i + 1]; t++)
        colSquares[i] += rowScale[cols.rows[t]] * cols.values[t] * cols.values[t];
    }
  };
  weighColumns();

  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < n; r++) {
    yMin = Math.min(yMin, train.target[r]);
    yMax = Math.max(yMax, train.target[r]);
  }

  // e = y − ŷ (regression) or z − ŷ (probit); z starts at 0, which is where the first draw looks from.
  const e = draws.e;
  const z = new Float64Array(n);
  const sums = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const yHat = fmPredictRow(params, train, r, sums);
    e[r] = binary ? -yHat : train.target[r] - yHat;
  }
  // The factors factor-major while sampling, vt[f·p + i]: drawing v_·f then reads and writes one run.
  const vt = draws.vt;
  const toFactorMajor = () => {
    for (let i = 0; i < p; i++) for (let f = 0; f < k; f++) vt[f * p + i] = v[i * k + f];
  };
  const toFeatureMajor = () => {
    for (let i = 0; i < p; i++) for (let f = 0; f < k; f++) v[i * k + f] = vt[f * p + i];
  };
  toFactorMajor();
  const noise = draws.noise;

  let alpha = 1;
  const muW = new Float64Array(groups);
  const lambdaW = new Float64Array(groups).fill(1);
  const muV = draws.mu;
  const lambdaV = draws.lambda.fill(1);
  const groupSum = new Float64Array(groups);
  const groupSquares = new Float64Array(groups);

  const predictions = predictOn.map((m) => new Float64Array(m.rows));
  let averaged = 0;
  const sampleSeconds: number[] = [];

  /** λ | μ, θ then μ | λ, θ for each group, from Σθ and Σθ² of the group's parameters. */
  const drawHyper = (mu: Float64Array, lambda: Float64Array, at: number, stride: number) => {
    for (let g = 0; g < groups; g++) {
      const m = mu[g * stride + at];
      const s = groupSum[g];
      const size = groupSize[g];
      const spread = groupSquares[g] - 2 * m * s + size * m * m + GAMMA0 * (m - MU0) * (m - MU0);
      const l = rng.gamma(0.5 * (ALPHA0 + size + 1), 2 / (BETA0 + spread));
      lambda[g * stride + at] = l;
      const precision = (size + GAMMA0) * l;
      mu[g * stride + at] = (s + GAMMA0 * MU0) / (size + GAMMA0) + rng.normal() / Math.sqrt(precision);
    }
  };

  for (let sample = 0; sample < options.iterations; sample++) {
    throwIfAborted(options.signal);
    const started = performance.now();

    if (binary) {
      drawLatent(rng, train.target, z, e);
    } else {
      if (scaledFields.length > 0) {
        drawNoiseScales(rng, train, scaledFields, e, alpha, noiseScales, rowScale);
        weighColumns();
      }
      let sse = 0;
      for (let r = 0; r < n; r++) sse += rowScale[r] * e[r] * e[r];
      alpha = rng.gamma(0.5 * (ALPHA0 + n), 2 / (BETA0 + sse));
    }

    // w₀: h = 1 on every row, flat prior.
    let residualSum = 0;
    let scaleSum = 0;
    for (let r = 0; r < n; r++) {
      residualSum += rowScale[r] * e[r];
      scaleSum += rowScale[r];
    }
    const w0 = residualSum / scaleSum + params.w0 + rng.normal() / Math.sqrt(alpha * scaleSum);
    const shift = w0 - params.w0;
    params.w0 = w0;
    for (let r = 0; r < n; r++) e[r] -= shift;

    groupSum.fill(0);
    groupSquares.fill(0);
    for (let i = 0; i < p; i++) {
      groupSum[groupOf[i]] += w[i];
      groupSquares[groupOf[i]] += w[i] * w[i];
    }
    drawHyper(muW, lambdaW, 0, 1);
    drawWeights(rng, cols, colSquares, rowScale, w, e, alpha, groupOf, muW, lambdaW);

    for (let f = 0; f < k; f++) {
      groupSum.fill(0);
      groupSquares.fill(0);
      for (let i = 0; i < p; i++) {
        const x = vt[f * p + i];
        groupSum[groupOf[i]] += x;
        groupSquares[groupOf[i]] += x * x;
      }
      drawHyper(muV, lambdaV, f, k);
      // The normal draws come first: a call inside the kernels' loops costs them half their speed.
      for (let i = 0; i < p; i++) noise[i] = rng.normal();
      draws.draw(f, alpha);
    }
    sampleSeconds.push((performance.now() - started) / 1000);
    if (predictOn.length > 0 || sample === options.iterations - 1) toFeatureMajor();

    if (sample >= burnIn) {
      averaged++;
      for (let m = 0; m < predictOn.length; m++) {
        const rows = predictOn[m];
        const out = predictions[m];
        for (let r = 0; r < rows.rows; r++) {
          const yHat = fmPredictRow(params, rows, r, sums);
          out[r] += binary ? normalCdf(yHat) : Math.min(yMax, Math.max(yMin, yHat));
        }
      }
    }
    if (options.onSample) {
      let sse = 0;
      for (let r = 0; r < n; r++) {
        const d = binary ? train.target[r] - normalCdf(z[r] - e[r]) : e[r];
        sse += d * d;
      }
      options.onSample(sample, Math.sqrt(sse / n));
    }
  }
  for (const out of predictions) for (let r = 0; r < out.length; r++) out[r] /= averaged;
  return { params, predictions, sampleSeconds, noiseScales };
}

/** A one-hot field under the robust likelihood, with what its shape's posterior needs that never changes. */
interface NoiseField {
  offset: number;
  size: number;
  /** nⱼ/2 of each of its features. */
  half: Float64Array;
  /** For each of SHAPES: Σⱼ c log c − log Γ(c) + log Γ(c + nⱼ/2), the part of log p(c | e) without e. */
  constant: Float64Array;
}

function noiseFields(m: FeatureMatrix, fields: FeatureMatrix['fields']): NoiseField[] {
  const { colptr } = m.columns();
  return fields.map(({ offset, size }) => {
    const half = Float64Array.from(
      { length: size },
      (_, j) => 0.5 * (colptr[offset + j + 1] - colptr[offset + j]),
    );
    const constant = Float64Array.from(SHAPES, (c) => {
      let l = size * (c * Math.log(c) - logGamma(c));
      for (const h of half) l += logGamma(c + h);
      return l;
    });
    return { offset, size, half, constant };
  });
}

/**
 * The noise scales of the one-hot fields given the residuals, field by field. A level j's rows have
 * precision α·sⱼ·oᵣ with oᵣ the other fields' scales; with Sⱼ = Σ oᵣeᵣ² over its nⱼ rows,
 * sⱼ | c ~ Γ(c + nⱼ/2, c + αSⱼ/2), and with sⱼ integrated out
 * p(c | e) ∝ Πⱼ cᶜ Γ(c + nⱼ/2) / (Γ(c) (c + αSⱼ/2)^(c + nⱼ/2)). The field's shape c is drawn from that,
 * then its scales: drawing c given the scales instead leaves c stuck where it starts. Each row's scale
 * (the product of its features') follows along, then is recomputed so that rounding does not accumulate.
 */
function drawNoiseScales(
  rng: Rng,
  m: FeatureMatrix,
  fields: readonly NoiseField[],
  e: Float64Array,
  alpha: number,
  scales: Float64Array,
  rowScale: Float64Array,
): void {
  const { colptr, rows } = m.columns();
  for (const field of fields) {
    const spread = new Float64Array(field.size);
    for (let j = 0; j < field.size; j++) {
      const i = field.offset + j;
      let sum = 0;
      for (let t = colptr[i]; t < colptr[i + 1]; t++) sum += rowScale[rows[t]] * e[rows[t]] * e[rows[t]];
      spread[j] = (0.5 * alpha * sum) / scales[i];
    }
    const logPosterior = SHAPES.map((c, at) => {
      let l = field.constant[at];
      for (let j = 0; j < field.size; j++) l -= (c + field.half[j]) * Math.log(c + spread[j]);
      return l;
    });
    const top = Math.max(...logPosterior);
    const weights = logPosterior.map((l) => Math.exp(l - top));
    let u = rng.uniform() * weights.reduce((a, b) => a + b, 0);
    let at = 0;
    while (at < SHAPES.length - 1 && u >= weights[at]) u -= weights[at++];
    const c = SHAPES[at];
    for (let j = 0; j < field.size; j++) {
      const i = field.offset + j;
      const next = rng.gamma(c + field.half[j], 1 / (c + spread[j]));
      for (let t = colptr[i]; t < colptr[i + 1]; t++) rowScale[rows[t]] *= next / scales[i];
      scales[i] = next;
    }
  }
  for (let r = 0; r < m.rows; r++) {
    let product = 1;
    for (let t = m.indptr[r]; t < m.indptr[r + 1]; t++) product *= scales[m.indices[t]];
    rowScale[r] = product;
  }
}

/** The probit's latent targets: z ~ N(ŷ, 1) truncated to z > 0 for a 1 and z < 0 for a 0; e = z − ŷ. */
function drawLatent(rng: Rng, y: Float64Array, z: Float64Array, e: Float64Array): void {
  for (let r = 0; r < z.length; r++) {
    const yHat = z[r] - e[r];
    const zr = y[r] === 1 ? yHat + truncatedNormalAbove(rng, -yHat) : yHat - truncatedNormalAbove(rng, yHat);
    z[r] = zr;
    e[r] = zr - yHat;
  }
}

function drawWeights(
  rng: Rng,
  cols: FeatureColumns,
  colSquares: Float64Array,
  rowScale: Float64Array,
  w: Float64Array,
  e: Float64Array,
  alpha: number,
  groupOf: Int32Array,
  mu: Float64Array,
  lambda: Float64Array,
): void {
  const { colptr, rows, values } = cols;
  for (let i = 0; i < w.length; i++) {
    const begin = colptr[i];
    const end = colptr[i + 1];
    let eh = 0;
    for (let t = begin; t < end; t++) eh += rowScale[rows[t]] * e[rows[t]] * values[t];
    const old = w[i];
    const g = groupOf[i];
    const precision = alpha * colSquares[i] + lambda[g];
    const mean = (alpha * (eh + old * colSquares[i]) + mu[g] * lambda[g]) / precision;
    const next = mean + rng.normal() / Math.sqrt(precision);
    w[i] = next;
    const d = next - old;
    for (let t = begin; t < end; t++) e[rows[t]] -= d * values[t];
  }
}
