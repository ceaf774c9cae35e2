import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTagMatrix, fitLasso, IdMap, InteractionsBuilder, readItemTags, tagMatrix } from 'osusume';
import { afterAll, describe, expect, it } from 'vitest';
import { type OnnxPosterOptions, OnnxPosterTags, posterTags } from '../src/onnx-poster-tags.js';
import { readTagNames, writeItemTagsFile } from '../src/tag-files.js';
import { BLUE, GREEN, jpegBytes, pngBytes, RED, type Rgba, WHITE } from './images.js';
import { colourModel, onnxModel } from './onnx-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'osusume-posters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TAGS = ['red', 'green', 'blue', 'bright'];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// Score of tag t = σ(W[:, t] · mean RGB + B[t]) on raw [0, 1] pixels: a pure colour scores σ(4) ≈ 0.982 on
// its own tag and σ(-4) ≈ 0.018 on the others; "bright" is σ(2·(r+g+b) − 3): 0.27 for a pure colour, 0.95 for white.
const W = [
  [8, 0, 0, 2],
  [0, 8, 0, 2],
  [0, 0, 8, 2],
];
const B = [-4, -4, -4, -3];
const HIGH = sigmoid(4);
const LOW = sigmoid(-4);

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

const flat = (colour: Rgba) => () => colour;
const model = file('model.onnx', colourModel(W, B));
const tagFile = file('tags.txt', `${TAGS.join('\n')}\n\n`);
const posters = join(dir, 'posters');
file('posters/red.png', pngBytes(30, 45, flat(RED)));
file('posters/blue.jpg', jpegBytes(24, 36, flat(BLUE)));
file('posters/green.JPEG', jpegBytes(8, 8, flat(GREEN)));
file('posters/white.PNG', pngBytes(5, 7, flat(WHITE)));
// Two posters for one item: the PNG wins.
file('posters/both.png', pngBytes(8, 8, flat(RED)));
file('posters/both.jpg', jpegBytes(8, 8, flat(BLUE)));
file('posters/notes.txt', 'not a poster');
// Raw [0, 1] pixels, as the test model expects.
const RAW = { mean: [0, 0, 0], std: [1, 1, 1] } as const;

const options = (extra: Partial<OnnxPosterOptions> = {}): OnnxPosterOptions => ({
  model,
  tags: tagFile,
  posters,
  ...RAW,
  ...extra,
});

