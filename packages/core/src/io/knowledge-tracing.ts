import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { IdMap } from '../data/id-map.js';
import { InteractionsBuilder } from '../data/interactions.js';
import type { ReadOptions } from './delimited.js';
import { detectSeparator, parseNumber, type Separator, splitFields } from './fields.js';
import { assertDirectory, BadLine, readLines } from './line-reader.js';

/**
 * Knowledge-tracing data: learners answering questions right (1) or wrong (0), in the order they
 * answered. The rows become a Dataset whose `ratings` hold the 0/1 outcomes and whose `skills` say which
 * skill each answer practised; the counters of the `pfa` and `ktm` feature sets are read from that order.
 */

export interface KnowledgeTracingOptions extends ReadOptions {
  /** The skills' id map, shared by a test file with its training file. */
  skills?: IdMap;
}

/** Header names of each column, lower case. */
const COLUMN_NAMES = {
  user: ['user_id', 'user', 'student_id', 'student', 'learner'],
  item: ['item_id', 'item', 'problem_id', 'problem', 'question_id', 'question'],
  skill: ['skill_id', 'skill', 'kc', 'skill_name'],
  correct: ['correct', 'outcome', 'answer'],
  time: ['time', 'timestamp', 'order_id', 'start_time'],
} as const;
type ColumnName = keyof typeof COLUMN_NAMES;

interface KtLayout {
  sep: Separator;
  fields: number;
  header: boolean;
  user: number;
  item: number;
  skill: number | undefined;
  correct: number;
  time: number | undefined;
}

/**
 * Reads a `user,item,skill,correct[,time]` file (`kt:<file>`). A first line that names a known column is
 * a header, and it may name the columns in any order (user_id, item_id, skill_id, correct, time and their usual variants; skill and time optional);
 * without one the columns are user,item,correct (3 fields), user,item,skill,correct (4) or
 * user,item,skill,correct,time (5). Outcomes must be 0 or 1; an empty skill means none. With a time
 * column the rows are put in time order (ties keep the file's order); without one the file's order is
 * the order of the attempts.
 */
export async function readKnowledgeTracing(
  file: string,
  options: KnowledgeTracingOptions = {},
): Promise<Dataset> {
  const skills = options.skills ?? new IdMap();
  const users: string[] = [];
  const items: string[] = [];
  const rowSkills: number[] = [];
  const outcomes: number[] = [];
  const times: number[] = [];
  let layout: KtLayout | undefined;
  const skipped = await readLines(
    file,
    (line) => {
      if (layout === undefined) {
        layout = ktLayout(line);
        if (layout.header) return;
      }
      const fields = splitFields(line, layout.sep);
      if (fields.length !== layout.fields) {
        throw new BadLine(`expected ${layout.fields} fields, found ${fields.length}`);
      }
      const user = fields[layout.user].trim();
      const item = fields[layout.item].trim();
      if (user === '') throw new BadLine('the user is empty');
      if (item === '') throw new BadLine('the item is empty');
      const correct = parseNumber(fields[layout.correct].trim());
      if (correct !== 0 && correct !== 1) {
        throw new BadLine(`the outcome "${fields[layout.correct]}" is not 0 or 1`);
      }
      let time = times.length;
      if (layout.time !== undefined) {
        time = parseNumber(fields[layout.time].trim());
        if (Number.isNaN(time)) throw new BadLine(`the time "${fields[layout.time]}" is not a number`);
      }
      const skill = layout.skill === undefined ? '' : fields[layout.skill].trim();
      users.push(user);
      items.push(item);
      rowSkills.push(skill === '' ? -1 : skills.add(skill));
      outcomes.push(correct);
      times.push(time);
    },
    { skipBad: options.skipBad },
  );
  if (users.length === 0) throw new Error(`${file}: no answers (user,item,skill,correct rows) found`);
  const order = Array.from(users, (_, t) => t);
  if (layout?.time !== undefined) order.sort((a, b) => times[a] - times[b] || a - b);
  const builder = new InteractionsBuilder(options.users, options.items);
  const skill = new Int32Array(order.length);
  order.forEach((t, row) => {
    builder.add(users[t], items[t], outcomes[t], layout?.time === undefined ? undefined : times[t]);
    skill[row] = rowSkills[t];
  });
  return knowledgeTracingDataset(file, builder, { ids: skills, skill }, skipped);
}

