import { choleskyFactor, choleskySolve } from '../../math/cholesky.js';
import { sigmoid } from '../../math/logistic.js';
import { normalCdf } from '../fm/fm-mcmc.js';
import type { FeatureLink } from './feature-family.js';

/**
 * One user's ratings as a feature model sees them once the item side is fixed: rating l's linear
 * predictor is offsets[l] + θ·a_l, with θ = (the user's weight, their k factors) and a_l = (1, z_l), z_l
 * the rated item's side vector (vectors[l·k …]). The prediction is link(predictor).
 */
export interface UserDesign {
  k: number;
  offsets: Float64Array;
  vectors: Float64Array;
  targets: Float64Array;
}

/** The prior of a user's parameters (variances of the weight and of each factor) and the rating noise. */
export interface UserPrior {
  weight: number;
  factors: number;
  /** The variance of a rating about its prediction (regression); 1 for the binary links, which ignore it. */
  noise: number;
}

/** The penalized Fisher information at θ and the IRLS working terms, for `explain`. */
export interface UserSystem {
  /** The Cholesky factor of the penalized Fisher information at θ, (k+1)². */
  information: Float64Array;
  /**
   * Per rating, w_l·ζ_l (the IRLS weight times the working response): at the optimum θ equals
   * information⁻¹ Σ_l a_l·w_l·ζ_l, which is what lets `explain` split the user's part by rated item.
   */
  work: Float64Array;
  /** The gradient of the penalized log-likelihood at θ. */
  gradient: Float64Array;
}

const FLOOR = 1e-9;

/** The link's mean μ(η) and its derivative dμ/dη. */
function linkAt(link: FeatureLink, eta: number): { mean: number; slope: number } {
  if (link === 'identity') return { mean: eta, slope: 1 };
  if (link === 'logistic') {
    const p = sigmoid(eta);
    return { mean: p, slope: p * (1 - p) };
  }
  return { mean: normalCdf(eta), slope: Math.exp(-0.5 * eta * eta) / Math.sqrt(2 * Math.PI) };
}

/** The prediction link(η). */
export function linkMean(link: FeatureLink, eta: number): number {
  return link === 'identity' ? eta : linkAt(link, eta).mean;
}

/**
 * The user's parameters (weight, factors…) that maximize the likelihood of their ratings under the
 * prior: Fisher scoring (IRLS) on the generalized linear model the fixed item side leaves, each step
 * solving the (k+1)² system by Cholesky. With the identity link the first step is the exact ridge solve;
 * the binary links take a few more.
 */
export function fitUser(design: UserDesign, link: FeatureLink, prior: UserPrior): Float64Array {
  const theta = new Float64Array(design.k + 1);
  for (let step = 0; step < MAX_STEPS; step++) {
    const { information, gradient } = userSystem(design, link, prior, theta);
    choleskySolve(information, theta.length, gradient);
    let largest = 0;
    for (let c = 0; c < theta.length; c++) {
      theta[c] += gradient[c];
      largest = Math.max(largest, Math.abs(gradient[c]));
    }
    if (largest < 1e-10 || link === 'identity') break;
  }
  return theta;
}

const MAX_STEPS = 25;

/** The information (factored), the working terms and the gradient at θ. */
export function userSystem(
  design: UserDesign,
  link: FeatureLink,
  prior: UserPrior,
  theta: Float64Array,
): UserSystem {
  const { k, offsets, vectors, targets } = design;
  const n = k + 1;
  const precision = (c: number) => 1 / Math.max(c === 0 ? prior.weight : prior.factors, FLOOR);
  const variance = link === 'identity' ? Math.max(prior.noise, FLOOR) : 1;
  const information = new Float64Array(n * n);
  const gradient = new Float64Array(n);
  const work = new Float64Array(targets.length);
  for (let c = 0; c < n; c++) gradient[c] = -theta[c] * precision(c);
  for (let l = 0; l < targets.length; l++) {
    const at = l * k;
    let eta = offsets[l] + theta[0];
    for (let f = 0; f < k; f++) eta += theta[f + 1] * vectors[at + f];
    const { mean, slope } = linkAt(link, eta);
    const v = link === 'identity' ? variance : Math.max(mean * (1 - mean), FLOOR);
    const s = Math.max(slope, FLOOR);
    const w = (s * s) / v;
    const residual = ((targets[l] - mean) * s) / v;
    work[l] = w * (eta - offsets[l]) + residual;
    for (let c = 0; c < n; c++) {
      const ac = c === 0 ? 1 : vectors[at + c - 1];
      gradient[c] += ac * residual;
      for (let d = 0; d <= c; d++) information[c * n + d] += w * ac * (d === 0 ? 1 : vectors[at + d - 1]);
    }
  }
  for (let c = 0; c < n; c++) {
    information[c * n + c] += precision(c);
    for (let d = 0; d < c; d++) information[d * n + c] = information[c * n + d];
  }
  choleskyFactor(information, n);
  return { information, work, gradient };
}
