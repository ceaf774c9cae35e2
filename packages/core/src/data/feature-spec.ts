import type { Dataset } from './dataset.js';
import { type FeatureField, type FeatureMatrix, FeatureMatrixBuilder } from './feature-matrix.js';
import type { Interactions } from './interactions.js';

/**
 * Which columns of a data set become which features (docs/design.md): a list of terms and feature set names,
 * separated by commas or by `+` (for settings whose own syntax splits on commas: `fm:features=irt+tags`). The same spec, laid out once over a data set, encodes its training rows, its test
 * rows and a live request alike.
 *
 *   user, item       one-hot learner/user and question/item
 *   skill            one-hot skill of the row (knowledge-tracing data)
 *   wins, fails      per skill: how many times this user answered this skill right (wrong) before this row
 *   wins:log, …      the same as log(1 + count): counts grow into the hundreds, which factor models
 *                    (whose pairwise terms multiply them) and SGD steps handle badly
 *   tags             the item's weighted tags (a tags file, or the anime data's genres)
 *   cat:<column>     an item metadata column as categories, multi-hot for lists (cat:type, cat:genres)
 *   num:<column>     an item metadata column as a standardized number (num:episodes); 0 when missing
 */
export type FeatureTerm =
  | { kind: 'user' | 'item' | 'skill' | 'tags' }
  | { kind: 'wins' | 'fails'; log: boolean }
  | { kind: 'cat' | 'num'; column: string };

/**
 * Named feature sets: IRT (users + items), PFA (skills + wins + fails, its raw counts as Pavlik et al.
 * define it) and KTM (items + skills + wins + fails). KTM's counters are log(1 + count): a factorization
 * machine multiplies them pairwise, and with raw counts FM fell to AUC 0.699 on ASSISTments 2009 against
 * 0.715 with the logs (docs/models.md).
 */
export const FEATURE_SETS: Readonly<Record<string, string>> = {
  irt: 'user,item',
  pfa: 'skill,wins,fails',
  ktm: 'item,skill,wins:log,fails:log',
};

const PLAIN_TERMS = ['user', 'item', 'skill', 'wins', 'fails', 'tags'] as const;

export const FEATURES_SYNTAX = `${Object.keys(FEATURE_SETS).join(' | ')} | a list of ${PLAIN_TERMS.join(', ')}, wins:log, fails:log, cat:<column>, num:<column>`;

/** Parses a list of terms and feature set names; throws saying what is accepted. */
export function parseFeatureSpec(text: string): FeatureTerm[] {
  const expanded = text
    .split(/[,+]/)
    .map((word) => FEATURE_SETS[word.trim()] ?? word)
    .join(',');
  const terms: FeatureTerm[] = [];
  const seen = new Set<string>();
  for (const raw of expanded.split(',')) {
    const word = raw.trim();
    const fail = (why: string): never => {
      throw new Error(`features "${text}": ${why}; expected ${FEATURES_SYNTAX}`);
    };
    if (word === '') fail('an empty term');
    if (seen.has(word)) fail(`"${word}" is given twice`);
    seen.add(word);
    if (word === 'wins:log' || word === 'fails:log') {
      terms.push({ kind: word === 'wins:log' ? 'wins' : 'fails', log: true });
      continue;
    }
    const colon = word.indexOf(':');
    if (colon >= 0) {
      const kind = word.slice(0, colon);
      const column = word.slice(colon + 1);
      if (kind !== 'cat' && kind !== 'num') fail(`unknown term "${word}"`);
      if (column === '') fail(`"${word}" names no column`);
      terms.push({ kind: kind as 'cat' | 'num', column });
      continue;
    }
    if (!(PLAIN_TERMS as readonly string[]).includes(word)) fail(`unknown term "${word}"`);
    if (word === 'wins' || word === 'fails') terms.push({ kind: word, log: false });
    else terms.push({ kind: word as 'user' | 'item' | 'skill' | 'tags' });
  }
  return terms;
}

/** A term as the spec writes it. */
export function formatFeatureTerm(term: FeatureTerm): string {
  if (term.kind === 'cat' || term.kind === 'num') return `${term.kind}:${term.column}`;
  if (term.kind === 'wins' || term.kind === 'fails') return term.log ? `${term.kind}:log` : term.kind;
  return term.kind;
}

