import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { type ColumnSource, parquetWriteFile } from 'hyparquet-writer';
import { loadRecommender } from 'osusume';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from './run-cli.js';
import { SPARK_FACTORS, SPARK_LEGACY_FACTORS, writeFactors, writeSavedModel } from './spark-parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-spark-'));
const { run, json } = cliRunner(dir);

const ratings = join(dir, 'ratings.csv');
const named = join(dir, 'named.csv');

beforeAll(() => {
  writeSavedModel(join(dir, 'als'), SPARK_LEGACY_FACTORS);
  // User 1 rated 10 and 30, user 2 rated 10 and 20: on a 1..5 scale, so no dot product above is clipped.
  writeFileSync(ratings, 'user,item,rating\n1,10,4\n1,30,5\n2,20,3\n2,10,1\n');
  writeFileSync(
    named,
    'user,item,rating\nalice,Cowboy Bebop,5\nbob,Monster,3.5\nalice,Monster,2\ncarol,Mushishi,4\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const topOf = async (args: string[]) => (await json(['recommend', '--min-ratings', '0', ...args])).items;

describe('osusume import-factors', () => {
  it('imports a saved ALSModel; recommend ranks by the dot product, as Spark predicts', async () => {
    const out = await json(['import-factors', '--spark-model', 'als', '--out', 'plain.safetensors']);
    expect(out).toMatchObject({ users: 2, items: 4, rank: 2, ratings: 0, mean: 0, scale: null });
    const user1 = await topOf(['--model', 'plain.safetensors', '--user', '1']);
    expect(user1.map((s: { item: string }) => s.item)).toEqual(['30', '40', '10', '20']);
    expect(user1[0].score).toBeCloseTo(1.5, 6);
    expect(user1[1].score).toBeCloseTo(1.2, 6);
    const user2 = await topOf(['--model', 'plain.safetensors', '--user', '2', '-n', '1']);
    expect(user2).toEqual([{ item: '40', score: expect.closeTo(2, 6) }]);
    // The loader the service reads its model versions with.
    const { model, info } = await loadRecommender(join(dir, 'plain.safetensors'));
    expect(info).toMatchObject({ model: 'spark-als', params: { rank: 2, regParam: 0.1, mean: 0 } });
    expect(model.predict('2', '30')).toBeCloseTo(-1, 6);
  });

  it('with --ratings leaves out what the user rated and counts ratings per item', async () => {
    const out = await json([
      'import-factors',
      '--users',
      join('als', 'userFactors'),
      '--items',
      join('als', 'itemFactors'),
      '--ratings',
      `csv:${ratings}`,
      '--out',
      'rated.safetensors',
    ]);
    expect(out).toMatchObject({ ratings: 4, scale: { min: 1, max: 5 } });
    // User 1 rated 30 (1.5): 40 (1.2) comes first.
    const top = await topOf(['--model', 'rated.safetensors', '--user', '1', '-n', '1']);
    expect(top).toEqual([{ item: '40', score: expect.closeTo(1.2, 6) }]);
    // Item 10 alone has two training ratings.
    const counted = await json([
      'recommend',
      '--model',
      'rated.safetensors',
      '--user',
      '1',
      '--include-rated',
      '--min-ratings',
      '2',
    ]);
    expect(counted.items.map((s: { item: string }) => s.item)).toEqual(['10']);
    const explained = await json(['explain', '--model', 'rated.safetensors', '--user', '2', '--item', '40']);
    expect(explained.predicted).toBeCloseTo(2, 6);
    expect(explained.mean).toBe(0);
    expect(explained.itemBias).toBe(0);
  });

  it('similar items by the cosine of the item factors; --mean shifts every score', async () => {
    const similar = await json(['similar', '--model', 'plain.safetensors', '--item', '10', '-n', '1']);
    expect(similar.items).toEqual([{ item: '30', score: expect.closeTo(2 / Math.sqrt(5), 6) }]);
    await json(['import-factors', '--spark-model', 'als', '--mean', '3', '--out', 'centred.safetensors']);
    const top = await topOf(['--model', 'centred.safetensors', '--user', '2', '-n', '1']);
    expect(top).toEqual([{ item: '40', score: expect.closeTo(5, 6) }]);
  });

  it('folds in a new user with Spark’s regParam weighted by the rating count', async () => {
    // Ratings 5 of item 10 = (1, 0) and 2 of item 20 = (0.5, 1), λ = 0.25 × 2 ratings:
    // x = ([[1.25, 0.5], [0.5, 1]] + 0.5 I)⁻¹ (6, 2) = (64, 4) / 19, so item 30 = (2, −1) scores 124/19
    // (an unweighted λ would give x = (4, 0) and 8).
    await json([
      'import-factors',
      '--spark-model',
      'als',
      '--reg-param',
      '0.25',
      '--out',
      'fold.safetensors',
    ]);
    const top = await topOf(['--model', 'fold.safetensors', '--rate', '10=5', '--rate', '20=2', '-n', '1']);
    expect(top).toEqual([{ item: '30', score: expect.closeTo(124 / 19, 4) }]);
  });
});

describe('osusume export --parquet', () => {
  it('writes user, item (int32) and rating (float) that read back as the same ratings', async () => {
    const out = await json(['export', '--data', `csv:${ratings}`, '--parquet', 'ratings.parquet']);
    expect(out).toMatchObject({ ratings: 4, idsFile: null, numbered: { users: false, items: false } });
    const file = await asyncBufferFromFile(join(dir, 'ratings.parquet'));
    const schema = parquetSchema(await parquetMetadataAsync(file));
    expect(schema.children.map((c) => [c.element.name, c.element.type])).toEqual([
      ['user', 'INT32'],
      ['item', 'INT32'],
      ['rating', 'FLOAT'],
    ]);
    expect(await parquetReadObjects({ file })).toEqual([
      { user: 1, item: 10, rating: 4 },
      { user: 1, item: 30, rating: 5 },
      { user: 2, item: 20, rating: 3 },
      { user: 2, item: 10, rating: 1 },
    ]);
  });

  it('numbers ids that are not integers and writes the numbering; import-factors --ids maps them back', async () => {
    const out = await json(['export', '--data', `csv:${named}`, '--parquet', 'named.parquet']);
    expect(out).toMatchObject({ idsFile: 'named.ids.json', numbered: { users: true, items: true } });
    const ids = JSON.parse(readFileSync(join(dir, 'named.ids.json'), 'utf8'));
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, 'named.parquet')) });
    const back = rows.map((r) => `${ids.users[r.user]},${ids.items[r.item]},${r.rating}`);
    expect(back).toEqual(readFileSync(named, 'utf8').trim().split('\n').slice(1));

    // Spark's factors come back keyed by those numbers; alice = (1, 0) likes Mushishi most.
    const spark = join(dir, 'named-als');
    mkdirSync(spark);
    const user = (id: string) => ids.users.indexOf(id);
    const item = (id: string) => ids.items.indexOf(id);
    writeFactors(join(spark, 'users.parquet'), [
      [user('alice'), [1, 0]],
      [user('bob'), [0, 1]],
      [user('carol'), [1, 1]],
    ]);
    writeFactors(join(spark, 'items.parquet'), [
      [item('Cowboy Bebop'), [0.5, 0]],
      [item('Monster'), [0, 2]],
      [item('Mushishi'), [3, 0]],
    ]);
    await json([
      'import-factors',
      '--users',
      join(spark, 'users.parquet'),
      '--items',
      join(spark, 'items.parquet'),
      '--ids',
      'named.ids.json',
      '--ratings',
      `csv:${named}`,
      '--out',
      'named.safetensors',
    ]);
    const top = await topOf(['--model', 'named.safetensors', '--user', 'alice', '--include-rated']);
    expect(top.map((s: { item: string }) => s.item)).toEqual(['Mushishi', 'Cowboy Bebop', 'Monster']);
  });
});

