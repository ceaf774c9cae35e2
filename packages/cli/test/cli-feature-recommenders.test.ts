import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Explanation, explanationTotal, Rng } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-cli-feature-recommenders-'));
const ratings = join(dir, 'ratings.csv');
const tags = join(dir, 'tags.txt');
const outcomes = join(dir, 'outcomes.csv');
const { run, json } = cliRunner(dir);

beforeAll(() => {
  // 30 users × 24 works in two genres: each user likes one genre (8–10) and not the other (2–4).
  const rng = new Rng(2);
  const lines = ['user,item,rating'];
  const answers = ['user,item,rating'];
  for (let u = 0; u < 30; u++) {
    for (let i = 0; i < 24; i++) {
      if (rng.uniform() < 0.25) continue;
      const liked = i % 2 === u % 2;
      lines.push(`u${u},w${i},${(liked ? 8 : 2) + Math.floor(3 * rng.uniform())}`);
      answers.push(`u${u},w${i},${rng.uniform() < (liked ? 0.85 : 0.2) ? 1 : 0}`);
    }
  }
  writeFileSync(ratings, `${lines.join('\n')}\n`);
  writeFileSync(outcomes, `${answers.join('\n')}\n`);
  const genres = Array.from({ length: 24 }, (_, i) => `w${i} ${i % 2 ? 'drama' : 'action'}`);
  writeFileSync(tags, `${genres.join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('feature models through train, recommend, explain and similar', () => {
  it('trains an FM with genres, then recommends, explains and finds similar works from its file', async () => {
    const model = join(dir, 'fm.osm');
    const trained = await json([
      'train',
      ...['--data', `csv:${ratings}`, '--tags', tags, '--model', 'fm', '--features', 'irt+tags'],
      ...['--param', 'solver=als', '--param', 'factors=2', '--param', 'iterations=20', '--out', model],
    ]);
    expect(trained).toMatchObject({ model: 'fm', users: 30, items: 24 });
    expect(trained.trainRmse).toBeLessThan(1.5);
    // A new user who loves two action works (even ids) gets action works first.
    const rates = ['--rate', 'w0=10', '--rate', 'w2=9', '--rate', 'w1=2'];
    const top = await json(['recommend', '--model', model, ...rates, '--min-ratings', '0', '-n', '5']);
    expect(top.items).toHaveLength(5);
    for (const { item } of top.items) expect(Number(item.slice(1)) % 2).toBe(0);
    const why = await json(['explain', '--model', model, ...rates, '--item', 'w4']);
    expect(why.contributions.map((c: { item: string }) => c.item).sort()).toEqual(['w0', 'w1', 'w2']);
    expect(why.tags.map((t: { tag: string }) => t.tag)).toEqual(['action']);
    expect(explanationTotal(why as Explanation)).toBeCloseTo(why.score, 9);
    const known = await json(['recommend', '--model', model, '--user', 'u1', '--min-ratings', '0']);
    expect(known.items.length).toBeGreaterThan(0);
    const similar = await json(['similar', '--model', model, '--item', 'w0', '-n', '3']);
    expect(similar.items).toHaveLength(3);
  });

  it('trains IRT on 0/1 outcomes and recommends by the chance of a 1', async () => {
    const model = join(dir, 'irt.osm');
    await json(['train', '--data', `csv:${outcomes}`, '--model', 'irt', '--out', model]);
    const out = await json([
      'recommend',
      '--model',
      model,
      '--rate',
      'w0=1',
      '--rate',
      'w3=0',
      '--min-ratings',
      '0',
    ]);
    expect(out.items).toHaveLength(10);
    for (const { score } of out.items) expect(score).toBeGreaterThanOrEqual(0);
    for (const { score } of out.items) expect(score).toBeLessThanOrEqual(1);
    const scores = out.items.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('names every model family when the model is unknown, in train, eval and compare', async () => {
    for (const command of [
      ['train', '--model', 'nope', '--out', join(dir, 'x.osm')],
      ['eval', '--model', 'nope'],
      ['compare', '--models', 'als,nope'],
    ]) {
      const out = await run([...command, '--data', `csv:${ratings}`]);
      expect(out.code).not.toBe(0);
      expect(out.stderr).toMatch(
        /unknown model "nope"; available: mean, .*als.*balse.*fm.*irt.*elo.*lmf.*deepfm/,
      );
    }
  });

  it('says why DeepFM and knowledge-tracing features cannot recommend', async () => {
    const deep = await run([
      'train',
      '--data',
      `csv:${ratings}`,
      '--model',
      'deepfm',
      '--out',
      join(dir, 'd.osm'),
    ]);
    expect(deep.stderr).toMatch(/deepfm cannot recommend/);
    const kt = await run([
      ...['train', '--data', `csv:${ratings}`, '--model', 'fm', '--features', 'user,item,skill'],
      ...['--out', join(dir, 'k.osm')],
    ]);
    expect(kt.stderr).toMatch(/skill/);
    expect(kt.stderr).not.toMatch(/ at .*\.js:/);
  });
});
