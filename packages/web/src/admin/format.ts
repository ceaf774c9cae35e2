import { READER_LOCALES } from '../lib/locale';

// Formatting for the admin page. Metrics arrive as untyped JSON (each family records its own), so every
// helper takes `unknown` and shows a dash for a missing figure rather than "NaN" or "undefined".

export const DASH = '—';

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A figure with a fixed number of decimals (3 for RMSE and MAE: differences between models are small). */
export function fixed(value: unknown, digits = 3): string {
  return finite(value) ? value.toFixed(digits) : DASH;
}

/** A count with the reader's thousands separators (ratings, users, works). */
export function count(value: unknown): string {
  return finite(value) ? Math.round(value).toLocaleString(READER_LOCALES) : DASH;
}

/** Seconds as read by a person: "0.42 s", "7.6 s", "3 min 05 s". */
export function seconds(value: unknown): string {
  if (!finite(value)) return DASH;
  if (value < 1) return `${value.toFixed(2)} s`;
  if (value < 60) return `${value.toFixed(1)} s`;
  const whole = Math.round(value);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** A progress fraction (0..1) as a whole percentage, clamped: the server reports fractions. */
export function percent(fraction: number): string {
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)} %`;
}

// Short in the tables (the day, and the time to the second: trainings are minutes apart), complete in
// tooltips; in the reader's locale and time zone.
const DAY = new Intl.DateTimeFormat(READER_LOCALES, { month: 'short', day: 'numeric' });
const TIME = new Intl.DateTimeFormat(READER_LOCALES, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const FULL = new Intl.DateTimeFormat(READER_LOCALES, { dateStyle: 'full', timeStyle: 'long' });

function parsed(iso: string | null | undefined): Date | undefined {
  const date = iso ? new Date(iso) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** An ISO time from the API as its day and its time, short (a table shows them on one line or two). */
export function shortDateTime(iso: string | null | undefined): { day: string; time: string } | undefined {
  const date = parsed(iso);
  return date && { day: DAY.format(date), time: TIME.format(date) };
}

/** The same time in full, year and time zone included (for a tooltip). */
export function fullDateTime(iso: string | null | undefined): string {
  const date = parsed(iso);
  return date ? FULL.format(date) : (iso ?? DASH);
}

/** The time between two ISO times, e.g. how long a job ran; a dash while it has not ended. */
export function duration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from || !to) return DASH;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Number.isFinite(ms) ? seconds(Math.max(0, ms) / 1000) : DASH;
}
