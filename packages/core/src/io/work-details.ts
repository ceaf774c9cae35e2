import type { ItemInfo } from '../data/dataset.js';
import { columnsNamed, parseNumber } from './fields.js';
import { BadLine } from './line-reader.js';

/**
 * Optional catalogue columns that describe a work, under the header names data sets give them (after
 * lower-casing, spaces as underscores: MyAnimeList exports say `aired` and `studios`, Kaggle's 2020 set
 * `sypnopsis` (sic), its 2023 set `Image URL`). The first header that matches a key wins.
 */
const WORK_DETAIL_COLUMNS = {
  year: ['year', 'start_year', 'aired'],
  studio: ['studio', 'studios'],
  synopsis: ['synopsis', 'description', 'sypnopsis'],
  url: ['url', 'link'],
  imageUrl: ['image_url', 'image', 'cover', 'poster'],
} as const;

type WorkDetailKey = keyof typeof WORK_DETAIL_COLUMNS;

/** What a work's details may hold: years outside this range are typing errors, not works. */
const YEARS = { min: 1800, max: 2100 } as const;
/** Episodes are a count; the cap keeps a typo from overflowing a 32-bit database column. */
const MAX_EPISODES = 100_000;
/** A synopsis is a paragraph or a few, not a book (MyAnimeList's longest are under 6,000 characters). */
const MAX_SYNOPSIS = 10_000;
/** Longer addresses are refused by some browsers and servers. */
const MAX_URL = 2_048;

/** Where each detail column is in a header line (-1 when absent), and which spelling was found. */
export interface DetailColumns {
  at: Record<WorkDetailKey, number>;
  /** The header of the year column: `aired` holds a date or a range of dates, the others a number. */
  yearHeader: string | undefined;
}

/** Finds the detail columns among the normalized header `names`. */
export function detailColumns(names: readonly string[]): DetailColumns {
  const at = columnsNamed(WORK_DETAIL_COLUMNS, names);
  return { at, yearHeader: at.year >= 0 ? names[at.year] : undefined };
}

/** The details one line gives; throws `BadLine` for a value that is present but wrong. */
export function readWorkDetails(
  fields: readonly string[],
  columns: DetailColumns,
  text: (at: number) => string | undefined,
): Pick<ItemInfo, WorkDetailKey> {
  const { at, yearHeader } = columns;
  const details: Pick<ItemInfo, WorkDetailKey> = {};
  const year = text(at.year);
  if (year !== undefined) details.year = parseYear(year, yearHeader === 'aired');
  const studio = text(at.studio);
  if (studio !== undefined) details.studio = studio;
  const synopsis = text(at.synopsis);
  if (synopsis !== undefined) {
    if (synopsis.length > MAX_SYNOPSIS) {
      throw new BadLine(`synopsis has ${synopsis.length} characters, more than ${MAX_SYNOPSIS}`);
    }
    details.synopsis = synopsis;
  }
  // Addresses are taken as written: no entity decoding (an &amp; in a query string stays one).
  const url = at.url >= 0 ? fields[at.url].trim() : '';
  if (url !== '') details.url = webAddress(url, 'url');
  const image = at.imageUrl >= 0 ? fields[at.imageUrl].trim() : '';
  if (image !== '') details.imageUrl = webAddress(image, 'image_url');
  return details;
}

/**
 * A year: a whole number (`1998`, or `1998.0` as spreadsheet exports write it), or for an `aired`
 * column the first year in a date or range of dates (`1998-04-03`, `Apr 3, 1998 to Apr 24, 1999`).
 */
function parseYear(text: string, inDate: boolean): number {
  const found = inDate ? /(?<!\d)\d{4}(?!\d)/.exec(text)?.[0] : text;
  const year = found === undefined ? Number.NaN : parseNumber(found);
  if (!Number.isInteger(year)) {
    throw new BadLine(`year "${shown(text)}" is not ${inDate ? 'a date with a year' : 'a whole number'}`);
  }
  if (year < YEARS.min || year > YEARS.max) {
    throw new BadLine(`year ${year} is outside ${YEARS.min}..${YEARS.max}`);
  }
  return year;
}

/** An episode count: a whole number from 0 to MAX_EPISODES (`12.0` as exports write it is 12). */
export function parseEpisodes(text: string): number {
  const episodes = parseNumber(text);
  if (Number.isNaN(episodes)) throw new BadLine(`episodes "${shown(text)}" is not a number`);
  if (!Number.isInteger(episodes) || episodes < 0 || episodes > MAX_EPISODES) {
    throw new BadLine(`episodes ${episodes} is not a whole number from 0 to ${MAX_EPISODES}`);
  }
  return episodes;
}

/**
 * An absolute http or https address, as the URL standard writes it. Other schemes (javascript:,
 * data:, file:…) would run or read something in the visitor's browser when a page links or shows them,
 * and an address with a user name or password is a phishing device: both are refused.
 */
function webAddress(text: string, column: string): string {
  if (text.length > MAX_URL) {
    throw new BadLine(`${column} has ${text.length} characters, more than ${MAX_URL}`);
  }
  let address: URL;
  try {
    address = new URL(text);
  } catch {
    throw new BadLine(`${column} "${shown(text)}" is not an absolute http(s) address`);
  }
  if (address.protocol !== 'http:' && address.protocol !== 'https:') {
    throw new BadLine(
      `${column} "${shown(text)}" is not an http(s) address (${address.protocol} is refused)`,
    );
  }
  if (address.username !== '' || address.password !== '') {
    throw new BadLine(`${column} "${shown(text)}" carries a user name or password`);
  }
  return address.href;
}

/** A value as an error message quotes it: the first 60 characters. */
function shown(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
