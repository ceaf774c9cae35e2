import type { FeatureField, FeatureMatrix } from '../../data/feature-matrix.js';
import { sigmoid } from '../../math/logistic.js';
import type { Rng } from '../../math/rng.js';
import type { FeatureTask } from '../features/feature-family.js';
import type { Gradients } from './deepfm-gradients.js';
import { Mlp } from './mlp.js';

/**
 * DeepFM (Guo et al. 2017) and its deep half alone. Every feature i has a weight wᵢ and an embedding vᵢ
 * of k numbers, shared by both halves:
 *
 *   FM(x)   = w₀ + Σᵢ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ
 *   MLP(x)  = a ReLU network on [e₁, …, e_F], e_f = Σ_{i in field f} vᵢxᵢ (the field's embedding)
 *   DeepFM  = FM(x) + MLP(x);   Deep = w₀ + MLP(x)
 *
 * The score is the prediction for regression (squared loss) and the log-odds for a binary task
 * (logistic loss). Sharing the embeddings is the paper's point: the FM's pairwise terms give the
 * low-order interactions directly and the MLP learns higher-order ones from the same vectors.
 *
 * Training is in deepfm-training.ts, the minibatch gradients in deepfm-gradients.ts.
 *
 * The network's parameters and its per-row working buffers. `dense` holds w₀ at 0 and the MLP from 1 on,
 * so that they share one dense Adam state; `w` and `v` (v[i·k + f]) are updated sparsely, only for the
 * features a minibatch touches.
 */
export class DeepFmNet {
  readonly k: number;
  readonly fm: boolean;
  readonly task: FeatureTask;
  readonly features: number;
  /** The fields of the matrix trained on (checked against the matrices predicted). */
  readonly fields: readonly FeatureField[];
  /** Each feature's slot among the MLP's field inputs. */
  readonly fieldOf: Int32Array;
  readonly slots: number;
  readonly mlp: Mlp;
  readonly dense: Float64Array;
  /** Feature weights (empty for Deep, which has none). */
  readonly w: Float64Array;
  readonly v: Float64Array;
  /** Σᵢ v_if xᵢ over the row, for the FM's pairwise term and its gradient. */
  private readonly sums: Float64Array;

  constructor(
    features: number,
    fields: readonly FeatureField[],
    settings: { k: number; hidden: readonly number[]; fm: boolean; task: FeatureTask },
  ) {
    this.k = settings.k;
    this.fm = settings.fm;
    this.task = settings.task;
    this.features = features;
    this.fields = fields;
    // Features outside every field (or all of them, when the matrix has no fields) form one more field:
    // the MLP should see them too.
    this.fieldOf = new Int32Array(features).fill(-1);
    fields.forEach((field, f) => {
      this.fieldOf.fill(f, field.offset, field.offset + field.size);
    });
    let slots = fields.length;
    if (this.fieldOf.includes(-1)) {
      for (let i = 0; i < features; i++) if (this.fieldOf[i] < 0) this.fieldOf[i] = slots;
      slots++;
    }
    this.slots = slots;
    this.mlp = new Mlp(slots * this.k, settings.hidden, 1);
    this.dense = new Float64Array(1 + this.mlp.parameterCount);
    this.w = new Float64Array(this.fm ? features : 0);
    this.v = new Float64Array(features * this.k);
    this.sums = new Float64Array(this.k);
  }

