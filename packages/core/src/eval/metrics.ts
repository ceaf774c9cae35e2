/**
 * Pointwise metrics: prediction errors for ratings and scores for binary outcomes. Each takes the
 * predictions and the true values as parallel columns (typed arrays or plain arrays) of equal length.
 *
 * A label counts as positive when it is ≥ 0.5, so 0/1 outcomes (and −1/1) read as expected. The error
 * metrics return NaN for empty input: an empty subset (a fold with no cold-start rating) has no error,
 * and NaN is what the summaries skip.
 */

/** The common length of a prediction column and a truth column; throws when they differ. */
function pairedLength(predicted: ArrayLike<number>, actual: ArrayLike<number>, metric: string): number {
  if (predicted.length !== actual.length) {
    throw new Error(`${metric}: ${predicted.length} predictions for ${actual.length} true values`);
  }
  return predicted.length;
}

function isPositive(label: number): boolean {
  return label >= 0.5;
}

/** Root mean squared error: √(Σ (predicted − actual)² / n). NaN when n = 0. */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  const n = pairedLength(predicted, actual, 'rmse');
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const e = predicted[t] - actual[t];
    sum += e * e;
  }
  return n ? Math.sqrt(sum / n) : Number.NaN;
}

/** Mean absolute error: Σ |predicted − actual| / n. NaN when n = 0. */
export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  const n = pairedLength(predicted, actual, 'mae');
  let sum = 0;
  for (let t = 0; t < n; t++) sum += Math.abs(predicted[t] - actual[t]);
  return n ? sum / n : Number.NaN;
}

/**
 * Area under the ROC curve, as the Mann–Whitney statistic: the fraction of (positive, negative) pairs in
 * which the positive has the higher score, a tie counting one half:
 *
 *   AUC = (#{s⁺ > s⁻} + ½ · #{s⁺ = s⁻}) / (n⁺ · n⁻).
 *
 * O(n log n): the scores of each class are sorted and the pairs counted by a merge. Throws when the
 * labels hold a single class (the AUC is undefined) or a score is NaN.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = pairedLength(scores, labels, 'auc');
  let positives = 0;
  for (let t = 0; t < n; t++) {
    if (Number.isNaN(scores[t])) throw new Error(`auc: the score at position ${t} is NaN`);
    if (isPositive(labels[t])) positives++;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(
      `auc: the labels hold only one class (${positives} positive, ${negatives} negative); ` +
        'the AUC needs at least one of each — evaluate on a larger or stratified test set',
    );
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  let p = 0;
  let q = 0;
  for (let t = 0; t < n; t++) {
    if (isPositive(labels[t])) pos[p++] = scores[t];
    else neg[q++] = scores[t];
  }
  pos.sort();
  neg.sort();
  // For each positive in ascending order, [below, upTo) is the run of negatives with an equal score:
  // both bounds only move forward, so the merge is linear however many ties there are.
  let wins = 0;
  let below = 0;
  let upTo = 0;
  for (let i = 0; i < positives; i++) {
    const s = pos[i];
    while (below < negatives && neg[below] < s) below++;
    if (upTo < below) upTo = below;
    while (upTo < negatives && neg[upTo] <= s) upTo++;
    wins += below + 0.5 * (upTo - below);
  }
  return wins / (positives * negatives);
}

/** Probabilities are clamped to [LOG_LOSS_EPSILON, 1 − LOG_LOSS_EPSILON] so a confident miss costs ≈ 34.5, not ∞. */
export const LOG_LOSS_EPSILON = 1e-15;

/**
 * Mean binary cross-entropy in nats: −Σ [y·ln p + (1 − y)·ln(1 − p)] / n, with p clamped to
 * [1e-15, 1 − 1e-15]. Labels must lie in [0, 1] (soft labels are allowed). NaN when n = 0.
 */
export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = pairedLength(probabilities, labels, 'logLoss');
  let sum = 0;
  for (let t = 0; t < n; t++) {
    const y = labels[t];
    if (!(y >= 0 && y <= 1)) {
      throw new Error(`logLoss: the label at position ${t} is ${y}; binary outcomes must be 0 or 1`);
    }
    // Clamping p and 1 − p separately is the same clamp, but keeps a miss by p = 1 exactly as costly
    // as a miss by p = 0 (1 − (1 − 1e-15) is not 1e-15 in floating point).
    const p = probabilities[t];
    const yes = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p));
    const no = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, 1 - p));
    sum -= y * Math.log(yes) + (1 - y) * Math.log(no);
  }
  return n ? sum / n : Number.NaN;
}

/** Fraction of outcomes predicted right, a probability ≥ 0.5 meaning "positive". NaN when n = 0. */
export function accuracy(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = pairedLength(probabilities, labels, 'accuracy');
  let right = 0;
  for (let t = 0; t < n; t++) {
    if (probabilities[t] >= 0.5 === isPositive(labels[t])) right++;
  }
  return n ? right / n : Number.NaN;
}
