/** σ(z) = 1 / (1 + e⁻ᶻ), the logistic link of every binary model. */
export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** log(1 + eᶻ) without overflow: the logistic loss of a margin −z. */
export const softplus = (z: number): number =>
  z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
