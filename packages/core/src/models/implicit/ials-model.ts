import { choleskyFactor, choleskySolve } from '../../math/cholesky.js';
import {
  FactorModel,
  type FactorModelInit,
  indexRatings,
  type RatedItems,
  type UserVector,
} from '../factor-model.js';
import { factorInitFrom } from '../factor-model-file.js';
import type { Explanation, ModelLoader } from '../recommender.js';
import { type Confidence, confidenceFrom, extraConfidence } from './confidence.js';
import { implicitExplanation } from './explanation.js';

/**
 * An implicit-feedback factor model (iALS): a user's score for item i is xᵤ·yᵢ, a preference strength
 * with no rating scale. Top-n, similar items and the model file are the factor model's; fold-in and
 * explanations solve the iALS normal equations of one user exactly, (YᵀY + λI + Σⱼ (cⱼ−1) yⱼyⱼᵀ) x =
 * Σⱼ cⱼ yⱼ over the user's items j, in f64.
 */
export class ImplicitAlsModel extends FactorModel {
  private gram: Float64Array | undefined;

  constructor(
    init: FactorModelInit,
    readonly confidence: Confidence,
  ) {
    super(init);
  }

  /** The row of a user who was not in the training data: their exact iALS solve against the item rows. */
  override foldIn(ratings: Iterable<{ item: string; value: number }>): UserVector {
    const { rated, unknownItems } = indexRatings(this.items, ratings);
    const { factors, stride } = this.layout;
    const row = new Float32Array(stride);
    if (rated.items.length > 0) {
      const system = this.userSystem(rated);
      const x = new Float64Array(factors);
      for (let l = 0; l < rated.items.length; l++) {
        for (let c = 0; c < factors; c++) x[c] += system.y[l * factors + c] * system.c[l];
      }
      choleskySolve(system.matrix, factors, x);
      row.set(x);
    }
    return { row, rated, unknownItems };
  }

  /**
   * Hu, Koren, Volinsky §5: with W = (YᵀCY + λI)⁻¹ the user's own matrix, x = W Σⱼ cⱼ yⱼ, so the score
   * yᵢ·x = Σⱼ (yᵢᵀ W yⱼ)·cⱼ: each of the user's items j weighs s_ij·cⱼ, and the weights sum to the score
   * of the folded-in user exactly. `rating` is the interaction's weight.
   */
  override explain(user: string | UserVector, item: string, top = 5): Explanation {
    const vector = typeof user === 'string' ? this.userVector(user) : user;
    const j = this.items.indexOf(item);
    if (j < 0) throw new Error(`unknown item "${item}"`);
    const { factors, stride } = this.layout;
    const terms: Explanation['contributions'] = [];
    let score = 0;
    const { items, values } = vector.rated;
    if (items.length > 0) {
      const system = this.userSystem(vector.rated);
      const w = Float64Array.from(this.itemRows.subarray(j * stride, j * stride + factors));
      choleskySolve(system.matrix, factors, w);
      for (let l = 0; l < items.length; l++) {
        let s = 0;
        for (let c = 0; c < factors; c++) s += w[c] * system.y[l * factors + c];
        const weight = s * system.c[l];
        score += weight;
        terms.push({ item: this.items.idAt(items[l]), rating: values[l], weight });
      }
    }
    return implicitExplanation(item, 0, score, terms, top);
  }

  override toFile(): ReturnType<FactorModel['toFile']> {
    const file = super.toFile();
    return { tensors: file.tensors, extra: { ...file.extra, confidence: this.confidence } };
  }

  /** The user's matrix YᵀY + λI + Σⱼ (cⱼ−1) yⱼyⱼᵀ, Cholesky-factored, with their items' rows and cⱼ. */
  private userSystem(rated: RatedItems): { matrix: Float64Array; y: Float64Array; c: Float64Array } {
    const { factors, stride } = this.layout;
    const matrix = Float64Array.from(this.itemGram());
    const count = rated.items.length;
    const y = new Float64Array(count * factors);
    const c = new Float64Array(count);
    for (let l = 0; l < count; l++) {
      const at = rated.items[l] * stride;
      const extra = extraConfidence(this.confidence, rated.values[l]);
      c[l] = 1 + extra;
      for (let a = 0; a < factors; a++) y[l * factors + a] = this.itemRows[at + a];
      for (let a = 0; a < factors; a++) {
        const ya = extra * y[l * factors + a];
        for (let b = 0; b <= a; b++) matrix[a * factors + b] += ya * y[l * factors + b];
      }
    }
    for (let a = 0; a < factors; a++) {
      for (let b = 0; b < a; b++) matrix[b * factors + a] = matrix[a * factors + b];
    }
    choleskyFactor(matrix, factors);
    return { matrix, y, c };
  }

  /** YᵀY + λI over the item factors, computed once. */
  private itemGram(): Float64Array {
    if (!this.gram) {
      const { factors, stride } = this.layout;
      const gram = new Float64Array(factors * factors);
      for (let j = 0; j < this.items.size; j++) {
        const at = j * stride;
        for (let a = 0; a < factors; a++) {
          const ya = this.itemRows[at + a];
          if (ya === 0) continue;
          for (let b = 0; b <= a; b++) gram[a * factors + b] += ya * this.itemRows[at + b];
        }
      }
      for (let a = 0; a < factors; a++) {
        gram[a * factors + a] += Math.max(this.regularization.factors, 1e-9);
        for (let b = 0; b < a; b++) gram[b * factors + a] = gram[a * factors + b];
      }
      this.gram = gram;
    }
    return this.gram;
  }
}

export const loadIals: ModelLoader = (tensors, extra, ids, source) =>
  new ImplicitAlsModel(factorInitFrom(tensors, extra, ids, source), confidenceFrom(extra.confidence, source));