function ktLayout(line: string): KtLayout {
  const sep = detectSeparator(line);
  const fields = splitFields(line, sep).map((f) => f.trim());
  const names = fields.map((f) => f.toLowerCase());
  const known = Object.values(COLUMN_NAMES).flat() as string[];
  if (!names.some((name) => known.includes(name))) {
    if (fields.length < 3 || fields.length > 5) {
      throw new BadLine(
        `expected user,item,correct or user,item,skill,correct[,time] (3 to 5 fields), found ${fields.length}`,
      );
    }
    const withSkill = fields.length >= 4;
    return {
      sep,
      fields: fields.length,
      header: false,
      user: 0,
      item: 1,
      skill: withSkill ? 2 : undefined,
      correct: withSkill ? 3 : 2,
      time: fields.length === 5 ? 4 : undefined,
    };
  }
  const find = (column: ColumnName): number | undefined => {
    const at = names.findIndex((name) => (COLUMN_NAMES[column] as readonly string[]).includes(name));
    return at < 0 ? undefined : at;
  };
  const required = (column: ColumnName): number => {
    const at = find(column);
    if (at === undefined) {
      throw new BadLine(
        `the header names no ${column} column (one of ${COLUMN_NAMES[column].join(', ')}); it has ${fields.join(', ')}`,
      );
    }
    return at;
  };
  return {
    sep,
    fields: fields.length,
    header: true,
    user: required('user'),
    item: required('item'),
    skill: find('skill'),
    correct: required('correct'),
    time: find('time'),
  };
}

/**
 * Reads a folder in the DKVMN format (`dkvmn:<dir>`, as Zhang et al. 2017 shipped ASSISTments): files
 * ending in `train.csv` and `test.csv`, three lines per learner — the number of answers, the skills
 * answered (comma-separated) and the outcomes (comma-separated 0/1). There are no question ids: the skill
 * is the item. Learners are numbered per file (`train:1`, `test:1`, …): the two files hold different
 * learners. Returns the training Dataset with the test one in `test`.
 */
export async function readDkvmn(dir: string, options: ReadOptions = {}): Promise<Dataset> {
  await assertDirectory(dir);
  const names = await readdir(dir);
  const pick = (suffix: string): string => {
    const found = names.filter((name) => name.endsWith(suffix));
    if (found.length !== 1) {
      throw new Error(
        `${dir}: expected one file ending in "${suffix}" (DKVMN train/test files), found ${found.length ? found.join(', ') : 'none'}`,
      );
    }
    return join(dir, found[0]);
  };
  const trainFile = pick('train.csv');
  const testFile = pick('test.csv');
  const skills = new IdMap();
  const maps = { users: options.users ?? new IdMap(), items: options.items ?? new IdMap(), skills };
  const train = await readDkvmnFile(trainFile, 'train', maps, options.skipBad);
  const test = await readDkvmnFile(testFile, 'test', maps, options.skipBad);
  train.test = test;
  train.skipped += test.skipped;
  return train;
}

async function readDkvmnFile(
  file: string,
  prefix: string,
  maps: { users: IdMap; items: IdMap; skills: IdMap },
  skipBad = false,
): Promise<Dataset> {
  const builder = new InteractionsBuilder(maps.users, maps.items);
  const rowSkills: number[] = [];
  let part = 0;
  let expected = 0;
  let learner = 0;
  let learnerSkills: string[] = [];
  let bad = false;
  const skipped = await readLines(
    file,
    (line) => {
      const at = part;
      part = (part + 1) % 3;
      if (at === 0) {
        learner++;
        bad = true;
        expected = Number(line.trim());
        if (!Number.isInteger(expected) || expected < 0) {
          throw new BadLine(`expected the number of answers of learner ${learner}, found "${line.trim()}"`);
        }
        bad = false;
        return;
      }
      if (bad) return;
      const values = line.split(',').map((v) => v.trim());
      if (values[values.length - 1] === '') values.pop();
      bad = true;
      if (values.length !== expected) {
        throw new BadLine(`learner ${learner} has ${expected} answers, this line lists ${values.length}`);
      }
      if (at === 1) {
        if (values.some((v) => v === '')) throw new BadLine(`learner ${learner} has an empty skill`);
        learnerSkills = values;
        bad = false;
        return;
      }
      const outcomes = values.map(Number);
      const wrong = outcomes.findIndex((y) => y !== 0 && y !== 1);
      if (wrong >= 0) throw new BadLine(`outcome "${values[wrong]}" of learner ${learner} is not 0 or 1`);
      const user = `${prefix}:${learner}`;
      outcomes.forEach((y, t) => {
        builder.add(user, learnerSkills[t], y);
        rowSkills.push(maps.skills.add(learnerSkills[t]));
      });
      bad = false;
    },
    { skipBad },
  );
  if (part !== 0) {
    throw new Error(`${file}: ends inside learner ${learner}'s three lines (count, skills, outcomes)`);
  }
  return knowledgeTracingDataset(
    file,
    builder,
    { ids: maps.skills, skill: Int32Array.from(rowSkills) },
    skipped,
  );
}

function knowledgeTracingDataset(
  source: string,
  builder: InteractionsBuilder,
  skills: { ids: IdMap; skill: Int32Array },
  skipped: number,
): Dataset {
  return {
    kind: 'kt',
    source,
    ratings: builder.build(),
    items: new Map(),
    skills,
    scale: { min: 0, max: 1 },
    skipped,
  };
}
