import type { ModelEvaluation } from './report.js';

/**
 * Learning curves as a standalone SVG (docs/design.md, "Evaluation"): the test metric after each epoch,
 * one line per model, like the benchmark plot of the seed talk. No fonts, scripts or styles from outside:
 * the file opens in a browser or embeds in Markdown as is.
 */

export interface CurveSeries {
  name: string;
  /** The value after epoch 1, 2, …; NaN (or any non-finite value) leaves a gap in the line. */
  values: number[];
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/**
 * Okabe & Ito's colour-blind-safe palette without its yellow, which is too pale on white. Beyond seven
 * series the colours repeat with dashes.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

export interface Ticks {
  /** The axis range: the data range widened to whole steps. */
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/** Decimals needed to write multiples of `step` (a 1-2-5 step) exactly. */
function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Nice axis ticks for [min, max]: a step of 1, 2 or 5 times a power of ten giving at most about `count`
 * intervals, and the range widened to whole steps. An empty range is widened around its value first.
 */
export function niceTicks(min: number, max: number, count = 5): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`niceTicks: bad range ${min}..${max}`);
  if (min > max) [min, max] = [max, min];
  if (max === min) {
    const half = min === 0 ? 1 : Math.abs(min) * 0.05;
    min -= half;
    max += half;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  const decimals = stepDecimals(step);
  const clean = (x: number): number => Number(x.toFixed(Math.min(100, decimals)));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(clean(i * step));
  return { min: ticks[0], max: ticks[ticks.length - 1], step, ticks };
}

/** Integer ticks (epochs) within [min, max], 1-2-5 steps of at least 1, about `count` of them. */
function epochTicks(min: number, max: number, count: number): number[] {
  if (max <= min) return [min];
  const { step } = niceTicks(min, max, count);
  const whole = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = Math.ceil(min / whole) * whole; t <= max; t += whole) ticks.push(t);
  if (ticks.length < 2) return [min, max];
  return ticks;
}

/**
 * The mean curve over folds: for each epoch present in every fold, the mean of the folds' values (NaN
 * values skipped, as in `summarize`; NaN when every fold has NaN there).
 */
export function meanCurve(curves: readonly (readonly number[])[]): number[] {
  if (curves.length === 0) return [];
  const epochs = Math.min(...curves.map((curve) => curve.length));
  const mean: number[] = [];
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    let n = 0;
    for (const curve of curves) {
      if (Number.isNaN(curve[e])) continue;
      sum += curve[e];
      n++;
    }
    mean.push(n ? sum / n : Number.NaN);
  }
  return mean;
}

/**
 * The series to plot for evaluated models: each model's mean curve, models without epochs left out. Two
 * evaluations of the same model are told apart by their params.
 */
