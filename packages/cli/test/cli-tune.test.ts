import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-cli-tune-'));
const ratings = join(dir, 'ratings.csv');
const tuned = join(dir, 'tuned.json');

const { run, json } = cliRunner(dir);

beforeAll(() => {
  // 50 users × 30 items, a third rated: user and item offsets plus a rank-1 taste, rounded to 1..5.
  const rng = new Rng(23);
  const user = Array.from({ length: 50 }, () => [rng.normal(), rng.normal()]);
  const item = Array.from({ length: 30 }, () => [rng.normal(), rng.normal()]);
  const lines = ['user,item,rating'];
  for (let u = 0; u < 50; u++) {
    for (let i = 0; i < 30; i++) {
      if (rng.uniform() > 1 / 3) continue;
      const r = 3 + 0.5 * user[u][0] + 0.5 * item[i][0] + user[u][1] * item[i][1] + 0.3 * rng.normal();
      lines.push(`u${u},i${i},${Math.min(5, Math.max(1, Math.round(r)))}`);
    }
  }
  writeFileSync(ratings, `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = () => ['--data', `csv:${ratings}`, '--protocol', 'holdout:0.2', '--threads', '1'];

describe('osusume tune', () => {
  it('writes the best parameters to a file that eval --params-file reads, --param overriding it', async () => {
    const out = await json([
      'tune',
      ...data(),
      '--model',
      'als',
      '--trials',
      '5',
      '--param',
      'epochs=5',
      '--out',
      tuned,
    ]);
    expect(out.model).toBe('als');
    expect(out.trials).toHaveLength(5);
    expect(out.cvFolds).toBe(5);
    for (const key of ['cv', 'heldOut', 'seconds']) expect(out[key]).toBeTypeOf('number');
    expect(out.default.heldOut).toBeTypeOf('number');
    // --param holds a parameter fixed: every trial used it.
    for (const trial of out.trials) expect(trial.params.epochs).toBe(5);
    const file = JSON.parse(readFileSync(tuned, 'utf8'));
    expect(file.params).toEqual(out.params);
    expect(file.heldOut).toBe(out.heldOut);

    const evaluated = await json(['eval', ...data(), '--model', 'als', '--params-file', tuned]);
    expect(evaluated.params).toEqual(out.params);
    // The same fold, parameters and seed: eval reproduces tune's held-out score.
    expect(evaluated.mean.rmse).toBeCloseTo(out.heldOut, 10);
    const overridden = await json([
      'eval',
      ...data(),
      '--model',
      'als',
      '--params-file',
      tuned,
      '--param',
      'factors=3',
    ]);
    expect(overridden.params.factors).toBe(3);
    expect(overridden.params.lambda).toBe(out.params.lambda);
  });

  it('fails with a clear error on a bad --budget, a missing or foreign --params-file, an untunable model', async () => {
    const cases: [string[], RegExp][] = [
      [['tune', ...data(), '--model', 'als', '--budget', '0'], /--budget must be a number of seconds > 0/],
      [['tune', ...data(), '--model', 'als', '--budget', 'soon'], /--budget must be a number/],
      [['tune', ...data(), '--model', 'mean'], /mean has no parameters to tune; tunable models: .*als/],
      [
        ['eval', ...data(), '--model', 'als', '--params-file', join(dir, 'none.json')],
        /none\.json: no such file/,
      ],
      [['eval', ...data(), '--model', 'sgd', '--params-file', tuned], /holds parameters for als, not sgd/],
      [
        ['compare', ...data(), '--models', 'biases', '--params-file', tuned],
        /holds parameters for als, not biases/,
      ],
    ];
    writeFileSync(join(dir, 'broken.json'), '{"model":');
    cases.push([
      ['eval', ...data(), '--model', 'als', '--params-file', join(dir, 'broken.json')],
      /broken\.json: not valid JSON/,
    ]);
    const results = await Promise.all(cases.map(([args]) => run(args)));
    for (const [at, result] of results.entries()) {
      const [args, message] = cases[at];
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('compare --tune searches each model on each training fold before scoring it', async () => {
    const out = await json([
      'compare',
      ...['--data', `csv:${ratings}`, '--protocol', 'kfold:2', '--threads', '1'],
      ...['--models', 'biases', '--tune', '1', '--out', join(dir, 'compared')],
    ]);
    const [biases] = out.models;
    expect(biases.summary.rmse.n).toBe(2);
    // Each searched penalty is the folds' choice: one value, or one per fold joined by "/".
    for (const key of ['lambdaUser', 'lambdaItem']) {
      expect(String(biases.params[key])).toMatch(/^[\d.]+(\/[\d.]+)?$/);
    }
    // A parameter the search leaves alone keeps one value.
    expect(biases.params.epochs).toBeTypeOf('number');
  });
});
