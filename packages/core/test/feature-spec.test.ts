import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import type { FeatureMatrix } from '../src/data/feature-matrix.js';
import { FeatureEncoder, formatFeatureTerm, parseFeatureSpec } from '../src/data/feature-spec.js';
import { IdMap } from '../src/data/id-map.js';
import { InteractionsBuilder } from '../src/data/interactions.js';
import { featureFolds } from '../src/eval/evaluate-features.js';
import { kfold } from '../src/eval/splits.js';

/** Row r as {field name: {feature within the field: value}}. */
function row(m: FeatureMatrix, r: number): Record<string, Record<number, number>> {
  const out: Record<string, Record<number, number>> = {};
  for (let e = m.indptr[r]; e < m.indptr[r + 1]; e++) {
    const field = m.fields.find((f) => m.indices[e] >= f.offset && m.indices[e] < f.offset + f.size);
    if (!field) throw new Error('a feature outside the fields');
    out[field.name] ??= {};
    out[field.name][m.indices[e] - field.offset] = m.values[e];
  }
  return out;
}

/** Two learners answering two skills; u1: add ✓, add ✗, add ✓, sub ✗; u2: add ✓. */
function answers(): Dataset {
  const builder = new InteractionsBuilder();
  const skills = new IdMap();
  const skill: number[] = [];
  for (const [user, item, s, y] of [
    ['u1', 'q1', 'add', 1],
    ['u1', 'q2', 'add', 0],
    ['u2', 'q1', 'add', 1],
    ['u1', 'q3', 'add', 1],
    ['u1', 'q4', 'sub', 0],
  ] as const) {
    builder.add(user, item, y);
    skill.push(skills.add(s));
  }
  return {
    kind: 'kt',
    source: 'test',
    ratings: builder.build(),
    items: new Map([
      ['q1', { type: 'TV', episodes: 12, genres: ['a', 'b'] }],
      ['q2', { type: 'OVA', episodes: 1 }],
    ]),
    tags: new Map([['q1', [{ tag: 'x', weight: 0.5 }]]]),
    skills: { ids: skills, skill: Int32Array.from(skill) },
    scale: { min: 0, max: 1 },
    skipped: 0,
  };
}

describe('feature specs', () => {
  it('expands the named sets and parses terms', () => {
    expect(parseFeatureSpec('ktm').map(formatFeatureTerm)).toEqual([
      'item',
      'skill',
      'wins:log',
      'fails:log',
    ]);
    expect(parseFeatureSpec('skill, wins:log,fails:log').map(formatFeatureTerm)).toEqual([
      'skill',
      'wins:log',
      'fails:log',
    ]);
    expect(parseFeatureSpec('user, item, cat:type, num:episodes')).toEqual([
      { kind: 'user' },
      { kind: 'item' },
      { kind: 'cat', column: 'type' },
      { kind: 'num', column: 'episodes' },
    ]);
  });

  it('rejects unknown, repeated and empty terms, saying what is accepted', () => {
    expect(() => parseFeatureSpec('user,colour')).toThrow(
      /unknown term "colour"; expected irt \| pfa \| ktm/,
    );
    expect(() => parseFeatureSpec('user,user')).toThrow(/"user" is given twice/);
    expect(() => parseFeatureSpec('user,')).toThrow(/an empty term/);
    expect(() => parseFeatureSpec('cat:')).toThrow(/names no column/);
    expect(() => parseFeatureSpec('log:x')).toThrow(/unknown term "log:x"/);
  });

  it('counts wins and fails per learner and skill before each answer (PFA, KTM)', () => {
    const data = answers();
    const m = FeatureEncoder.forData('user,skill,wins,fails', data).encode(data.ratings, data.skills?.skill);
    expect(m.fields.map((f) => [f.name, f.size])).toEqual([
      ['user', 2],
      ['skill', 2],
      ['wins', 2],
      ['fails', 2],
    ]);
    expect(row(m, 0)).toEqual({ user: { 0: 1 }, skill: { 0: 1 } });
    expect(row(m, 1)).toEqual({ user: { 0: 1 }, skill: { 0: 1 }, wins: { 0: 1 } });
    expect(row(m, 2)).toEqual({ user: { 1: 1 }, skill: { 0: 1 } });
    expect(row(m, 3)).toEqual({ user: { 0: 1 }, skill: { 0: 1 }, wins: { 0: 1 }, fails: { 0: 1 } });
    expect(row(m, 4)).toEqual({ user: { 0: 1 }, skill: { 1: 1 } });
    expect(Array.from(m.target)).toEqual([1, 0, 1, 1, 0]);
    const logs = FeatureEncoder.forData('wins:log,fails:log', data).encode(data.ratings, data.skills?.skill);
    expect(row(logs, 3)).toEqual({
      wins: { 0: Math.fround(Math.log(2)) },
      fails: { 0: Math.fround(Math.log(2)) },
    });
  });

  it('encodes tags, categories (multi-hot for lists) and standardized numbers of the item', () => {
    const data = answers();
    const m = FeatureEncoder.forData('tags,cat:type,cat:genres,num:episodes', data).encode(data.ratings);
    expect(row(m, 0)).toEqual({
      tags: { 0: 0.5 },
      type: { 1: 1 },
      genres: { 0: 1, 1: 1 },
      episodes: { 0: 1 },
    });
    expect(row(m, 1)).toEqual({ type: { 0: 1 }, episodes: { 0: -1 } });
    expect(row(m, 3)).toEqual({});
  });

  it('says what is missing: skills on rating data, an unknown item column', () => {
    const data = answers();
    expect(() => FeatureEncoder.forData('cat:studio', data)).toThrow(
      /feature column "studio": no item has it \(item columns: type, episodes, genres\)/,
    );
    const plain = { ...data, skills: undefined };
    expect(() => FeatureEncoder.forData('pfa', plain)).toThrow(
      /needs a skill for each row: use kt: or dkvmn:/,
    );
  });

  it('random folds select rows of the data encoded once, so test rows keep their history', () => {
    const data = answers();
    const encoder = FeatureEncoder.forData('ktm', data);
    const whole = encoder.encode(data.ratings, data.skills?.skill);
    const folds = featureFolds(kfold(data.ratings, 2, 3), data, encoder);
    const split = kfold(data.ratings, 2, 3)[0];
    const test = folds[0].test;
    split.testPositions.forEach((p, r) => {
      expect(row(test, r)).toEqual(row(whole, p));
    });
    expect(folds[0].train.rows + test.rows).toBe(5);
  });
});