export function learningCurveSeries(results: readonly ModelEvaluation[]): CurveSeries[] {
  const counts = new Map<string, number>();
  for (const result of results) counts.set(result.model, (counts.get(result.model) ?? 0) + 1);
  const series: CurveSeries[] = [];
  for (const result of results) {
    const values = meanCurve(result.curves ?? []);
    if (values.length === 0) continue;
    const params = Object.entries(result.params ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
    const name = (counts.get(result.model) ?? 0) > 1 && params ? `${result.model} (${params})` : result.model;
    series.push({ name, values });
  }
  return series;
}

/** Escapes the five XML special characters, and drops control characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
      .replace(
        /[&<>"']/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
      )
  );
}

/** Coordinates to two decimals: enough on screen, short in the file. */
function px(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function formatTick(value: number, step: number): string {
  const text = value.toFixed(Math.min(100, stepDecimals(step)));
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Cuts a label to `chars` characters (not splitting surrogate pairs), with an ellipsis. */
function truncate(text: string, chars: number): string {
  const characters = Array.from(text);
  if (characters.length <= chars) return text;
  return `${characters
    .slice(0, Math.max(1, chars - 1))
    .join('')
    .trimEnd()}…`;
}

function dimension(value: number | undefined, fallback: number, least: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.max(least, value) : fallback;
}

const FONT_SIZE = 12;
/** A rough width of one character of the generic sans-serif at FONT_SIZE. */
const CHAR_WIDTH = 7;

/**
 * Learning curves as a standalone SVG: value per epoch (epoch 1 is the first value), one polyline per
 * run of finite values of each series, isolated points as dots; axes with 1-2-5 ticks and grid lines, the
 * y range padded around the data; a legend and a title. Without any finite value, an SVG saying "no data".
 */
export function learningCurvesSvg(series: readonly CurveSeries[], options: PlotOptions = {}): string {
  const width = dimension(options.width, 640, 200);
  const height = dimension(options.height, 400, 150);
  const title = options.title ?? 'Learning curves';
  const xLabel = options.xLabel ?? 'epoch';
  const yLabel = options.yLabel ?? 'test RMSE';

  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
    `viewBox="0 0 ${px(width)} ${px(height)}" font-family="sans-serif" font-size="${FONT_SIZE}" ` +
    `role="img" aria-label="${escapeXml(title)}">`;
  const parts: string[] = [
    open,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${px(width)}" height="${px(height)}" fill="#ffffff"/>`,
    `<text x="${px(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];

  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let epochs = 0;
  for (const { values } of series) {
    for (let e = 0; e < values.length; e++) {
      if (!Number.isFinite(values[e])) continue;
      low = Math.min(low, values[e]);
      high = Math.max(high, values[e]);
      epochs = Math.max(epochs, e + 1);
    }
  }
  if (epochs === 0) {
    parts.push(
      `<text x="${px(width / 2)}" y="${px(height / 2)}" text-anchor="middle" fill="#555555">no data</text>`,
      '</svg>',
    );
    return `${parts.join('\n')}\n`;
  }

  // Layout: the legend to the right of the plot, at most a third of the width.
  const legendChars = Math.max(4, Math.floor((width / 3 - 40) / CHAR_WIDTH));
  const names = series.map(({ name }) => truncate(name, legendChars));
  const longest = Math.max(...names.map((name) => Array.from(name).length));
  const legendWidth = 40 + longest * CHAR_WIDTH;
  const left = 64;
  const right = width - legendWidth - 16;
  const top = 44;
  const bottom = height - 48;
  const plotWidth = Math.max(10, right - left);
  const plotHeight = Math.max(10, bottom - top);

  // Scales: y padded by 5 % of the range (or of the value, for a flat line), then widened to whole ticks.
  const pad = high > low ? (high - low) * 0.05 : Math.abs(high) * 0.05 || 0.5;
  const yTicks = niceTicks(low - pad, high + pad, Math.max(2, Math.min(8, Math.floor(plotHeight / 50))));
  // A single epoch sits in the middle of [0, 2].
  const xMin = epochs === 1 ? 0 : 1;
  const xMax = epochs === 1 ? 2 : epochs;
  const xTicks =
    epochs === 1 ? [1] : epochTicks(xMin, xMax, Math.max(2, Math.min(10, Math.floor(plotWidth / 70))));
  // Points keep clear of the frame by a few pixels on each side.
  const inset = Math.min(8, plotWidth / 10);
  const x = (epoch: number): number =>
    left + inset + ((epoch - xMin) / (xMax - xMin)) * (plotWidth - 2 * inset);
  const y = (value: number): number =>
    top + plotHeight - ((value - yTicks.min) / (yTicks.max - yTicks.min)) * plotHeight;

  // Grid and axes.
  const grid: string[] = [];
  for (const tick of yTicks.ticks) {
    const ty = px(y(tick));
    grid.push(`<line x1="${px(left)}" y1="${ty}" x2="${px(left + plotWidth)}" y2="${ty}"/>`);
  }
  for (const tick of xTicks) {
    const tx = px(x(tick));
    grid.push(`<line x1="${tx}" y1="${px(top)}" x2="${tx}" y2="${px(top + plotHeight)}"/>`);
  }
  parts.push(`<g class="grid" stroke="#e0e0e0" stroke-width="1">`, ...grid, '</g>');
  parts.push(
    `<rect class="frame" x="${px(left)}" y="${px(top)}" width="${px(plotWidth)}" height="${px(plotHeight)}" fill="none" stroke="#333333" stroke-width="1"/>`,
  );
  const labels: string[] = [];
  for (const tick of yTicks.ticks) {
    labels.push(
      `<text x="${px(left - 6)}" y="${px(y(tick) + 4)}" text-anchor="end">${formatTick(tick, yTicks.step)}</text>`,
    );
  }
  for (const tick of xTicks) {
    labels.push(
      `<text x="${px(x(tick))}" y="${px(top + plotHeight + 16)}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push(`<g class="ticks" fill="#333333">`, ...labels, '</g>');
  parts.push(
    `<text class="x-label" x="${px(left + plotWidth / 2)}" y="${px(height - 12)}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text class="y-label" x="16" y="${px(top + plotHeight / 2)}" text-anchor="middle" transform="rotate(-90 16 ${px(top + plotHeight / 2)})">${escapeXml(yLabel)}</text>`,
  );

  // Lines: one polyline per run of finite values, a dot for a run of one.
  series.forEach(({ values }, s) => {
    const colour = PALETTE[s % PALETTE.length];
    const dash = DASHES[Math.floor(s / PALETTE.length) % DASHES.length];
    const dashAttribute = dash ? ` stroke-dasharray="${dash}"` : '';
    const shapes: string[] = [];
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) shapes.push(`<polyline points="${run.join(' ')}"/>`);
      else if (run.length === 1) {
        const [cx, cy] = run[0].split(',');
        shapes.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}" stroke="none"/>`);
      }
      run = [];
    };
    values.forEach((value, e) => {
      if (Number.isFinite(value)) run.push(`${px(x(e + 1))},${px(y(value))}`);
      else flush();
    });
    flush();
    parts.push(
      `<g class="series" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${dashAttribute}>`,
      ...shapes,
      '</g>',
    );
  });

  // Legend.
  const legendX = left + plotWidth + 16;
  const legend: string[] = [];
  series.forEach((_, s) => {
    const colour = PALETTE[s % PALETTE.length];
    const dash = DASHES[Math.floor(s / PALETTE.length) % DASHES.length];
    const ly = top + 8 + s * 20;
    legend.push(
      `<line x1="${px(legendX)}" y1="${px(ly)}" x2="${px(legendX + 24)}" y2="${px(ly)}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${px(legendX + 30)}" y="${px(ly + 4)}">${escapeXml(names[s])}</text>`,
    );
  });
  parts.push(`<g class="legend" fill="#222222">`, ...legend, '</g>', '</svg>');
  return `${parts.join('\n')}\n`;
}
