import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-cli-implicit-'));
const clicks = join(dir, 'clicks.csv');
const data = `csv:${clicks}?implicit=1`;
const { run, json } = cliRunner(dir);

beforeAll(() => {
  // A click log (user,item) of 60 users on 24 items in two taste groups.
  const rng = new Rng(3);
  const lines: string[] = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 24; i++)
      if (rng.uniform() < (u % 2 === i % 2 ? 0.5 : 0.05)) lines.push(`user${u},item${i}`);
  }
  writeFileSync(clicks, `${lines.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('implicit models on the command line', () => {
  for (const model of ['ials', 'ease', 'bpr']) {
    it(`trains ${model} on a click log, recommends to a folded-in user and explains`, async () => {
      const file = join(dir, `${model}.osusume`);
      const trained = await run(['train', '--data', data, '--model', model, '--out', file]);
      expect(trained.code).toBe(0);
      expect(trained.stdout).toContain('scores, not ratings');
      const top = await json([
        'recommend',
        '--model',
        file,
        '--rate',
        'item0=1',
        '--rate',
        'item2=1',
        '--rate',
        'item4=1',
        '--min-ratings',
        '0',
        '-n',
        '5',
      ]);
      const items: string[] = top.items.map((s: { item: string }) => s.item);
      expect(items).toHaveLength(5);
      // The folded-in user clicked even items: the other even items should lead.
      expect(items.filter((id) => Number(id.slice(4)) % 2 === 0).length).toBeGreaterThanOrEqual(4);
      const why = await json(['explain', '--model', file, '--user', 'user0', '--item', 'item6']);
      expect(why.contributions.length).toBeGreaterThan(0);
    });
  }

  it('says that an implicit model’s RMSE is meaningless, and ranks with the rank protocol', async () => {
    const rmse = await run(['eval', '--data', data, '--model', 'ials', '--protocol', 'kfold:2']);
    expect(rmse.stderr).toContain('RMSE and MAE are meaningless');
    const ranked = await json([
      'eval',
      '--data',
      data,
      '--model',
      'ials',
      '--param',
      'factors=4',
      '--param',
      'alpha=10',
      '--protocol',
      'rank:random:2',
    ]);
    // About 19 candidates per user, 10 listed: random lists find about 52 % of the held-out clicks.
    expect(ranked.mean['recall@10']).toBeGreaterThan(0.7);
  });
});
