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

/** A work the user had already rated with another choice than the export's. */
export interface MalConflict {
  work: string;
  title: string;
  /** The user's rating before this import. */
  current: Choice;
  /** The export's choice. */
  exported: Choice;
  /** Whether the export's choice replaced the user's (asked for); otherwise the user's stays. */
  replaced: boolean;
}

export interface MalImportResult {
  /** Entries with a choice that were found in the catalogue. */
  matched: number;
  /** Entries with a choice that were not found (by id, then by title). */
  unmatched: { id: string; title: string }[];
  /** Entries that give no choice (watching or on hold without a score, unknown status). */
  skipped: number;
  /** Works the user had not rated, now rated with the export's choice. */
  added: number;
  /** Works the user had already rated with the export's choice. */
  unchanged: number;
  /** Works the user had already rated with another choice, in the export's order. */
  conflicts: MalConflict[];
  /** Ratings written: the added ones and the replaced conflicts (a work named twice counts once). */
  imported: number;
}

/**
 * The export is not well-formed XML or not a MyAnimeList export (400), or too large to import (413): a
 * client error either way.
 */
export class MalFormatError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
    this.name = 'MalFormatError';
  }
}

/** Entries one import takes: more anime than MyAnimeList lists, so only a crafted file has more. */
export const MAL_MAX_ENTRIES = 30_000;

/** The numeric codes older exports use for my_status. */
const STATUS_CODES: Record<string, string> = {
  '1': 'watching',
  '2': 'completed',
  '3': 'on-hold',
  '4': 'dropped',
  '6': 'plan to watch',
};

/** A score of 1..10 as a choice: 9–10 favorite, 7–8 like, 5–6 neutral, 1–4 dislike. */
function choiceOfScore(score: number): Choice {
  if (score >= 9) return 'favorite';
  if (score >= 7) return 'like';
  if (score >= 5) return 'neutral';
  return 'dislike';
}

/**
 * The choice an exported entry maps to: completed by its score (no score: neutral); dropped →
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
 * for malformed XML (with the line and column), for XML that is not such an export and for more than
 * MAL_MAX_ENTRIES entries. Synchronous: the service runs it in a worker thread (mal-parse.ts).
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
  if (animes.length > MAL_MAX_ENTRIES) {
    throw new MalFormatError(
      `the export has ${animes.length} entries: at most ${MAL_MAX_ENTRIES} are imported at once`,
      413,
    );
  }
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

export interface MalImportOptions {
  /**
   * Whether the export's choice replaces the user's where they differ (`work`: a work id); by default
   * the user's rating stays and the work is only reported as a conflict.
   */
  takeExport?: (work: string) => boolean;
}

/**
 * Imports a parsed export as the user's ratings, in one transaction. Entries are matched to anime works
 * by MyAnimeList id, then by title (ignoring case and accents); later entries of the same work win. Works
 * the user had not rated are added; a rating already there is never overwritten unless `takeExport`
 * says so for its work: the result reports every such conflict.
 */
export async function importMal(
  db: Db,
  userId: number,
  entries: readonly MalEntry[],
  options: MalImportOptions = {},
): Promise<MalImportResult> {
  const takeExport = options.takeExport ?? (() => false);
  const wanted: { entry: MalEntry; choice: Choice }[] = [];
  let skipped = 0;
  for (const entry of entries) {
    const choice = malChoice(entry.status, entry.score);
    if (choice === undefined || (entry.id === '' && entry.title === '')) skipped++;
    else wanted.push({ entry, choice });
  }

  const byId = new Set<string>();
  /** Titles of the matched works, by work id. */
  const titles = new Map<string, string>();
  for (const ids of chunks([...new Set(wanted.map((w) => w.entry.id).filter((id) => id !== ''))])) {
    const rows = await db
      .selectFrom('works')
      .select(['id', 'title'])
      .where('category', '=', 'anime')
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) {
      byId.add(row.id);
      titles.set(row.id, row.title);
    }
  }
  const keys = [
    ...new Set(wanted.filter((w) => !byId.has(w.entry.id)).map((w) => searchKey(w.entry.title))),
  ].filter((key) => key !== '');
  const byTitle = new Map<string, string>();
  for (const part of chunks(keys)) {
    const rows = await db
      .selectFrom('works')
      .select(['id', 'title', 'title_search'])
      .where('category', '=', 'anime')
      .where('title_search', 'in', part)
      .orderBy('id')
      .execute();
    // Two works with one title: the first by id, so that a re-import gives the same result.
    for (const row of rows) {
      if (byTitle.has(row.title_search)) continue;
      byTitle.set(row.title_search, row.id);
      titles.set(row.id, row.title);
    }
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

  return db.transaction().execute(async (trx) => {
    const current = new Map<string, Choice>();
    for (const part of chunks([...choices.keys()])) {
      const rows = await trx
        .selectFrom('ratings')
        .select(['work_id', 'choice'])
        .where('user_id', '=', userId)
        .where('work_id', 'in', part)
        .execute();
      // Every write checks the choice, so what is stored is one.
      for (const row of rows) current.set(row.work_id, row.choice as Choice);
    }
    const added: { work: string; choice: Choice }[] = [];
    const replacing: { work: string; choice: Choice }[] = [];
    const conflicts: MalConflict[] = [];
    let unchanged = 0;
    for (const [work, choice] of choices) {
      const before = current.get(work);
      if (before === undefined) added.push({ work, choice });
      else if (before === choice) unchanged++;
      else {
        const replaced = takeExport(work);
        if (replaced) replacing.push({ work, choice });
        conflicts.push({
          work,
          title: titles.get(work) ?? work,
          current: before,
          exported: choice,
          replaced,
        });
      }
    }
    // Keeping what is there also covers a rating made while this import ran.
    await upsertRatings(trx, userId, added, { keepExisting: true });
    await upsertRatings(trx, userId, replacing);
    return {
      matched,
      unmatched,
      skipped,
      added: added.length,
      unchanged,
      conflicts,
      imported: added.length + replacing.length,
    };
  });
}
