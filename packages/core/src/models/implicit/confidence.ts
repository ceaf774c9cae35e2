/**
 * How implicit models turn an interaction's weight r (a count, a rating, or 1 for "seen") into
 * confidence c ≥ 1 (Hu, Koren, Volinsky 2008, §4): linear c = 1 + α·r, or log c = 1 + α·log(1 + r/ε),
 * which keeps heavy counts from drowning the rest.
 */
export interface Confidence {
  form: 'linear' | 'log';
  alpha: number;
  epsilon: number;
}

/** c − 1 for weight r; throws on a negative or non-finite weight (an explicit dislike is not a weight). */
export function extraConfidence(confidence: Confidence, weight: number): number {
  if (!(weight >= 0) || !Number.isFinite(weight)) {
    throw new Error(
      `implicit weight ${weight} is not a number ≥ 0: read the data with --implicit (every row weight 1) or a weight column`,
    );
  }
  return confidence.form === 'log'
    ? confidence.alpha * Math.log1p(weight / confidence.epsilon)
    : confidence.alpha * weight;
}

/** The confidence settings recorded in a model file, checked. */
export function confidenceFrom(extra: unknown, source: string): Confidence {
  const c = extra as Partial<Confidence> | undefined;
  if (
    !c ||
    (c.form !== 'linear' && c.form !== 'log') ||
    typeof c.alpha !== 'number' ||
    typeof c.epsilon !== 'number'
  ) {
    throw new Error(`${source}: no confidence settings (form, alpha, epsilon) in its metadata`);
  }
  return { form: c.form, alpha: c.alpha, epsilon: c.epsilon };
}
