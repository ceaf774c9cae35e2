/**
 * A named block of consecutive features: the users' one-hot columns, the items', the tags', a counter's.
 * Models that treat blocks differently (IRT's abilities and difficulties, DeepFM's field embeddings,
 * Bayesian FM's per-block priors) read them from here.
 */
export interface FeatureField {
  name: string;
  offset: number;
  size: number;
}

/** A FeatureMatrix by column (CSC): feature i's entries are [colptr[i], colptr[i + 1]), rows ascending. */
export interface FeatureColumns {
  colptr: Int32Array;
  rows: Int32Array;
  values: Float64Array;
}

/**
 * The design matrix of factorization machines and logistic models: sparse rows of (feature, value) in
 * compressed sparse row form, with one target per row (a rating, or 0/1 for a binary outcome). Features
 * are dense indices 0..features−1; what each one means (a user, an item, a tag, a counter) is the business
 * of whoever built the matrix.
 */
export class FeatureMatrix {
  private columnView: FeatureColumns | undefined;

  constructor(
    /** Row r's entries are [indptr[r], indptr[r + 1]). */
    readonly indptr: Int32Array,
    /** The feature of each entry, ascending and distinct within a row. */
    readonly indices: Int32Array,
    readonly values: Float32Array,
    readonly target: Float64Array,
    /** The number of features (columns): every index is below it. */
    readonly features: number,
    /** The blocks the features come in, ascending and disjoint (none when the matrix was read from a file). */
    readonly fields: readonly FeatureField[] = [],
  ) {
    const rows = target.length;
    if (indptr.length !== rows + 1 || indptr[0] !== 0 || indptr[rows] !== indices.length) {
      throw new Error(`FeatureMatrix: indptr must have ${rows + 1} offsets from 0 to ${indices.length}`);
    }
    if (values.length !== indices.length) throw new Error('FeatureMatrix: one value per index');
    let end = 0;
    for (const field of fields) {
      if (!(field.offset >= end && field.size >= 0 && field.offset + field.size <= features)) {
        throw new Error(
          `FeatureMatrix: field ${field.name} overlaps another or lies beyond ${features} features`,
        );
      }
      end = field.offset + field.size;
    }
    for (let r = 0; r < rows; r++) {
      if (indptr[r + 1] < indptr[r]) throw new Error(`FeatureMatrix: row ${r} has a negative length`);
      for (let e = indptr[r]; e < indptr[r + 1]; e++) {
        const f = indices[e];
        if (!(f >= 0 && f < features))
          throw new Error(`FeatureMatrix: row ${r} has feature ${f} of ${features}`);
        if (e > indptr[r] && f <= indices[e - 1]) {
          throw new Error(`FeatureMatrix: row ${r} lists its features out of order or twice`);
        }
      }
    }
  }

  get rows(): number {
    return this.target.length;
  }

  /** Stored entries (the non-zeros). */
  get nnz(): number {
    return this.indices.length;
  }

  /** The field called `name`; throws, naming the fields there are, when there is none. */
  field(name: string): FeatureField {
    const found = this.fields.find((f) => f.name === name);
    if (!found) {
      const names = this.fields.map((f) => f.name).join(', ') || 'none';
      throw new Error(`the features have no field "${name}" (fields: ${names})`);
    }
    return found;
  }

  /**
   * The column view, for solvers whose steps visit one feature's rows (coordinate descent, Gibbs
   * sampling). Built on first use and shared after, as the matrix never changes: do not write to it.
   */
  columns(): FeatureColumns {
    if (this.columnView) return this.columnView;
    const { features, indptr, indices } = this;
    const colptr = new Int32Array(features + 1);
    for (let e = 0; e < this.nnz; e++) colptr[indices[e] + 1]++;
    for (let i = 0; i < features; i++) colptr[i + 1] += colptr[i];
    const next = colptr.slice(0, features);
    const rows = new Int32Array(this.nnz);
    const values = new Float64Array(this.nnz);
    for (let r = 0; r < this.rows; r++) {
      for (let e = indptr[r]; e < indptr[r + 1]; e++) {
        const at = next[indices[e]]++;
        rows[at] = r;
        values[at] = this.values[e];
      }
    }
    this.columnView = { colptr, rows, values };
    return this.columnView;
  }

  /** The rows at the given positions, in that order (a split's training or test part). */
  select(rows: ArrayLike<number>): FeatureMatrix {
    const indptr = new Int32Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      indptr[i + 1] = indptr[i] + this.indptr[r + 1] - this.indptr[r];
    }
    const indices = new Int32Array(indptr[rows.length]);
    const values = new Float32Array(indptr[rows.length]);
    const target = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      indices.set(this.indices.subarray(this.indptr[r], this.indptr[r + 1]), indptr[i]);
      values.set(this.values.subarray(this.indptr[r], this.indptr[r + 1]), indptr[i]);
      target[i] = this.target[r];
    }
    return new FeatureMatrix(indptr, indices, values, target, this.features, this.fields);
  }
}

/** Builds a FeatureMatrix row by row; a row's entries may come in any order, and zeros are left out. */
export class FeatureMatrixBuilder {
  private readonly indptr: number[] = [0];
  private readonly indices: number[] = [];
  private readonly values: number[] = [];
  private readonly target: number[] = [];
  private maxFeature = -1;

  /** Adds a row; a feature given twice in it is an error (one entry per feature and row). */
  add(features: ArrayLike<number>, values: ArrayLike<number>, target: number): void {
    if (features.length !== values.length) throw new Error('one value per feature');
    const order = Array.from({ length: features.length }, (_, i) => i).sort(
      (a, b) => features[a] - features[b],
    );
    let previous = -1;
    for (const i of order) {
      const f = features[i];
      if (!Number.isInteger(f) || f < 0) throw new Error(`feature ${f} is not an index ≥ 0`);
      if (f === previous) throw new Error(`feature ${f} is given twice in one row`);
      previous = f;
      if (values[i] === 0) continue;
      this.indices.push(f);
      this.values.push(values[i]);
      if (f > this.maxFeature) this.maxFeature = f;
    }
    this.indptr.push(this.indices.length);
    this.target.push(target);
  }

  get rows(): number {
    return this.target.length;
  }

  /** The matrix; `features` (default: one past the largest index seen) may leave room for more columns. */
  build(features = this.maxFeature + 1, fields: readonly FeatureField[] = []): FeatureMatrix {
    if (features <= this.maxFeature) {
      throw new Error(`feature ${this.maxFeature} is beyond the ${features} features asked for`);
    }
    return new FeatureMatrix(
      Int32Array.from(this.indptr),
      Int32Array.from(this.indices),
      Float32Array.from(this.values),
      Float64Array.from(this.target),
      features,
      fields,
    );
  }
}