describe('malformed Spark factors', () => {
  const fails = async (args: string[], message: RegExp) => {
    const result = await run(['import-factors', '--out', 'bad.safetensors', ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  };
  const items = join('als', 'itemFactors');
  /** A one-row file of an int id and one other column. */
  const writeIdAnd = (file: string, column: ColumnSource) =>
    parquetWriteFile({
      filename: join(dir, file),
      columnData: [{ name: 'id', data: Int32Array.of(1), type: 'INT32' }, column],
    });

  it('a missing column names the file and the column', async () => {
    writeIdAnd('no-features.parquet', { name: 'vector', data: Float32Array.of(0.5), type: 'FLOAT' });
    await fails(
      ['--users', 'no-features.parquet', '--items', items],
      /no-features\.parquet: no column "features" \(array<float>\); its columns: id, vector/,
    );
  });

  it('a column of the wrong type names the file, the column and both types', async () => {
    parquetWriteFile({
      filename: join(dir, 'string-ids.parquet'),
      schema: [
        { name: 'spark_schema', num_children: 2 },
        { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        ...SPARK_FACTORS.slice(2),
      ],
      columnData: [
        { name: 'id', data: ['u1'] },
        { name: 'features', data: [[1, 2]] },
      ],
    });
    await fails(
      ['--users', 'string-ids.parquet', '--items', items],
      /string-ids\.parquet: column "id" is BYTE_ARRAY \(UTF8\), expected int/,
    );
    writeIdAnd('flat-features.parquet', { name: 'features', data: Float64Array.of(0.5), type: 'DOUBLE' });
    await fails(
      ['--users', 'flat-features.parquet', '--items', items],
      /flat-features\.parquet: column "features" is DOUBLE, expected array<float>/,
    );
  });

  it('a rated item without a factor row names the ratings and the item factors', async () => {
    const extra = join(dir, 'extra-item.csv');
    writeFileSync(extra, 'user,item,rating\n1,10,4\n2,50,3\n');
    await fails(
      ['--spark-model', 'als', '--ratings', `csv:${extra}`],
      /extra-item\.csv: item "50" has no row in als\/itemFactors/,
    );
  });

  it('factors of different ranks, rows of different lengths, a repeated id', async () => {
    writeFactors(join(dir, 'rank3.parquet'), [[1, [1, 2, 3]]]);
    await fails(
      ['--users', 'rank3.parquet', '--items', items],
      /rank3\.parquet has 3 features per row, als\/itemFactors 2: not one model/,
    );
    writeFactors(join(dir, 'ragged.parquet'), [
      [1, [1, 2]],
      [2, [1]],
    ]);
    await fails(
      ['--users', 'ragged.parquet', '--items', items],
      /ragged\.parquet: id 2 has 1 features, earlier rows 2/,
    );
    writeFactors(join(dir, 'twice.parquet'), [
      [1, [1, 2]],
      [1, [3, 4]],
    ]);
    await fails(['--users', 'twice.parquet', '--items', items], /twice\.parquet: id 1 appears twice/);
  });

  it('an id beyond the numbering of --ids, a file that is not Parquet, a directory without part files', async () => {
    writeFileSync(join(dir, 'short.ids.json'), JSON.stringify({ users: ['alice'], items: null }));
    await fails(
      ['--spark-model', 'als', '--ids', 'short.ids.json'],
      /als\/userFactors: id 1 is not in the id mapping \(it numbers 1 ids\)/,
    );
    writeFileSync(join(dir, 'text.parquet'), 'id,features\n1,"[1,2]"\n');
    await fails(['--users', 'text.parquet', '--items', items], /text\.parquet: not a readable Parquet file/);
    mkdirSync(join(dir, 'empty'));
    await fails(['--users', 'empty', '--items', items], /empty: no \.parquet files/);
    await fails(['--users', 'als', '--items', items], /als: no \.parquet files: a saved ALSModel/);
  });
});
