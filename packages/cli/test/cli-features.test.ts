import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner, type Json } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-cli-features-'));
const answers = join(dir, 'answers.csv');
const dkvmn = join(dir, 'dkvmn');
const ratings = join(dir, 'ratings.csv');

const { run, json } = cliRunner(dir);

beforeAll(() => {
  // 80 learners answer 16 questions (4 skills) with P(right) = σ(ability − difficulty), in a random order.
  const rng = new Rng(5);
  const ability = Array.from({ length: 80 }, () => 1.5 * rng.normal());
  const difficulty = Array.from({ length: 16 }, () => 1.5 * rng.normal());
  const lines = ['user_id,item_id,skill_id,correct'];
  const sequences: string[] = [];
  for (let u = 0; u < 80; u++) {
    const skills: number[] = [];
    const outcomes: number[] = [];
    for (const i of rng.permutation(16)) {
      const y = rng.uniform() < 1 / (1 + Math.exp(difficulty[i] - ability[u])) ? 1 : 0;
      lines.push(`learner${u},q${i},s${i % 4},${y}`);
      skills.push(i % 4);
      outcomes.push(y);
    }
    sequences.push(`${skills.length}\n${skills.join(',')}\n${outcomes.join(',')}`);
  }
  writeFileSync(answers, `${lines.join('\n')}\n`);
  mkdirSync(dkvmn);
  writeFileSync(join(dkvmn, 'toy_train.csv'), `${sequences.slice(0, 60).join('\n')}\n`);
  writeFileSync(join(dkvmn, 'toy_test.csv'), `${sequences.slice(60).join('\n')}\n`);
  writeFileSync(ratings, 'user,item,rating\na,x,4\nb,x,2\na,y,5\nb,y,1\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('osusume import on answers', () => {
  it('counts the users and answers of each DKVMN file apart, and says answers', async () => {
    const out = await json(['import', '--data', `dkvmn:${dkvmn}`]);
    // 60 learners in the training file, 20 others in the test file, 16 answers each, on 4 skills.
    expect(out).toMatchObject({ rows: 'answers', users: 60, items: 4, ratings: 60 * 16 });
    expect(out.test).toEqual({ users: 20, items: 4, ratings: 20 * 16 });
    expect(out.density).toBeCloseTo((60 * 16) / (60 * 4), 12);
    const text = await run(['import', '--data', `dkvmn:${dkvmn}`]);
    expect(text.stdout).toContain('960 answers by 60 users on 4 items');
    expect(text.stdout).toContain('test file: 320 answers by 20 other users on 4 items');
  });
});

describe('osusume eval on binary outcomes', () => {
  it('fits IRT on kt: data by k-fold and reports AUC, log-loss and accuracy per fold and in mean', async () => {
    const out = await json(['eval', '--data', `kt:${answers}`, '--model', 'irt', '--protocol', 'kfold:4']);
    expect(out).toMatchObject({ model: 'irt', task: 'binary', features: 'user,item', protocol: 'kfold:4' });
    expect(out.params).toMatchObject({ pl: 1 });
    expect(out.folds).toHaveLength(4);
    for (const fold of out.folds)
      expect(Object.keys(fold)).toEqual(expect.arrayContaining(['auc', 'logloss', 'accuracy']));
    // The planted model's abilities and difficulties spread widely: IRT ranks answers far better than chance.
    expect(out.mean.auc).toBeGreaterThan(0.75);
    expect(out.mean.logloss).toBeLessThan(0.6);
  });

  it('runs the knowledge-tracing feature sets on a DKVMN folder with its own test file', async () => {
    const pfa = await json(['eval', '--data', `dkvmn:${dkvmn}`, '--model', 'lr', '--features', 'pfa']);
    expect(pfa).toMatchObject({ protocol: 'given', features: 'skill,wins,fails' });
    expect(pfa.folds).toHaveLength(1);
    expect(pfa.mean.auc).toBeGreaterThan(0.5);
  });

  it('compares feature models on the same folds, with AUC columns', async () => {
    const out = join(dir, 'compare');
    const table = await json([
      'compare',
      '--data',
      `kt:${answers}`,
      '--models',
      'lr,irt,elo',
      '--protocol',
      'kfold:3',
      '--out',
      out,
    ]);
    expect(table.models.map((m: Json) => m.model)).toEqual(['lr', 'irt', 'elo']);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/\|\s+AUC\s+\|/);
  });

  it('says what is wrong with a task, a feature spec or outcomes that are not 0/1', async () => {
    const wrongModel = await run(['eval', '--data', `csv:${ratings}`, '--model', 'als', '--task', 'binary']);
    expect(wrongModel.code).not.toBe(0);
    expect(wrongModel.stderr).toMatch(/--task and --features are for the models on feature rows/);
    const badSpec = await run([
      'eval',
      '--data',
      `kt:${answers}`,
      '--model',
      'lr',
      '--features',
      'user,colour',
    ]);
    expect(badSpec.stderr).toMatch(/unknown term "colour"/);
    const noSkills = await run(['eval', '--data', `csv:${ratings}`, '--model', 'lr', '--features', 'pfa']);
    expect(noSkills.stderr).toMatch(/needs a skill for each row/);
    const noGenres = await run([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'fm',
      '--features',
      'user,item,cat:genres',
    ]);
    expect(noGenres.stderr).toMatch(
      /feature column "genres": no item has it .*--tags <file>.* the feature "tags"/,
    );
    const notBinary = await run([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'lr',
      '--task',
      'binary',
      '--protocol',
      'kfold:2',
    ]);
    expect(notBinary.stderr).toMatch(/a binary task needs 0\/1 outcomes/);
    const badTask = await run(['eval', '--data', `kt:${answers}`, '--model', 'lr', '--task', 'ranking']);
    expect(badTask.stderr).toMatch(/--task must be regression or binary/);
  });
});
