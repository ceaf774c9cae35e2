// `node bench/tune.js`: `osusume tune` (issue 19) against a 60-point grid, ALS on MovieLens 100k u1.base /
// u1.test. The grid is factors {16, 32, 64, 128, 256} × lambda {0.03, 0.06, 0.12, 0.25} × lambdaBias
// {0.005, 0.02, 0.08}, each point fitted on u1.base and scored on u1.test (the grid's best test RMSE is
// an oracle: it picks on the test ratings) and scored by the tuner's own inner 5-fold cross-validation of
// u1.base (the point it picks is the fair choice). Then `osusume tune --budget 120 --threads 2`: its wall
// time and its held-out u1.test RMSE. Prints a section for bench/RESULTS.md; figures in bench/out/tune.json.
// Needs $OSUSUME_DATA/ml-100k (default ../shared/data/ml-100k beside the repository).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, kfold, modelFamily, readDataSpec } from 'osusume';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ml = join(resolve(process.env.OSUSUME_DATA ?? join(root, '..', 'shared', 'data')), 'ml-100k');
const budget = Number(process.env.TUNE_BUDGET ?? 120);
const threads = 2;
const cli = join(root, 'packages', 'cli', 'dist', 'src', 'main.js');
const fmt = (x, d = 4) => Number(x).toFixed(d);

const data = await readDataSpec(`ml100k:${ml}`);
const [u1] = data.folds;
const als = modelFamily('als');

// `node bench/tune.js --fits <threads> <count>`: the child process of the measurement at the end.
if (process.argv[2] === '--fits') {
  const [threadCount, count] = process.argv.slice(3).map(Number);
  for (let i = 0; i < count; i++) await als.fit(u1.train, {}, { threads: threadCount, seed: i });
  process.exit(0);
}
const score = async (params, folds) => (await evaluate(als, params, folds, { seed: 0, threads })).mean.rmse;

// The grid, scored on u1.test and by the tuner's inner folds (kfold(u1.base, 5, seed 0), as `tune` draws them).
const inner = kfold(u1.train, 5, 0);
const grid = [];
const gridStarted = performance.now();
for (const factors of [16, 32, 64, 128, 256]) {
  for (const lambda of [0.03, 0.06, 0.12, 0.25]) {
    for (const lambdaBias of [0.005, 0.02, 0.08]) {
      const params = { factors, lambda, lambdaBias };
      grid.push({ params, test: await score(params, [u1]), cv: await score(params, inner) });
    }
  }
}
const gridSeconds = (performance.now() - gridStarted) / 1000;
const oracle = grid.reduce((best, point) => (point.test < best.test ? point : best));
const chosen = grid.reduce((best, point) => (point.cv < best.cv ? point : best));

// The tuner through the command line, as a user runs it.
const started = performance.now();
const tuned = JSON.parse(
  execFileSync(
    process.execPath,
    [
      cli,
      'tune',
      '--model',
      'als',
      '--data',
      `ml100k:${ml}`,
      '--budget',
      String(budget),
      '--threads',
      String(threads),
      '--json',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  ),
);
const wall = (performance.now() - started) / 1000;

// Trials one after the other on 2 threads, or two at once on one thread each? Two fits cannot overlap in
// one process (the calling thread takes a share of each kernel), so "at once" is two processes here:
// 12 ALS fits on u1.base, in one process on 2 threads, against two processes of 6 fits on 1 thread each
// (wall times with data loading, medians of 3).
const fitsChild = (threadCount, count) =>
  new Promise((done, failed) => {
    const args = [fileURLToPath(import.meta.url), '--fits', String(threadCount), String(count)];
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (status) => (status === 0 ? done() : failed(new Error(`fits exited with ${status}`))));
  });
const wallOf = async (run) => {
  const times = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await run();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[1];
};
const sequential = await wallOf(() => fitsChild(2, 12));
const concurrent = await wallOf(() => Promise.all([fitsChild(1, 6), fitsChild(1, 6)]));

const show = (p) => `factors=${p.factors} lambda=${p.lambda} lambdaBias=${p.lambdaBias}`;
const lines = [
  '## Tuning: `osusume tune` on ML-100k u1 (ALS) against a 60-point grid (`node bench/tune.js`)',
  '',
  'Grid: factors {16, 32, 64, 128, 256} × lambda {0.03, 0.06, 0.12, 0.25} × lambdaBias {0.005, 0.02, 0.08}, other',
  `parameters at their defaults, ${threads} threads, seed 0; ${fmt(gridSeconds, 0)} s for its 60 test fits and 300 inner-CV fits.`,
  'The bar (issue 19) compares the tuner’s u1.test RMSE with the grid’s best u1.test RMSE (an oracle: it picks',
  'on the test ratings); the grid point picked by the same inner 5-fold CV of u1.base is the fair comparison.',
  '',
  '| | parameters | inner CV RMSE | u1.test RMSE | time |',
  '|---|---|---|---|---|',
  `| defaults | ${show(tuned.default.params)} | ${fmt(tuned.default.cv)} (${tuned.trials[0].scores.length} of 5 inner folds) | ${fmt(tuned.default.heldOut)} | |`,
  `| grid, oracle (best on u1.test) | ${show(oracle.params)} | ${fmt(oracle.cv)} | ${fmt(oracle.test)} | |`,
  `| grid, picked by inner CV | ${show(chosen.params)} | ${fmt(chosen.cv)} | ${fmt(chosen.test)} | |`,
  `| **osusume tune**, budget ${budget} s | ${show(tuned.params)} | ${fmt(tuned.cv)} | **${fmt(tuned.heldOut)}** | ${fmt(wall, 1)} s wall (${tuned.trials.length} settings, ${tuned.fits} fits) |`,
  '',
  `Bar: tune ≤ grid oracle: ${tuned.heldOut <= oracle.test ? 'met' : 'not met'} (${fmt(tuned.heldOut)} against ${fmt(oracle.test)}); ` +
    `within 2 minutes: ${wall <= 120 ? 'met' : 'not met'} (${fmt(wall, 1)} s). ` +
    `Against the CV-picked grid point: ${fmt(tuned.heldOut - chosen.test)}.`,
  `12 ALS fits on u1.base: ${fmt(sequential, 1)} s one after the other on 2 threads, ${fmt(concurrent, 1)} s as two processes ` +
    `of 6 on 1 thread each (×${fmt(sequential / concurrent, 2)}; medians of 3, data loading included).`,
  '',
];
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'out', 'tune.json'),
  `${JSON.stringify({ grid, oracle, chosen, tuned: { ...tuned, wall }, fits: { sequential, concurrent } }, null, 2)}\n`,
);
process.stdout.write(`${lines.join('\n')}\n`);
