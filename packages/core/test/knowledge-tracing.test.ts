import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/io/data-error.js';
import { readDataSpec } from '../src/io/data-spec.js';
import { readDkvmn, readKnowledgeTracing } from '../src/io/knowledge-tracing.js';
import { useFixtures } from './io-fixtures.js';

const fixtures = useFixtures();

describe('readKnowledgeTracing (kt:)', () => {
  it('reads named columns in any order, skills per row, and puts rows in time order', async () => {
    const dir = fixtures({
      'a.csv': 'correct,skill_id,user_id,item_id,timestamp\n1,add,u1,q1,30\n0,sub,u1,q2,10\n1,,u2,q1,20\n',
    });
    const data = await readKnowledgeTracing(`${dir}/a.csv`);
    const { ratings, skills } = data;
    const rows = Array.from({ length: ratings.length }, (_, t) => [
      ratings.users.idAt(ratings.user[t]),
      ratings.items.idAt(ratings.item[t]),
      skills && skills.skill[t] >= 0 ? skills.ids.idAt(skills.skill[t]) : '',
      ratings.value[t],
    ]);
    expect(rows).toEqual([
      ['u1', 'q2', 'sub', 0],
      ['u2', 'q1', '', 1],
      ['u1', 'q1', 'add', 1],
    ]);
    expect(data.kind).toBe('kt');
    expect(data.scale).toEqual({ min: 0, max: 1 });
  });

  it('reads headerless user,item,correct and user,item,skill,correct files in file order', async () => {
    const dir = fixtures({ 'three.csv': '1,7,1\n1,8,0\n', 'four.csv': '1,7,s,1\n2,7,s,0\n' });
    const three = await readKnowledgeTracing(`${dir}/three.csv`);
    expect(Array.from(three.ratings.value)).toEqual([1, 0]);
    expect(Array.from(three.skills?.skill ?? [])).toEqual([-1, -1]);
    const four = await readDataSpec(`kt:${dir}/four.csv`);
    expect(four.skills?.ids.size).toBe(1);
    expect(four.source).toBe(`kt:${dir}/four.csv`);
  });

  it('names the file and line of an outcome that is not 0 or 1, and skips it with skipBad', async () => {
    const dir = fixtures({ 'bad.csv': 'user_id,item_id,correct\n1,1,1\n1,2,0.5\n2,1,0\n' });
    const error = await readKnowledgeTracing(`${dir}/bad.csv`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toBe(`${dir}/bad.csv:3: the outcome "0.5" is not 0 or 1`);
    const skipped = await readKnowledgeTracing(`${dir}/bad.csv`, { skipBad: true });
    expect(skipped.skipped).toBe(1);
    expect(skipped.ratings.length).toBe(2);
  });

  it('says which column a header lacks', async () => {
    const dir = fixtures({ 'h.csv': 'learner,question,score\n1,1,1\n' });
    await expect(readKnowledgeTracing(`${dir}/h.csv`)).rejects.toThrow(
      /h\.csv:1: the header names no correct column/,
    );
  });
});

describe('readDkvmn (dkvmn:)', () => {
  const train = '3\n5,5,9\n1,0,1\n2\n9,5\n0,0\n';
  const test = '1\n5\n1\n';

  it('reads three lines per learner, the skill as the item, and ships the test file beside', async () => {
    const dir = fixtures({ 'x_train.csv': train, 'x_test.csv': test });
    const data = await readDataSpec(`dkvmn:${dir}`);
    expect(data.ratings.length).toBe(5);
    expect(data.ratings.users.idAt(data.ratings.user[3])).toBe('train:2');
    expect(Array.from(data.ratings.value)).toEqual([1, 0, 1, 0, 0]);
    expect(data.ratings.items.idAt(data.ratings.item[2])).toBe('9');
    expect(data.skills?.ids.idAt(data.skills.skill[2])).toBe('9');
    expect(data.test?.ratings.length).toBe(1);
    expect(data.test?.ratings.users.idAt(data.test.ratings.user[0])).toBe('test:1');
    expect(data.test?.skills?.ids).toBe(data.skills?.ids);
  });

  it('names the line whose length disagrees with the count, and a file cut inside a learner', async () => {
    const dir = fixtures({ 'y_train.csv': '3\n5,5\n1,0,1\n', 'y_test.csv': test });
    await expect(readDkvmn(dir)).rejects.toThrow(
      `${dir}/y_train.csv:2: learner 1 has 3 answers, this line lists 2`,
    );
    const cut = fixtures({ 'z_train.csv': '1\n5\n', 'z_test.csv': test });
    await expect(readDkvmn(cut)).rejects.toThrow(/ends inside learner 1/);
    const missing = fixtures({ 'only_train.csv': train });
    await expect(readDkvmn(missing)).rejects.toThrow(/one file ending in "test.csv"/);
  });
});