/** The name of a term's field in the matrix: user, item, skill, wins, fails, tags, or the column's name. */
function fieldName(term: FeatureTerm): string {
  return term.kind === 'cat' || term.kind === 'num' ? term.column : term.kind;
}

/** Per item index: its features within one item-side field (tags, categories, a number). */
interface ItemColumn {
  features: number[][];
  values: number[][];
  /** The field's width: the categories, or 1 for a number. */
  size: number;
  /** What each of its features stands for: the category, or the column's name for a number. */
  labels: string[];
}

/**
 * A feature spec laid out over one data set: each term a field of the matrix, sized by what the data
 * holds (its users, items, skills, tag and category vocabularies; the test file's ids included, since
 * they share the id maps). `encode` then turns any rows of that data set into a FeatureMatrix.
 */
export class FeatureEncoder {
  readonly fields: readonly FeatureField[];
  readonly features: number;
  private readonly itemColumns = new Map<string, ItemColumn>();

  constructor(
    readonly terms: readonly FeatureTerm[],
    private readonly data: Dataset,
  ) {
    const fields: FeatureField[] = [];
    let offset = 0;
    for (const term of terms) {
      const size = this.fieldSize(term);
      fields.push({ name: fieldName(term), offset, size });
      offset += size;
    }
    this.fields = fields;
    this.features = offset;
  }

  static forData(spec: string, data: Dataset): FeatureEncoder {
    return new FeatureEncoder(parseFeatureSpec(spec), data);
  }

  /** Whether the spec counts earlier answers (wins, fails), which depend on the rows' order and history. */
  get usesHistory(): boolean {
    return this.terms.some((t) => t.kind === 'wins' || t.kind === 'fails');
  }

  /**
   * The rows of `ratings` (which share the data set's id maps) as a FeatureMatrix, targets their values.
   * `skills` gives each row's skill (needed by skill, wins and fails); the counters run over these rows in
   * their order, so pass a learner's whole history, not a random part of it. Ids beyond the layout (added
   * to the maps later) get no feature: the model treats them as unseen.
   */
  encode(ratings: Interactions, skills?: Int32Array): FeatureMatrix {
    const needsSkills = this.terms.some((t) => t.kind === 'skill' || t.kind === 'wins' || t.kind === 'fails');
    if (needsSkills && (!skills || skills.length !== ratings.length)) {
      throw new Error('features skill, wins and fails need a skill for each row (kt: or dkvmn: data)');
    }
    const skillCount = this.data.skills?.ids.size ?? 0;
    const wins = new Map<number, number>();
    const fails = new Map<number, number>();
    const builder = new FeatureMatrixBuilder();
    const features: number[] = [];
    const values: number[] = [];
    for (let t = 0; t < ratings.length; t++) {
      features.length = 0;
      values.length = 0;
      const user = ratings.user[t];
      const item = ratings.item[t];
      const skill = skills ? skills[t] : -1;
      const key = user * skillCount + skill;
      for (let f = 0; f < this.terms.length; f++) {
        const term = this.terms[f];
        const { offset, size } = this.fields[f];
        const add = (index: number, value: number) => {
          if (index >= 0 && index < size) {
            features.push(offset + index);
            values.push(value);
          }
        };
        if (term.kind === 'user') add(user, 1);
        else if (term.kind === 'item') add(item, 1);
        else if (term.kind === 'skill') add(skill, 1);
        else if (term.kind === 'wins' || term.kind === 'fails') {
          const count = (term.kind === 'wins' ? wins : fails).get(key) ?? 0;
          add(skill, term.log ? Math.log1p(count) : count);
        } else {
          const column = this.itemColumn(term);
          const list = column.features[item] ?? [];
          for (let e = 0; e < list.length; e++) add(list[e], column.values[item][e]);
        }
      }
      builder.add(features, values, ratings.value[t]);
      if (skill >= 0) {
        const counter = ratings.value[t] >= 0.5 ? wins : fails;
        counter.set(key, (counter.get(key) ?? 0) + 1);
      }
    }
    return builder.build(this.features, this.fields);
  }