  /** Small normal embeddings, zero weights, w₀ at the targets' mean (or its log-odds): a head start. */
  initialize(rng: Rng, init: number, meanTarget: number): void {
    const embeddings = rng.split(0);
    for (let i = 0; i < this.v.length; i++) this.v[i] = embeddings.normal() * init;
    this.w.fill(0);
    this.mlp.initialize(this.dense, rng.split(1));
    if (this.task === 'binary') {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, meanTarget));
      this.dense[0] = Math.log(p / (1 - p));
    } else {
      this.dense[0] = meanTarget;
    }
  }

  /** Throws unless `m`'s features are the ones trained on. */
  check(m: FeatureMatrix): void {
    if (m.features > this.features) {
      throw new Error(`the rows have ${m.features} features; the model was trained on ${this.features}`);
    }
    if (m.fields.length > 0 && this.fields.length > 0 && !sameFields(m.fields, this.fields)) {
      const list = (fs: readonly FeatureField[]) =>
        fs.map((f) => `${f.name}[${f.offset}+${f.size}]`).join(', ');
      throw new Error(
        `the rows' fields (${list(m.fields)}) are not the training rows' (${list(this.fields)})`,
      );
    }
  }

  /**
   * Row r's score. Fills the MLP's input with the field embeddings and `sums` with Σᵢ v_if xᵢ, which
   * `backward` then uses; with `keep` < 1 and a generator, hidden units are dropped (training).
   */
  score(m: FeatureMatrix, r: number, keep = 1, rng?: Rng): number {
    const { k, v, w, sums, fieldOf, fm } = this;
    const input = this.mlp.input;
    input.fill(0);
    sums.fill(0);
    let linear = this.dense[0];
    let squares = 0;
    const end = m.indptr[r + 1];
    for (let e = m.indptr[r]; e < end; e++) {
      const i = m.indices[e];
      const x = m.values[e];
      const base = i * k;
      const slot = fieldOf[i] * k;
      if (fm) {
        linear += w[i] * x;
        for (let f = 0; f < k; f++) {
          const vx = v[base + f] * x;
          input[slot + f] += vx;
          sums[f] += vx;
          squares += vx * vx;
        }
      } else {
        for (let f = 0; f < k; f++) input[slot + f] += v[base + f] * x;
      }
    }
    let pairs = 0;
    if (fm) {
      for (let f = 0; f < k; f++) pairs += sums[f] * sums[f];
    }
    return linear + 0.5 * (pairs - squares) + this.mlp.forward(this.dense, keep, rng);
  }

  /**
   * Adds g · ∂score/∂θ for the row `score` just saw to the gradients: g for w₀, g·xᵢ for wᵢ, and for
   * v_if the FM's g·xᵢ(Σⱼ v_jf xⱼ − v_if xᵢ) plus what the MLP sends back to its field's input, times xᵢ.
   */
  backward(m: FeatureMatrix, r: number, g: number, grads: Gradients, keep = 1): void {
    const { k, v, sums, fieldOf, fm } = this;
    grads.dense[0] += g;
    this.mlp.backward(this.dense, grads.dense, g, keep);
    const back = this.mlp.inputGradient;
    const gw = grads.w;
    const gv = grads.v;
    const end = m.indptr[r + 1];
    for (let e = m.indptr[r]; e < end; e++) {
      const i = m.indices[e];
      const x = m.values[e];
      grads.touch(i);
      const base = i * k;
      const slot = fieldOf[i] * k;
      if (fm) {
        gw[i] += g * x;
        for (let f = 0; f < k; f++) {
          gv[base + f] += x * (g * (sums[f] - v[base + f] * x) + back[slot + f]);
        }
      } else {
        for (let f = 0; f < k; f++) gv[base + f] += x * back[slot + f];
      }
    }
  }

  /** The scores (keep every unit) turned into predictions: σ(score) for a binary task. */
  predict(m: FeatureMatrix): Float64Array {
    this.check(m);
    const out = new Float64Array(m.rows);
    const binary = this.task === 'binary';
    for (let r = 0; r < m.rows; r++) {
      const s = this.score(m, r);
      out[r] = binary ? sigmoid(s) : s;
    }
    return out;
  }

  /** A copy of the trainable parameters (the best epoch's, for early stopping). */
  snapshot(): Float64Array[] {
    return [this.dense.slice(), this.w.slice(), this.v.slice()];
  }

  restore(saved: Float64Array[]): void {
    this.dense.set(saved[0]);
    this.w.set(saved[1]);
    this.v.set(saved[2]);
  }
}

function sameFields(a: readonly FeatureField[], b: readonly FeatureField[]): boolean {
  return (
    a.length === b.length &&
    a.every((f, i) => f.name === b[i].name && f.offset === b[i].offset && f.size === b[i].size)
  );
}
