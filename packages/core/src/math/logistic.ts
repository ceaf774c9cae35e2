/** σ(z) = 1 / (1 + e⁻ᶻ), the logistic link of every binary model. */
export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** log(1 + eᶻ) without overflow: the logistic loss of a margin −z. */
export const softplus = (z: number): number =>
  z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));

/**
 * The x that maximizes Σ_t log P(y_t) under P(y_t = 1) = σ(slope_t·x + offset_t) (slope 1 when not
 * given): one shared parameter fitted with everything else held, e.g. the ability of a learner the
 * training rows never saw, taken as the one that best explains every training answer. The likelihood
 * is concave in x, so Newton steps (kept within one unit) reach its maximum; with outcomes all equal it
 * has none, and x stops after the last step.
 */
export function pooledLogit(
  y: ArrayLike<number>,
  offset: ArrayLike<number>,
  slope?: ArrayLike<number>,
): number {
  let x = 0;
  for (let step = 0; step < 50; step++) {
    let gradient = 0;
    let curvature = 0;
    for (let t = 0; t < y.length; t++) {
      const s = slope ? slope[t] : 1;
      const p = sigmoid(s * x + offset[t]);
      gradient += s * ((y[t] > 0.5 ? 1 : 0) - p);
      curvature += s * s * p * (1 - p);
    }
    if (!(curvature > 0)) return x;
    const move = Math.max(-1, Math.min(1, gradient / curvature));
    x += move;
    if (Math.abs(move) < 1e-10) break;
  }
  return x;
}