describe('OnnxPosterTags', () => {
  it('tags each poster with the model scores that pass the threshold, and counts missing posters', async () => {
    const source = new OnnxPosterTags(options({ batchSize: 2 }));
    expect(source.name).toBe('posters');
    const items = IdMap.from(['red', 'blue', 'green', 'white', 'both', 'nothing', 'notes']);
    const tags = await source.tags(items);

    expect([...tags.keys()].sort()).toEqual(['blue', 'both', 'green', 'red', 'white']);
    const red = tags.get('red') ?? [];
    expect(red.map((t) => t.tag)).toEqual(['red']);
    expect(red[0].weight).toBeCloseTo(HIGH, 5);
    expect(tags.get('blue')?.map((t) => t.tag)).toEqual(['blue']);
    expect(tags.get('blue')?.[0].weight).toBeGreaterThan(0.97); // JPEG: close to the pure colour
    expect(tags.get('green')?.map((t) => t.tag)).toEqual(['green']);
    expect(tags.get('both')?.map((t) => t.tag)).toEqual(['red']);
    // White: every colour and "bright", highest first.
    const white = tags.get('white') ?? [];
    expect(white.map((t) => t.tag)).toEqual(['red', 'green', 'blue', 'bright']);
    expect(white[3].weight).toBeCloseTo(sigmoid(3), 5);

    const report = source.report;
    expect(report).toMatchObject({
      items: 7,
      posters: 5,
      missing: 2,
      missingIds: ['nothing', 'notes'],
      unreadable: [],
      tagged: 5,
      tagsKept: 8,
      batches: 3,
      batchSize: 2,
      inputSize: [8, 8],
    });
    expect(report?.seconds).toBeGreaterThan(0);
  });

  it('keeps every score with threshold -Infinity, and the top k with topK', async () => {
    const all = await posterTags(['red'], options({ threshold: Number.NEGATIVE_INFINITY }));
    const red = all.tags.get('red') ?? [];
    expect(red.map((t) => t.tag)).toEqual(['red', 'bright', 'green', 'blue']);
    expect(red[1].weight).toBeCloseTo(sigmoid(-1), 5);
    expect(red[3].weight).toBeCloseTo(LOW, 5);

    const top = await posterTags(['white'], options({ topK: 2 }));
    expect(top.tags.get('white')?.map((t) => t.tag)).toEqual(['red', 'green']);
  });

  it('takes the tag names as an array or a JSON list, and reports progress', async () => {
    const json = file('tags.json', JSON.stringify(TAGS));
    expect(await readTagNames(json)).toEqual(TAGS);
    expect(await readTagNames(tagFile)).toEqual(TAGS);
    const progress: [number, number][] = [];
    const { tags, report } = await posterTags(
      ['red', 'blue', 'green'],
      options({ tags: TAGS, batchSize: 2, onProgress: (done, total) => progress.push([done, total]) }),
    );
    expect(tags.get('blue')?.[0].tag).toBe('blue');
    expect(report.batches).toBe(2);
    expect(progress).toEqual([
      [2, 3],
      [3, 3],
    ]);
  });

  it('runs a model with a fixed batch of one, one poster at a time', async () => {
    const fixed = file('fixed.onnx', colourModel(W, B, { batch: 1 }));
    const { tags, report } = await posterTags(
      ['red', 'blue', 'white'],
      options({ model: fixed, batchSize: 8 }),
    );
    expect(report.batchSize).toBe(1);
    expect(report.batches).toBe(3);
    expect(tags.get('blue')?.[0].tag).toBe('blue');
    expect(tags.get('white')).toHaveLength(4);
  });

  it('takes the input size from the model, or from the options when the model leaves it open', async () => {
    const open = file('open.onnx', colourModel(W, B, { size: 'S' }));
    const { report } = await posterTags(['red'], options({ model: open, inputSize: [6, 4] }));
    expect(report.inputSize).toEqual([6, 4]);
    await expect(posterTags(['red'], options({ inputSize: 16 }))).rejects.toThrow(
      /input "image" is 8×8 .*inputSize says 16×16/,
    );
  });

  it('says clearly what is wrong with the model', async () => {
    await expect(posterTags(['red'], options({ model: join(dir, 'absent.onnx') }))).rejects.toThrow(
      /model file ".*absent\.onnx" not found/,
    );
    const garbage = file('garbage.onnx', 'this is not a protobuf model at all');
    await expect(posterTags(['red'], options({ model: garbage }))).rejects.toThrow(
      /model file ".*garbage\.onnx" is not a usable ONNX model/,
    );
    // Output declared 3 wide, 4 tags in the list: caught before any poster is read.
    const narrow = file(
      'narrow.onnx',
      colourModel(
        W.map((row) => row.slice(0, 3)),
        B.slice(0, 3),
      ),
    );
    await expect(posterTags(['red'], options({ model: narrow }))).rejects.toThrow(
      /output "tags" has shape \[N, 3\], 3 scores per image, but the tag list has 4 tags/,
    );
    // An output width that only the input size decides (image [N, 3, S, S] → Flatten → [N, 3·S·S]): caught on
    // the first run.
    const open = file(
      'open-width.onnx',
      onnxModel({
        inputs: [{ name: 'image', shape: ['N', 3, 'S', 'S'] }],
        outputs: [{ name: 'tags', shape: ['N', 'T'] }],
        initializers: [],
        nodes: [{ op: 'Flatten', inputs: ['image'], outputs: ['tags'], ints: { axis: 1 } }],
      }),
    );
    await expect(posterTags(['red'], options({ model: open, inputSize: 2 }))).rejects.toThrow(
      /output "tags" has shape \[1, 12\] for a batch of 1, but the tag list has 4 tags/,
    );
    const pixels = ['r', 'g', 'b'];
    expect((await posterTags(['red'], options({ model: open, inputSize: 1, tags: pixels }))).tags).toEqual(
      new Map([['red', [{ tag: 'r', weight: 1 }]]]),
    );
  });

  it('names the poster that cannot be decoded, or skips it with skipUnreadable', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'good.png'), pngBytes(8, 8, flat(RED)));
    writeFileSync(join(broken, 'bad.jpg'), jpegBytes(8, 8, flat(RED)).subarray(0, 40));
    writeFileSync(join(broken, 'text.png'), 'plain text');
    await expect(posterTags(['good', 'bad'], options({ posters: broken }))).rejects.toThrow(
      /poster ".*bad\.jpg": cannot decode/,
    );
    await expect(posterTags(['text'], options({ posters: broken }))).rejects.toThrow(
      /poster ".*text\.png": cannot decode: not a PNG or JPEG image/,
    );
    const { tags, report } = await posterTags(
      ['good', 'bad', 'text'],
      options({ posters: broken, skipUnreadable: true }),
    );
    expect([...tags.keys()]).toEqual(['good']);
    expect(report.unreadable.map((u) => u.file.replace(/.*[\\/]/, '')).sort()).toEqual([
      'bad.jpg',
      'text.png',
    ]);
    expect(report.posters).toBe(3);
  });

  it('rejects bad options and tag lists', async () => {
    expect(() => new OnnxPosterTags(options({ topK: 0 }))).toThrow(/topK/);
    expect(() => new OnnxPosterTags(options({ std: [1, 0, 1] }))).toThrow(/std/);
    expect(
      () => new OnnxPosterTags(options({ mean: [1, 2] as unknown as [number, number, number] })),
    ).toThrow(/mean must be three numbers/);
    await expect(posterTags(['red'], options({ tags: ['red', 'red', 'blue', 'x'] }))).rejects.toThrow(
      /tag "red" is both 1 and 2/,
    );
    await expect(posterTags(['red'], options({ posters: join(dir, 'none') }))).rejects.toThrow(
      /poster directory ".*none" not found/,
    );
    await expect(posterTags(['red'], options({ tags: join(dir, 'none.txt') }))).rejects.toThrow(/tag list/);
  });
});

