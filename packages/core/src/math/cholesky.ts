/**
 * Dense symmetric positive-definite solves in Float64, row-major n×n. Used for exact ridge solves of
 * one row (fold-in, explanations, the exact ALS solver), where n is the number of factors (≤ a few
 * hundred), so O(n³/3) is small.
 */

/** Overwrites the lower triangle of `a` with L such that A = L·Lᵀ. Throws if A is not positive definite. */
export function choleskyFactor(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j];
    for (let m = 0; m < j; m++) d -= a[rowJ + m] * a[rowJ + m];
    if (!(d > 0)) throw new Error(`matrix is not positive definite (pivot ${j} is ${d})`);
    d = Math.sqrt(d);
    a[rowJ + j] = d;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let x = a[rowI + j];
      for (let m = 0; m < j; m++) x -= a[rowI + m] * a[rowJ + m];
      a[rowI + j] = x / d;
    }
  }
}

/** Solves L·Lᵀ·x = b in place (b becomes x), with L from `choleskyFactor`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let x = b[i];
    const rowI = i * n;
    for (let m = 0; m < i; m++) x -= l[rowI + m] * b[m];
    b[i] = x / l[rowI + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let x = b[i];
    for (let m = i + 1; m < n; m++) x -= l[m * n + i] * b[m];
    b[i] = x / l[i * n + i];
  }
}
