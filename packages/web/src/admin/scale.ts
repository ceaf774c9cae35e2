// Scales and ticks for the learning-curve chart, kept pure (no DOM) so the geometry is easy to reason
// about. Ticks fall on "nice" steps (1, 2 or 5 × a power of ten) so the axis labels stay short and round.

/** A linear map from `domain` to `range` (a degenerate domain maps to the middle of the range). */
export function linear(domain: readonly [number, number], range: readonly [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (value: number): number => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0));
}

/** The nice step that cuts `span` into about `count` intervals. */
export function niceStep(span: number, count: number): number {
  const raw = Math.abs(span) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Decimals needed to tell ticks `step` apart: 0.05 → 2, 0.1 → 1, 5 → 0. */
export function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

export interface Axis {
  domain: [number, number];
  ticks: number[];
  /** Decimals for the tick labels. */
  decimals: number;
}

/**
 * A value axis covering [min, max], widened to whole steps so the curve never touches the frame. A flat
 * curve (min = max, e.g. one epoch) gets a small band around its value, or it would have no height.
 */
export function valueAxis(min: number, max: number, count = 5): Axis {
  if (!(max > min)) {
    const pad = Math.abs(min) * 0.05 || 0.5;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, count);
  const low = Math.floor(min / step) * step;
  const high = Math.ceil(max / step) * step;
  const decimals = decimalsFor(step);
  const n = Math.round((high - low) / step);
  // Rounded to the step's decimals: 0.1 + 0.2 must label as 0.3, not 0.30000000000000004.
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((low + i * step).toFixed(decimals + 1)));
  return { domain: [low, high], ticks, decimals };
}

/**
 * Ticks for epochs 1..n: every epoch when they fit (≤ `most`), else 1 and the multiples of a nice whole
 * step, so a 12-sweep curve is labelled sweep by sweep and a 200-pass one every 50.
 */
export function epochTicks(n: number, most = 12): number[] {
  if (n <= 0) return [];
  if (n <= most) return Array.from({ length: n }, (_, i) => i + 1);
  const step = Math.max(1, Math.round(niceStep(n - 1, most / 2)));
  const ticks = [1];
  for (let t = step; t <= n; t += step) if (t > 1) ticks.push(t);
  return ticks;
}
