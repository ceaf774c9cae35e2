import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-cli-ranking-'));
const ratings = join(dir, 'ratings.csv');
const data = `csv:${ratings}?time=time`;
const { run, json } = cliRunner(dir);

/** `osusume eval` of `model` on the test data, with more options. */
const evalArgs = (model: string, ...more: string[]): string[] => [
  'eval',
  '--data',
  data,
  '--model',
  model,
  ...more,
];

beforeAll(() => {
  // Ratings 1..5 of 50 users on 30 items, item i liked more the lower i, with a time column.
  const rng = new Rng(5);
  const lines = ['user,item,rating,time'];
  for (let u = 0; u < 50; u++) {
    for (let i = 0; i < 30; i++) {
      if (rng.uniform() > 0.5) continue;
      const r = Math.min(5, Math.max(1, Math.round(5 - i / 8 + rng.normal())));
      lines.push(`user${u},item${i},${r},${Math.floor(rng.uniform() * 1000)}`);
    }
  }
  writeFileSync(ratings, `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('eval --metrics', () => {
  it('keeps the rating errors as the default output', async () => {
    const text = await run(evalArgs('biases', '--protocol', 'kfold:2'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ {2}mean: {3}rmse \d\.\d{4} {2}mae \d\.\d{4}\n/);
    expect(text.stdout).not.toContain('@');
    const out = await json(evalArgs('biases', '--protocol', 'kfold:2'));
    expect(out.metrics).toBeUndefined();
    expect(Object.keys(out.mean).some((key) => key.includes('@'))).toBe(false);
  });

  it('reports the top-k figures asked for, on a rating protocol', async () => {
    const args = evalArgs('biases', '--protocol', 'kfold:2');
    const out = await json([...args, '--metrics', 'rmse,ndcg@5,precision@5']);
    expect(out.metrics).toEqual(['rmse', 'ndcg@5', 'precision@5']);
    for (const fold of out.folds) {
      expect(fold['ndcg@5']).toBeGreaterThan(0);
      expect(fold['ndcg@5']).toBeLessThanOrEqual(1);
      expect(fold.rankedUsers).toBeGreaterThan(0);
    }
    const text = await run([...args, '--metrics', 'rmse,ndcg@5']);
    expect(text.stdout).toMatch(/mean: {3}rmse \d\.\d{4} {2}ndcg@5 \d\.\d{4}\n/);
    expect(text.stdout).toMatch(/ranked users: [\d.]+ per fold/);
  });

  it('defaults to the top-10 figures under a rank: protocol, and counts the skipped users', async () => {
    const out = await json(evalArgs('als', '--protocol', 'rank:recent:3'));
    expect(out.protocol).toBe('rank:recent:3');
    for (const key of ['precision@10', 'recall@10', 'ndcg@10', 'map@10', 'coverage@10']) {
      expect(out.mean[key]).toBeTypeOf('number');
    }
    expect(out.mean.rankedUsers + out.mean.skippedUsers).toBe(50);
  });

  it('rejects an unknown metric or a missing cut-off, listing what it accepts', async () => {
    for (const [list, why] of [
      ['rmse,auc', 'unknown metric'],
      ['ndcg', 'ndcg needs a cut-off, e.g. ndcg@10'],
    ]) {
      const failed = await run(evalArgs('biases', '--metrics', list));
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain(why);
      expect(failed.stderr).toContain(
        'accepted: rmse, mae, precision@k, recall@k, ndcg@k, map@k, coverage@k',
      );
      expect(failed.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('says the feature models take no --metrics', async () => {
    const failed = await run(evalArgs('fm', '--metrics', 'ndcg@10'));
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/--metrics is for the rating models; fm report/);
  });
});

describe('eval --json spread', () => {
  it('gives each figure’s sd, min and max across folds', async () => {
    const out = await json(evalArgs('biases', '--protocol', 'kfold:3'));
    const values: number[] = out.folds.map((f: { rmse: number }) => f.rmse);
    const mean = values.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    expect(out.spread.rmse.sd).toBeCloseTo(sd, 12);
    expect(out.spread.rmse.min).toBe(Math.min(...values));
    expect(out.spread.rmse.max).toBe(Math.max(...values));
    expect(out.spread.rmse.n).toBe(3);
    const single = await json(evalArgs('biases', '--protocol', 'holdout:0.2'));
    expect(single.spread.rmse.sd).toBeNull();
  });
});

describe('--folds', () => {
  it('is an error with a protocol that would ignore it', async () => {
    const failed = await run(evalArgs('biases', '--protocol', 'kfold:3', '--folds', '4'));
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(
      '--folds 4 does not apply to protocol kfold:3 (kfold:K sets the number of folds)',
    );
    const out = await json(evalArgs('biases', '--protocol', 'holdout:0.2', '--folds', '2'));
    expect(out.folds).toHaveLength(2);
  });
});

describe('compare --metrics', () => {
  it('puts the figures asked for in the table, then the times', async () => {
    const out = join(dir, 'compare');
    const table = await json([
      'compare',
      '--data',
      data,
      '--models',
      'biases,als',
      '--protocol',
      'rank:random:3',
      '--metrics',
      'ndcg@5,coverage@5',
      '--out',
      out,
    ]);
    expect(Object.keys(table.models[0].summary)).toEqual([
      'ndcg@5',
      'coverage@5',
      'fitSeconds',
      'epochSeconds',
    ]);
    const header = readFileSync(join(out, 'table.md'), 'utf8').split('\n')[2];
    expect(header).toMatch(/\| model +\| params +\| +ndcg@5 \| coverage@5 \| +fit \(s\) \| +epoch \(s\) \|/);
  });

  it('refuses a rank: protocol when a feature model is compared', async () => {
    const failed = await run([
      'compare',
      '--data',
      data,
      '--models',
      'biases,fm',
      '--protocol',
      'rank:recent:2',
    ]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('protocol rank: is for the rating models; fm report');
  });
});

describe('compare --param for a blend', () => {
  it('gives a blend’s parts the parameters of their model, unless set for the blend alone', async () => {
    const table = await json([
      'compare',
      '--data',
      data,
      '--models',
      'als,blend',
      '--protocol',
      'kfold:2',
      '--param',
      'blend.models=als,sgd',
      '--param',
      'als.factors=3',
      '--param',
      'sgd.factors=2',
      '--param',
      'blend.sgd.factors=4',
      '--out',
      join(dir, 'compare-blend'),
    ]);
    const [als, blend] = table.models;
    expect(als.params.factors).toBe(3);
    // Resolved, as the parts read them (numbers), with the parts' other parameters at their defaults.
    expect(blend.params).toMatchObject({ models: 'als,sgd', 'als.factors': 3, 'sgd.factors': 4 });
    expect(blend.params['sgd.lr']).toBeTypeOf('number');
  });
});
