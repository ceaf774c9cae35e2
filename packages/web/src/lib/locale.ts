/**
 * The reader's languages, most preferred first, as the browser reports them: dates and numbers are written
 * the way they read them (Intl takes the first one it knows), not in the browser's own interface language.
 */
export const READER_LOCALES: readonly string[] =
  navigator.languages.length > 0 ? navigator.languages : [navigator.language];

const DAY = new Intl.DateTimeFormat(READER_LOCALES, { dateStyle: 'medium' });

/** The day of an ISO time from the API (a rating, an account's creation), e.g. "Nov 27, 2025". */
export function day(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DAY.format(date);
}
