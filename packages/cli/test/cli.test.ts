import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-cli-'));
const ratings = join(dir, 'ratings.csv');
const test = join(dir, 'test.csv');
const model = join(dir, 'model.safetensors');

const { run, json } = cliRunner(dir);

beforeAll(() => {
  // Low-rank ratings 1..5 of 60 users on 40 items (rank 2 plus biases), with a header.
  const rng = new Rng(11);
  const x = Array.from({ length: 60 * 2 }, () => rng.normal());
  const y = Array.from({ length: 40 * 2 }, () => rng.normal());
  const lines = ['user,item,rating'];
  const held = ['user,item,rating'];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 40; i++) {
      if (rng.uniform() > 0.5) continue;
      const r = Math.min(5, Math.max(1, Math.round(3 + x[2 * u] * y[2 * i] + x[2 * u + 1] * y[2 * i + 1])));
      (rng.uniform() < 0.1 ? held : lines).push(`user${u},item${i},${r}`);
    }
  }
  writeFileSync(ratings, `${lines.join('\n')}\n`);
  writeFileSync(test, `${held.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('osusume eval', () => {
  it('prints the contract JSON: data, model, params, protocol, folds, mean', async () => {
    const out = await json([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'als',
      '--protocol',
      'kfold:3',
      '--param',
      'factors=4',
    ]);
    expect(out.data).toBe(`csv:${ratings}`);
    expect(out.model).toBe('als');
    expect(out.params.factors).toBe(4);
    expect(out.params.lambda).toBeTypeOf('number');
    expect(out.protocol).toBe('kfold:3');
    expect(out.folds).toHaveLength(3);
    for (const fold of out.folds) {
      for (const key of ['rmse', 'mae', 'fitSeconds', 'epochSeconds']) expect(fold[key]).toBeTypeOf('number');
    }
    const mean = out.folds.reduce((s: number, f: { rmse: number }) => s + f.rmse, 0) / 3;
    expect(out.mean.rmse).toBeCloseTo(mean, 12);
    expect(out.mean.rmse).toBeLessThan(1.2);
  });

  it('evaluates a given test file, and the seed-table protocol with its extra figures', async () => {
    const given = await json([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--test',
      test,
      '--protocol',
      'given',
      '--model',
      'biases',
    ]);
    expect(given.folds).toHaveLength(1);
    const table = await json([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'sgd',
      '--protocol',
      'seedtable:0.2',
      '--folds',
      '2',
      '--param',
      'factors=4',
      '--param',
      'epochs=20',
    ]);
    expect(table.folds).toHaveLength(2);
    expect(table.folds[0].rmseLeastRated).toBeTypeOf('number');
    expect(table.mean.rmseLeastRated).toBeTypeOf('number');
  });

  it('saves random splits and reuses them to the same figures', async () => {
    const splits = join(dir, 'splits.json');
    const first = await json([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'biases',
      '--protocol',
      'holdout:0.2',
      '--save-splits',
      splits,
    ]);
    const again = await json([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'biases',
      '--splits',
      splits,
      '--seed',
      '9',
    ]);
    expect(again.folds[0].rmse).toBe(first.folds[0].rmse);
  });

  it('stops at a malformed line with file and line, or skips and counts it with --skip-bad', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'user,item,rating\na,x,4\nb,y,four\nc,z,2\n');
    const failed = await run([
      'eval',
      '--data',
      `csv:${bad}`,
      '--model',
      'mean',
      '--protocol',
      'kfold:2',
      '--json',
    ]);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/^osusume: .*bad\.csv:3: .*rating/);
    const skipped = await json([
      'eval',
      '--data',
      `csv:${bad}`,
      '--model',
      'mean',
      '--protocol',
      'kfold:2',
      '--skip-bad',
    ]);
    expect(skipped.skipped).toBe(1);
  });

  it('rejects unknown models, parameters and protocols with the valid choices', async () => {
    const model = await run(['eval', '--data', `csv:${ratings}`, '--model', 'magic']);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/unknown model "magic".*als.*sgd/);
    const param = await run(['eval', '--data', `csv:${ratings}`, '--model', 'als', '--param', 'factorz=3']);
    expect(param.stderr).toMatch(/unknown parameter "factorz".*factors/);
    const protocol = await run([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'als',
      '--protocol',
      'holdout:2',
    ]);
    expect(protocol.stderr).toMatch(/between 0 and 1/);
    const folds = await run(['eval', '--data', `csv:${ratings}`, '--model', 'als', '--protocol', 'folds']);
    expect(folds.stderr).toMatch(/no official folds/);
  });

  it('lists every model’s parameters in --help', async () => {
    const help = await run(['eval', '--help']);
    for (const text of ['factors=', 'lambda=', 'lr=', 'epochs=', 'biases=', 'lambdaUser='])
      expect(help.stdout).toContain(text);
  });
});

describe('osusume train, recommend, similar, explain', () => {
  beforeAll(async () => {
    await json([
      'train',
      '--data',
      `csv:${ratings}`,
      '--model',
      'als',
      '--param',
      'factors=4',
      '--out',
      model,
    ]);
  });

  it('recommends for a known user, never an item they rated', async () => {
    const out = await json(['recommend', '--model', model, '--user', 'user3', '-n', '5']);
    expect(out.items).toHaveLength(5);
    const rated = readFileSync(ratings, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('user3,'))
      .map((l) => l.split(',')[1]);
    for (const { item } of out.items) expect(rated).not.toContain(item);
  });

  it('recommends only items with --min-ratings training ratings (default 10), and says what it left out', async () => {
    const counts = new Map<string, number>();
    for (const line of readFileSync(ratings, 'utf8').split('\n').slice(1)) {
      const item = line.split(',')[1];
      if (item) counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    const floor = 28;
    const rare = [...counts].filter(([, c]) => c < floor).length;
    expect(rare).toBeGreaterThan(0);
    const all = await json(['recommend', '--model', model, '--rate', 'item1=5', '-n', '40']);
    expect(all.minRatings).toBe(10);
    const strict = await run([
      'recommend',
      '--model',
      model,
      '--rate',
      'item1=5',
      '-n',
      '40',
      '--min-ratings',
      `${floor}`,
    ]);
    expect(strict.code).toBe(0);
    const shown = strict.stdout.split('\n').filter((line) => /^\s*\d+\. /.test(line));
    expect(shown.length).toBeLessThan(all.items.length);
    for (const line of shown)
      expect(counts.get(line.trim().split(/\s+/).at(-1) ?? '')).toBeGreaterThanOrEqual(floor);
    expect(strict.stderr).toContain(`${rare} items have fewer than ${floor} training ratings`);
    expect((await run(['recommend', '--model', model, '--rate', 'item1=5', '--min-ratings', 'x'])).code).toBe(
      1,
    );
  });

  it('recommends for a newcomer by fold-in, and says which items it does not know', async () => {
    const out = await json([
      'recommend',
      '--model',
      model,
      '--rate',
      'item1=5',
      '--rate',
      'item2=1',
      '--rate',
      'zzz=3',
    ]);
    expect(out.items.map((s: { item: string }) => s.item)).not.toContain('item1');
    expect(out.unknownItems).toEqual(['zzz']);
  });

  it('finds similar items and explains a score whose parts add up', async () => {
    const similar = await json(['similar', '--model', model, '--item', 'item5', '-n', '3']);
    expect(similar.items).toHaveLength(3);
    const why = await json(['explain', '--model', model, '--user', 'user3', '--item', 'item5', '-n', '50']);
    const sum =
      why.mean +
      why.itemBias +
      why.rest +
      why.contributions.reduce((s: number, c: { weight: number }) => s + c.weight, 0);
    expect(sum).toBeCloseTo(why.score, 6);
  });

  it('fails clearly on an unknown user and on a truncated model file', async () => {
    const unknown = await run(['recommend', '--model', model, '--user', 'nobody']);
    expect(unknown.stderr).toMatch(/unknown user "nobody"/);
    const broken = join(dir, 'broken.safetensors');
    writeFileSync(broken, readFileSync(model));
    truncateSync(broken, 100);
    const truncated = await run(['recommend', '--model', broken, '--user', 'user3']);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/truncated/);
    const foreign = join(dir, 'foreign.bin');
    writeFileSync(foreign, 'not a model at all, just text');
    expect((await run(['recommend', '--model', foreign, '--user', 'user3'])).stderr).toMatch(/^osusume: /);
  });
});

describe('content models from the command line', () => {
  it('trains BALSE with a tags file and explains with tags, the gate and the user’s tastes', async () => {
    const tags = join(dir, 'tags.tsv');
    // Two tags follow the planted structure loosely: even items "alpha", odd items "beta", every third "gamma".
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      lines.push(`item${i}\t${i % 2 ? 'beta' : 'alpha'}`);
      if (i % 3 === 0) lines.push(`item${i}\tgamma`);
    }
    writeFileSync(tags, `${lines.join('\n')}\n`);
    const balse = join(dir, 'balse.safetensors');
    await json([
      'train',
      '--data',
      `csv:${ratings}`,
      '--tags',
      tags,
      '--model',
      'balse',
      '--param',
      'als.factors=4',
      '--out',
      balse,
    ]);
    const why = await json(['explain', '--model', balse, '--user', 'user3', '--item', 'item5']);
    expect(why.gate).toBeGreaterThanOrEqual(0);
    expect(why.gate).toBeLessThanOrEqual(1);
    expect(Array.isArray(why.tags)).toBe(true);
    const sum =
      why.mean +
      why.itemBias +
      why.rest +
      why.tagRest +
      why.contributions.reduce((s: number, c: { weight: number }) => s + c.weight, 0) +
      why.tags.reduce((s: number, t: { weight: number }) => s + t.weight, 0);
    expect(sum).toBeCloseTo(why.score, 6);
    expect(why.tastes).toHaveProperty('likes');
    const lasso = await run([
      'eval',
      '--data',
      `csv:${ratings}`,
      '--model',
      'lasso',
      '--protocol',
      'kfold:2',
    ]);
    expect(lasso.stderr).toMatch(/lasso needs item tags.*--tags/);
  });
});

describe('osusume import and compare', () => {
  it('summarizes a data set and writes triplets that read back the same', async () => {
    const copy = join(dir, 'copy.csv');
    const first = await json(['import', '--data', `csv:${ratings}`, '--out', copy]);
    const second = await json(['import', '--data', `csv:${copy}`]);
    expect(second.ratings).toBe(first.ratings);
    expect(second.mean).toBeCloseTo(first.mean, 12);
  });

  it('writes a results table and learning curves', async () => {
    const out = join(dir, 'compare');
    const table = await json([
      'compare',
      '--data',
      `csv:${ratings}`,
      '--models',
      'biases,als',
      '--protocol',
      'kfold:2',
      '--param',
      'als.factors=3',
      '--out',
      out,
    ]);
    expect(table.models.map((m: { model: string }) => m.model)).toEqual(['biases', 'als']);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toContain('| als');
    expect(readFileSync(join(out, 'table.csv'), 'utf8').split('\n')[0]).toMatch(/^model,params,rmse_mean/);
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toMatch(/<svg[\s\S]*polyline[\s\S]*<\/svg>/);
  });

  it('reads the bundled anime data (explicit ratings only)', async () => {
    const anime = fileURLToPath(new URL('../../../../data/anime', import.meta.url));
    const out = await json(['import', '--data', `anime:${anime}`]);
    expect(out.ratings).toBe(419943);
    expect(out.unscored).toBe(100666);
    expect(out.scale).toEqual({ min: 1, max: 10 });
  });
});
