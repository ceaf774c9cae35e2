import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BLUE, jpegBytes, pngBytes, RED } from './images.js';
import { colourModel } from './onnx-builder.js';

// The command line as users run it: `osusume posters` writes the file that `--tags` then reads.
const main = fileURLToPath(new URL('../../../cli/dist/src/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'osusume-posters-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: dir }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

// Red and blue works; the model scores σ(8·channel − 4) for red, green, blue on raw [0, 1] pixels.
const W = [
  [8, 0, 0],
  [0, 8, 0],
  [0, 0, 8],
];
writeFileSync(join(dir, 'model.onnx'), colourModel(W, [-4, -4, -4]));
writeFileSync(join(dir, 'labels.txt'), 'Red\nGreen\nBlue\n');
mkdirSync(join(dir, 'posters'));
const works = ['r1', 'r2', 'b1', 'b2', 'none'];
writeFileSync(
  join(dir, 'posters', 'r1.png'),
  pngBytes(12, 16, () => RED),
);
writeFileSync(
  join(dir, 'posters', 'r2.jpg'),
  jpegBytes(12, 16, () => RED),
);
writeFileSync(
  join(dir, 'posters', 'b1.png'),
  pngBytes(12, 16, () => BLUE),
);
writeFileSync(
  join(dir, 'posters', 'b2.jpg'),
  jpegBytes(12, 16, () => BLUE),
);
// Users who love red works and dislike blue ones.
const lines = ['user,item,rating'];
for (let u = 0; u < 6; u++) for (const w of works) lines.push(`u${u},${w},${w.startsWith('r') ? 5 : 1}`);
writeFileSync(join(dir, 'ratings.csv'), `${lines.join('\n')}\n`);

const RAW = ['--mean', '0,0,0', '--std', '1,1,1'];

describe('osusume posters', () => {
  it('tags the works from their posters into a file that --tags reads', async () => {
    const args = ['posters', '--data', 'csv:ratings.csv', '--model', 'model.onnx', '--labels', 'labels.txt'];
    const result = await run([...args, '--posters', 'posters', '--out', 'tags.tsv', ...RAW, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ items: 5, posters: 4, missing: 1, missingIds: ['none'], tagged: 4 });
    const rows = readFileSync(join(dir, 'tags.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(new Map(rows.map(([item, tag]) => [item, tag]))).toEqual(
      new Map([
        ['r1', 'Red'],
        ['r2', 'Red'],
        ['b1', 'Blue'],
        ['b2', 'Blue'],
      ]),
    );
    for (const [, , weight] of rows) expect(Number(weight)).toBeGreaterThan(0.95);

    const imported = await run(['import', '--data', 'csv:ratings.csv', '--tags', 'tags.tsv', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).itemsWithTags).toBe(4);
  });

  it('stops with one clear line on a bad option or a missing model', async () => {
    const base = ['posters', '--data', 'csv:ratings.csv', '--labels', 'labels.txt', '--posters', 'posters'];
    const badMean = await run([...base, '--model', 'model.onnx', '--out', 'x.tsv', '--mean', '1,2']);
    expect(badMean.code).not.toBe(0);
    expect(badMean.stderr).toMatch(/--mean must be three numbers/);
    const missing = await run([...base, '--model', 'nothing.onnx', '--out', 'x.tsv']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe('osusume: model file "nothing.onnx" not found');
  });
});