  /**
   * What feature `feature` stands for, as explanations name it: a user or item id, a tag, a category
   * (`column:label`), a numeric column's name, or a skill's index.
   */
  featureLabel(feature: number): string {
    const f = this.fields.findIndex(
      (field) => feature >= field.offset && feature < field.offset + field.size,
    );
    if (f < 0) throw new Error(`feature ${feature} is beyond the ${this.features} features`);
    const term = this.terms[f];
    const index = feature - this.fields[f].offset;
    if (term.kind === 'user') return this.data.ratings.users.idAt(index);
    if (term.kind === 'item') return this.data.ratings.items.idAt(index);
    if (term.kind === 'tags' || term.kind === 'num') return this.itemColumn(term).labels[index];
    if (term.kind === 'cat') return `${term.column}:${this.itemColumn(term).labels[index]}`;
    return `${term.kind} ${index}`;
  }

  private fieldSize(term: FeatureTerm): number {
    switch (term.kind) {
      case 'user':
        return this.data.ratings.users.size;
      case 'item':
        return this.data.ratings.items.size;
      case 'skill':
      case 'wins':
      case 'fails':
        if (!this.data.skills) {
          throw new Error(`feature "${term.kind}" needs a skill for each row: use kt: or dkvmn: data`);
        }
        return this.data.skills.ids.size;
      case 'num':
        this.itemColumn(term);
        return 1;
      default:
        return this.itemColumn(term).size;
    }
  }

  /** The item-side column of a tags, cat or num term, computed once per item index. */
  private itemColumn(term: FeatureTerm): ItemColumn {
    const name = fieldName(term);
    const known = this.itemColumns.get(name);
    if (known) return known;
    const items = this.data.ratings.items;
    const ids = Array.from({ length: items.size }, (_, i) => items.idAt(i));
    let column: ItemColumn;
    if (term.kind === 'tags') {
      const tags = this.data.tags;
      if (!tags || tags.size === 0)
        throw new Error('feature "tags": the data has no item tags (use --tags <file>)');
      column = categorical(ids.map((id) => (tags.get(id) ?? []).map((t) => [t.tag, t.weight] as const)));
    } else if (term.kind === 'cat') {
      const lists = ids.map((id) => {
        const value = this.data.items.get(id)?.[term.column];
        const labels = Array.isArray(value)
          ? value
          : value === undefined || value === ''
            ? []
            : [String(value)];
        return labels.map((label) => [label, 1] as const);
      });
      if (lists.every((l) => l.length === 0)) throw missingColumn(term.column, this.data);
      column = categorical(lists);
    } else {
      column = standardized(
        name,
        ids.map((id) => this.data.items.get(id)?.[name]),
      );
      if (column.features.every((f) => f.length === 0)) throw missingColumn(name, this.data);
    }
    this.itemColumns.set(name, column);
    return column;
  }
}

function missingColumn(column: string, data: Dataset): Error {
  const names = new Set<string>();
  for (const info of data.items.values()) for (const key of Object.keys(info)) names.add(key);
  // Only some readers keep item columns (ml100k and anime have genres); any data takes labels from a tags file.
  return new Error(
    `feature column "${column}": no item has it (item columns: ${[...names].join(', ') || 'none'}); ` +
      'to give items labels, pass a tags file (--tags <file>, lines "item tag [weight]") and use the feature "tags"',
  );
}

/** Labels (with weights) per item → feature indices in the labels' sorted order. */
function categorical(lists: (readonly (readonly [string, number])[])[]): ItemColumn {
  const labels = [...new Set(lists.flatMap((list) => list.map(([label]) => label)))].sort();
  const index = new Map(labels.map((label, i) => [label, i]));
  return {
    features: lists.map((list) => list.map(([label]) => index.get(label) ?? 0)),
    values: lists.map((list) => list.map(([, weight]) => weight)),
    size: labels.length,
    labels,
  };
}

/** A numeric column as (x − mean) / sd over the items that have a number; the others get no feature. */
function standardized(column: string, raw: unknown[]): ItemColumn {
  const numbers = raw.map((x) =>
    typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : Number.NaN,
  );
  const present = numbers.filter((x) => Number.isFinite(x));
  const mean = present.reduce((a, b) => a + b, 0) / Math.max(1, present.length);
  const variance = present.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, present.length);
  const sd = Math.sqrt(variance) || 1;
  return {
    features: numbers.map((x) => (Number.isFinite(x) ? [0] : [])),
    values: numbers.map((x) => (Number.isFinite(x) ? [(x - mean) / sd] : [])),
    size: 1,
    labels: [column],
  };
}
