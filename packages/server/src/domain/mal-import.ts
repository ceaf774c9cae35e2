import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Db } from '../db/schema.js';
import type { Choice } from './choices.js';
import { upsertRatings } from './ratings.js';
import { searchKey } from './text.js';

/** One anime of a MyAnimeList export, as far as the import needs it. */
export interface MalEntry {
  /** series_animedb_id: the MyAnimeList id (the anime data set uses the same ids). */
  id: string;
  title: string;
  /** my_status as written (Completed, Watching, On-Hold, Dropped, Plan to Watch, or their numeric codes). */
  status: string;
  /** my_score, 0 when none. */
  score: number;
}

export interface MalImportResult {
  /** Entries with a choice that were found in the catalogue. */
  matched: number;
  /** Entries with a choice that were not found (by id, then by title). */
  unmatched: { id: string; title: string }[];
  /** Entries that give no choice (watching or on hold without a score, unknown status). */
  skipped: number;
  /** Ratings written (one per work: an export naming a work twice counts once). */
  imported: number;
}

/** The export is not well-formed XML, or not a MyAnimeList export: a client error. */
export class MalFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalFormatError';
  }
}

/** The numeric codes older exports use for my_status. */
const STATUS_CODES: Record<string, string> = {
  '1': 'watching',
  '2': 'completed',
  '3': 'on-hold',
  '4': 'dropped',
  '6': 'plan to watch',
};

/** A score of 1..10 as a choice (DESIGN §5: 7–10 like, 5–6 neutral, 1–4 dislike). */
function choiceOfScore(score: number): Choice {
  if (score >= 7) return 'like';
  if (score >= 5) return 'neutral';
  return 'dislike';
}

/**
 * The choice an exported entry maps to (DESIGN §5): completed by its score (no score: neutral); dropped →
 * wontsee; plan to watch → willsee; watching and on hold by their score when they have one, else none.
 */
export function malChoice(status: string, score: number): Choice | undefined {
  const normalized = STATUS_CODES[status.trim()] ?? status.trim().toLowerCase().replace(/\s+/g, ' ');
  const scored = Number.isInteger(score) && score >= 1 && score <= 10;
  switch (normalized) {
    case 'completed':
      return scored ? choiceOfScore(score) : 'neutral';
    case 'dropped':
      return 'wontsee';
    case 'plan to watch':
      return 'willsee';
    case 'watching':
    case 'on-hold':
    case 'on hold':
      return scored ? choiceOfScore(score) : undefined;
    default:
      return undefined;
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Ids and titles stay text ("007" stays "007"); scores are read below.
  parseTagValue: false,
  trimValues: true,
  isArray: (name, jPath) => name === 'anime' && jPath === 'myanimelist.anime',
});

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  // A tag holding both text and child tags: its text part.
  if (value && typeof value === 'object' && '#text' in value)
    return text((value as { '#text': unknown })['#text']);
  return '';
}

/**
 * Reads a MyAnimeList XML export (`<myanimelist><anime>…</anime>…</myanimelist>`). Throws MalFormatError
 * for malformed XML (with the line and column) and for XML that is not such an export.
 */
export function parseMalExport(xml: string): MalEntry[] {
  if (xml.trim() === '') throw new MalFormatError('the body is empty: send the XML file MyAnimeList exports');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new MalFormatError(`malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    throw new MalFormatError(`unreadable XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const root = (document as Record<string, unknown> | undefined)?.myanimelist;
  if (root === undefined) {
    throw new MalFormatError(
      'not a MyAnimeList export: expected a <myanimelist> root element with <anime> entries',
    );
  }
  const animes = root && typeof root === 'object' ? (root as { anime?: unknown }).anime : undefined;
  if (!Array.isArray(animes)) return [];
  const entries: MalEntry[] = [];
  for (const anime of animes) {
    if (!anime || typeof anime !== 'object') continue;
    const fields = anime as Record<string, unknown>;
    const score = Number.parseInt(text(fields.my_score), 10);
    entries.push({
      id: text(fields.series_animedb_id).trim(),
      title: text(fields.series_title).trim(),
      status: text(fields.my_status).trim(),
      score: Number.isFinite(score) ? score : 0,
    });
  }
  return entries;
}

/** Values per `in (…)` list. */
const CHUNK = 500;

function chunks<T>(values: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += CHUNK) result.push(values.slice(start, start + CHUNK));
  return result;
}

/**
 * Imports a parsed export as the user's ratings, in one transaction. Entries are matched to anime works
 * by MyAnimeList id, then by title (ignoring case and accents); an entry replaces the user's rating of
 * its work; later entries of the same work win.
 */
export async function importMal(
  db: Db,
  userId: number,
  entries: readonly MalEntry[],
): Promise<MalImportResult> {
  const wanted: { entry: MalEntry; choice: Choice }[] = [];
  let skipped = 0;
  for (const entry of entries) {
    const choice = malChoice(entry.status, entry.score);
    if (choice === undefined || (entry.id === '' && entry.title === '')) skipped++;
    else wanted.push({ entry, choice });
  }

  const byId = new Set<string>();
  for (const ids of chunks([...new Set(wanted.map((w) => w.entry.id).filter((id) => id !== ''))])) {
    const rows = await db
      .selectFrom('works')
      .select('id')
      .where('category', '=', 'anime')
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) byId.add(row.id);
  }
  const keys = [
    ...new Set(wanted.filter((w) => !byId.has(w.entry.id)).map((w) => searchKey(w.entry.title))),
  ].filter((key) => key !== '');
  const byTitle = new Map<string, string>();
  for (const part of chunks(keys)) {
    const rows = await db
      .selectFrom('works')
      .select(['id', 'title_search'])
      .where('category', '=', 'anime')
      .where('title_search', 'in', part)
      .orderBy('id')
      .execute();
    // Two works with one title: the first by id, so that a re-import gives the same result.
    for (const row of rows) if (!byTitle.has(row.title_search)) byTitle.set(row.title_search, row.id);
  }

  const choices = new Map<string, Choice>();
  const unmatched: { id: string; title: string }[] = [];
  let matched = 0;
  for (const { entry, choice } of wanted) {
    const work = byId.has(entry.id) ? entry.id : byTitle.get(searchKey(entry.title));
    if (work === undefined) {
      unmatched.push({ id: entry.id, title: entry.title });
      continue;
    }
    matched++;
    choices.delete(work);
    choices.set(work, choice);
  }
  const rows = [...choices].map(([work, choice]) => ({ work, choice }));
  if (rows.length > 0) await db.transaction().execute((trx) => upsertRatings(trx, userId, rows));
  return { matched, unmatched, skipped, imported: rows.length };
}
