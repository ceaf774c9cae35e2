// Reading a model version's metrics. They are free-form JSON (each family records what it measured), so
// these helpers pick the known figures out safely and say what a learning curve follows.
import type { ModelVersion } from '../lib/types';

/** A numeric metric, or undefined when the version did not record it. */
export function metric(version: ModelVersion, key: string): number | undefined {
  const value = version.metrics[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The families measured as candidates across the versions (`rmse_als`, `rmse_balse`… → als, balse), in a
 * stable order: one table column each, so versions trained with different candidates still line up.
 */
export function candidateFamilies(versions: readonly ModelVersion[]): string[] {
  const names = new Set<string>();
  for (const version of versions)
    for (const key of Object.keys(version.metrics))
      if (key.startsWith('rmse_') && metric(version, key) !== undefined) names.add(key.slice(5));
  return [...names].sort();
}

/** Families that blend others: their own fit scores no epochs, so their curve follows a part. */
const BLENDS = new Set(['balse', 'blend']);

/** What one epoch is called for the family whose curve it is (ALS alternates sweeps, SGD passes). */
const EPOCH_NAMES: Record<string, string> = { als: 'sweep', sgd: 'pass' };

export interface Curve {
  /** Held-out RMSE after each epoch. */
  values: number[];
  /** The family whose epochs these are: the version's own, or a blend's ALS part. */
  of: string;
  /** Whether the curve follows a part of the version's model rather than the model itself. */
  part: boolean;
  epoch: string;
}

/**
 * The version's learning curve. Newer versions say which family it follows (`curveOf`); for older ones a
 * blend's curve can only be its ALS part's, as the trainer records no other for a blend.
 */
export function learningCurve(version: ModelVersion): Curve {
  const raw = version.metrics.curve;
  const values = Array.isArray(raw)
    ? raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    : [];
  const given = version.metrics.curveOf;
  const of = typeof given === 'string' ? given : BLENDS.has(version.family) ? 'als' : version.family;
  return { values, of, part: of !== version.family, epoch: EPOCH_NAMES[of] ?? 'epoch' };
}

/** A version's family in words for headings: BALSE and ALS are acronyms. */
export function familyName(family: string): string {
  return ['als', 'sgd', 'balse'].includes(family) ? family.toUpperCase() : family;
}

/**
 * The curve in words, for screen readers (the chart's description) and for anyone who wants the figures:
 * where it starts and ends, its lowest point, and the model's own figure when the curve follows a part.
 */
export function curveSummary(version: ModelVersion, curve: Curve): string {
  const { values, epoch } = curve;
  if (values.length === 0) return 'No learning curve recorded for this model.';
  const model = familyName(version.family);
  const who = curve.part ? `${model}'s ${familyName(curve.of)} part, fitted alone,` : familyName(curve.of);
  const at = (i: number) => `${values[i].toFixed(3)} after ${epoch} ${i + 1}`;
  let lowest = 0;
  values.forEach((v, i) => {
    if (v < values[lowest]) lowest = i;
  });
  const figures =
    values.length === 1
      ? `${values[0].toFixed(3)}.`
      : `${at(0)}, ${at(values.length - 1)}; lowest ${at(lowest)}.`;
  const after = values.length === 1 ? `after its one ${epoch}` : `after each of ${values.length} ${epoch}s`;
  let text = `Held-out RMSE of ${who} ${after}: ${figures}`;
  const rmse = metric(version, 'rmse');
  if (curve.part && rmse !== undefined)
    text += ` ${model} itself: ${rmse.toFixed(3)} held-out RMSE (dashed line).`;
  return text;
}