describe('poster tags in the models', () => {
  it('writes an item tag weight file that osusume reads back', async () => {
    const out = join(dir, 'out', 'poster-tags.tsv');
    const tags = new Map([
      ['a', [{ tag: 'long hair', weight: 0.912345678 }]],
      ['b c', [{ tag: 'red', weight: 1 }]],
    ]);
    expect(await writeItemTagsFile(out, tags)).toBe(2);
    const back = await readItemTags(out);
    expect(back.tags).toEqual(
      new Map([
        ['a', [{ tag: 'long hair', weight: 0.912346 }]],
        ['b c', [{ tag: 'red', weight: 1 }]],
      ]),
    );
  });

  it('feeds the tag matrix and a per-user LASSO that predicts works nobody rated', async () => {
    // Red and blue posters; red5 and blue5 have posters but no ratings; "plain" has ratings but no poster.
    const dirColours = join(dir, 'catalogue');
    mkdirSync(dirColours);
    const reds = ['red1', 'red2', 'red3', 'red4', 'red5'];
    const blues = ['blue1', 'blue2', 'blue3', 'blue4', 'blue5'];
    for (const id of reds) writeFileSync(join(dirColours, `${id}.png`), pngBytes(12, 18, flat(RED)));
    for (const id of blues) writeFileSync(join(dirColours, `${id}.jpg`), jpegBytes(12, 18, flat(BLUE)));
    const items = IdMap.from([...reds, ...blues, 'plain']);
    const ratings = new InteractionsBuilder(new IdMap(), items);
    for (let u = 0; u < 6; u++) {
      const likesRed = u < 3;
      for (let k = 0; k < 4; k++) {
        if (k === u % 4) continue; // each user leaves one red and one blue work unrated
        ratings.add(`u${u}`, reds[k], likesRed ? 5 : 1);
        ratings.add(`u${u}`, blues[k], likesRed ? 1 : 5);
      }
      ratings.add(`u${u}`, 'plain', 3);
    }
    const data = ratings.build();

    const source = new OnnxPosterTags(options({ posters: dirColours, batchSize: 4 }));
    const matrix = await buildTagMatrix(data.items, [source], 'given');
    expect(source.report).toMatchObject({ items: 11, posters: 10, missing: 1, missingIds: ['plain'] });
    expect(matrix.tags).toEqual(['blue', 'red']);
    const row = (id: string) => [...matrix.values.subarray(items.indexOf(id) * 2, items.indexOf(id) * 2 + 2)];
    expect(row('red5')[0]).toBe(0);
    expect(row('red5')[1]).toBeCloseTo(HIGH, 5);
    expect(row('plain')).toEqual([0, 0]);

    const itemTags = await source.tags(data.items);
    expect(tagMatrix(data.items, itemTags, 'given')).toEqual(matrix);
    const { model } = await fitLasso(data, { alpha: '0.01', weighting: 'given' }, { itemTags, threads: 1 });
    for (let u = 0; u < 6; u++) {
      const likesRed = u < 3;
      const unratedRed = model.predict(`u${u}`, reds[u % 4]);
      const unratedBlue = model.predict(`u${u}`, blues[u % 4]);
      const coldRed = model.predict(`u${u}`, 'red5');
      const coldBlue = model.predict(`u${u}`, 'blue5');
      if (likesRed) {
        expect(unratedRed).toBeGreaterThan(4);
        expect(unratedBlue).toBeLessThan(2);
        expect(coldRed).toBeGreaterThan(coldBlue + 2);
      } else {
        expect(unratedBlue).toBeGreaterThan(4);
        expect(coldBlue).toBeGreaterThan(coldRed + 2);
      }
    }
    expect(model.tagPreferences('u0').likes[0].tag).toBe('red');
    expect(model.tagPreferences('u5').likes[0].tag).toBe('blue');
  });
});
