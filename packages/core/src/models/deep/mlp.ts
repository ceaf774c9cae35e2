import type { Rng } from '../../math/rng.js';

/**
 * A multilayer perceptron with ReLU hidden layers and one linear output unit, for one row at a time.
 *
 * The parameters live in a caller's Float64Array from `offset` on (layer after layer: the weights
 * out × in, row-major, then the biases), so that a model can keep them in one vector with its other dense
 * parameters and give the whole vector one Adam state. The network only owns its activation buffers: a
 * row's forward pass leaves them in place for its backward pass, and nothing is allocated per row.
 */
export class Mlp {
  /** Units per layer: the input, the hidden layers, then 1. */
  readonly sizes: readonly number[];
  /** Where each layer's weights begin (relative to `offset`). */
  private readonly weightAt: Int32Array;
  /** Where each layer's biases begin (relative to `offset`). */
  private readonly biasAt: Int32Array;
  /** The parameters this network takes. */
  readonly parameterCount: number;
  /** activations[0] is the input; activations[l] the output of hidden layer l, after ReLU and dropout. */
  private readonly activations: Float64Array[];
  /** ∂loss/∂(a layer's output), one buffer per layer, the input's included. */
  private readonly deltas: Float64Array[];

  constructor(
    inputs: number,
    hidden: readonly number[],
    readonly offset = 0,
  ) {
    this.sizes = [inputs, ...hidden, 1];
    const layers = this.sizes.length - 1;
    this.weightAt = new Int32Array(layers);
    this.biasAt = new Int32Array(layers);
    let at = 0;
    for (let l = 0; l < layers; l++) {
      this.weightAt[l] = at;
      at += this.sizes[l] * this.sizes[l + 1];
      this.biasAt[l] = at;
      at += this.sizes[l + 1];
    }
    this.parameterCount = at;
    this.activations = this.sizes.slice(0, layers).map((n) => new Float64Array(n));
    this.deltas = this.sizes.slice(0, layers).map((n) => new Float64Array(n));
  }

  /** The input buffer: the caller writes a row's input here before `forward`. */
  get input(): Float64Array {
    return this.activations[0];
  }

  /** ∂loss/∂input after `backward`: what flows back into the embeddings. */
  get inputGradient(): Float64Array {
    return this.deltas[0];
  }

  /**
   * He initialization (normal, variance 2 / fan-in) for the ReLU layers keeps the activations' scale
   * through the depth; Glorot's (variance 2 / (fan-in + fan-out)) for the linear output unit. Biases 0.
   */
  initialize(params: Float64Array, rng: Rng): void {
    const layers = this.sizes.length - 1;
    for (let l = 0; l < layers; l++) {
      const fanIn = this.sizes[l];
      const fanOut = this.sizes[l + 1];
      const std = l < layers - 1 ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
      const begin = this.offset + this.weightAt[l];
      for (let i = 0; i < fanIn * fanOut; i++) params[begin + i] = rng.normal() * std;
      params.fill(0, this.offset + this.biasAt[l], this.offset + this.biasAt[l] + fanOut);
    }
  }

  /**
   * The output for the input in `input`. With `keep` < 1 (training), each hidden unit is kept with
   * probability `keep` and then scaled by 1/keep (inverted dropout), so that prediction, with every unit
   * and no scaling, sees activations of the same expected size.
   */
  forward(params: Float64Array, keep = 1, rng?: Rng): number {
    const { sizes, activations } = this;
    const layers = sizes.length - 1;
    const dropout = keep < 1 && rng !== undefined;
    const scale = 1 / keep;
    for (let l = 0; l < layers - 1; l++) {
      const inputs = sizes[l];
      const outputs = sizes[l + 1];
      const a = activations[l];
      const h = activations[l + 1];
      let wAt = this.offset + this.weightAt[l];
      const bAt = this.offset + this.biasAt[l];
      for (let o = 0; o < outputs; o++) {
        const z = params[bAt + o] + dot(params, wAt, a, inputs);
        wAt += inputs;
        h[o] = z > 0 ? (dropout ? (rng.uniform() < keep ? z * scale : 0) : z) : 0;
      }
    }
    const last = layers - 1;
    const a = activations[last];
    const wAt = this.offset + this.weightAt[last];
    return params[this.offset + this.biasAt[last]] + dot(params, wAt, a, sizes[last]);
  }

  /**
   * Backpropagates g = ∂loss/∂output through the row `forward` just saw: adds each parameter's gradient
   * to `grads` (same layout as `params`) and leaves ∂loss/∂input in `inputGradient`. A hidden unit's
   * derivative is its dropout factor times ReLU's: `keep`'s inverse where the stored activation is
   * positive (the unit was on and kept), 0 elsewhere.
   */
  backward(params: Float64Array, grads: Float64Array, g: number, keep = 1): void {
    const { sizes, activations, deltas } = this;
    const layers = sizes.length - 1;
    const scale = 1 / keep;
    // The output layer: its delta is g itself.
    const last = layers - 1;
    {
      const inputs = sizes[last];
      const a = activations[last];
      const d = deltas[last];
      const wAt = this.offset + this.weightAt[last];
      grads[this.offset + this.biasAt[last]] += g;
      for (let j = 0; j < inputs; j++) {
        grads[wAt + j] += g * a[j];
        d[j] = params[wAt + j] * g;
      }
    }
    for (let l = last - 1; l >= 0; l--) {
      const inputs = sizes[l];
      const outputs = sizes[l + 1];
      const a = activations[l];
      const h = activations[l + 1];
      const dOut = deltas[l + 1];
      const dIn = deltas[l];
      dIn.fill(0);
      let wAt = this.offset + this.weightAt[l];
      const bAt = this.offset + this.biasAt[l];
      for (let o = 0; o < outputs; o++, wAt += inputs) {
        if (!(h[o] > 0)) continue;
        const d = dOut[o] * scale;
        grads[bAt + o] += d;
        for (let j = 0; j < inputs; j++) {
          grads[wAt + j] += d * a[j];
          dIn[j] += params[wAt + j] * d;
        }
      }
    }
  }
}

/**
 * Σⱼ w[at + j]·a[j] for j < n, in four running sums: independent additions let the CPU overlap them,
 * which makes the matrix–vector products (most of an epoch) markedly faster than one running sum.
 */
function dot(w: Float64Array, at: number, a: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += w[at + j] * a[j];
    s1 += w[at + j + 1] * a[j + 1];
    s2 += w[at + j + 2] * a[j + 2];
    s3 += w[at + j + 3] * a[j + 3];
  }
  for (; j < n; j++) s0 += w[at + j] * a[j];
  return s0 + s1 + s2 + s3;
}
