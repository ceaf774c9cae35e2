/** Adam's step size and decay rates (Kingma & Ba 2015; their defaults but for the step size). */
export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const ADAM_DEFAULTS: AdamSettings = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * Adam's state for one parameter vector: the running means of the gradient and of its square. A step is
 * `next()` once, then `update` for each coordinate that has a gradient (all of them for a dense step,
 * the touched ones for a sparse minibatch, whose untouched moments then simply wait).
 */
export class AdamState {
  readonly m: Float64Array;
  readonly v: Float64Array;
  private t = 0;
  private correction1 = 1;
  private correction2 = 1;

  constructor(
    size: number,
    readonly settings: AdamSettings = ADAM_DEFAULTS,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Begins a step: advances the step count that the bias corrections use. */
  next(): void {
    this.t++;
    this.correction1 = 1 - this.settings.beta1 ** this.t;
    this.correction2 = 1 - this.settings.beta2 ** this.t;
  }

  /** params[i] moves against gradient g: −lr · m̂ / (√v̂ + ε). */
  update(params: Float64Array, i: number, g: number): void {
    const { lr, beta1, beta2, epsilon } = this.settings;
    const m = beta1 * this.m[i] + (1 - beta1) * g;
    const v = beta2 * this.v[i] + (1 - beta2) * g * g;
    this.m[i] = m;
    this.v[i] = v;
    params[i] -= (lr * (m / this.correction1)) / (Math.sqrt(v / this.correction2) + epsilon);
  }

  /** A dense step: every coordinate of `params` against its gradient in `gradients`. */
  step(params: Float64Array, gradients: Float64Array): void {
    this.next();
    for (let i = 0; i < params.length; i++) this.update(params, i, gradients[i]);
  }
}
