// `npm run bench [-- --soak]`: accuracy and speed of the core models against their reference figures, written to
// bench/RESULTS.md (committed: the last results) and bench/out/*.json. Needs the MovieLens 100k folder
// (not shipped: licence) at $OSUSUME_DATA/ml-100k, default ../shared/data/ml-100k beside the repository,
// and python3 with numpy for the numpy reference. Speed figures are medians and ratios against reference
// runs made by this same script on this same machine, because shared machines are noisy.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { featureBenchmarks } from './features.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.OSUSUME_DATA ?? join(root, '..', 'shared', 'data'));
const ml = join(dataDir, 'ml-100k');
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const cli = join(root, 'packages', 'cli', 'dist', 'src', 'main.js');
const report = [
  `# Benchmark results`,
  '',
  `Run ${new Date().toISOString()} on ${cpuName()}, Node ${process.version}.`,
  '',
];
const results = {};

function run(command, args) {
  return execFileSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
}
function osusume(args) {
  return JSON.parse(run(process.execPath, [cli, ...args, '--json']));
}
function median(values) {
  const s = values.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
function cpuName() {
  try {
    return /model name\s*:\s*(.*)/.exec(run('cat', ['/proc/cpuinfo']))[1].trim();
  } catch {
    return 'an unknown CPU';
  }
}
function python() {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      run(candidate, ['-c', 'import numpy']);
      return candidate;
    } catch {}
  }
  return undefined;
}
const fmt = (x, d = 4) => Number(x).toFixed(d);

if (!existsSync(join(ml, 'u1.base'))) {
  report.push(`MovieLens 100k not found at ${ml}: accuracy and kernel speed skipped (set OSUSUME_DATA).`, '');
} else {
  // Accuracy: official folds u1..u5, default parameters.
  report.push('## Accuracy: ML-100k, official folds u1..u5, default parameters', '');
  report.push('| model | mean RMSE | folds | fit s (mean) | reference |', '|---|---|---|---|---|');
  const references = {
    biases: 'Surprise BaselineOnly 0.944; bar ≤ 0.944',
    als: 'LIBMF 0.914, Surprise SVD 0.934; bar (best of als/sgd) ≤ 0.910',
    sgd: 'LIBMF 0.914, Surprise SVD 0.934, libFM MCMC 0.898; bar (best of als/sgd) ≤ 0.910',
  };
  for (const model of ['biases', 'als', 'sgd']) {
    const r = osusume([
      'eval',
      '--data',
      `ml100k:${ml}`,
      '--model',
      model,
      '--protocol',
      'folds',
      '--seed',
      '0',
    ]);
    results[`accuracy_${model}`] = r;
    report.push(
      `| ${model} | **${fmt(r.mean.rmse)}** | ${r.folds.map((f) => fmt(f.rmse)).join(' ')} | ${fmt(r.mean.fitSeconds, 2)} | ${references[model]} |`,
    );
  }
  report.push('');

  // Kernel speed on u1.base, one thread, against references run here.
  const base = join(ml, 'u1.base');
  const test = join(ml, 'u1.test');
  const spec = `csv:${base}?sep=\\t&user=0&item=1&rating=2`;
  const evalSpeed = (model, params, threads = 1) =>
    osusume([
      'eval',
      '--data',
      spec,
      '--test',
      test,
      '--protocol',
      'given',
      '--model',
      model,
      ...params.flatMap((p) => ['--param', p]),
      '--threads',
      String(threads),
      '--seed',
      '0',
    ]).mean.epochSeconds;
  const plain = median(
    [0, 1, 2].map(
      () =>
        JSON.parse(run(process.execPath, [join(root, 'bench', 'ref', 'plain-sgd.js'), base, '100', '10']))
          .msPerEpoch / 1000,
    ),
  );
  const sgd = median([0, 1, 2].map(() => evalSpeed('sgd', ['factors=100', 'epochs=10'])));
  results.sgd_speed = { plainJsSeconds: plain, osusumeSeconds: sgd, ratio: sgd / plain };
  report.push('## Speed: `u1.base` (80,000 ratings), one thread (medians of 3 runs)', '');
  report.push(
    '| what | osusume | reference (same machine, same run) | ratio | bar |',
    '|---|---|---|---|---|',
  );
  report.push(
    `| SGD epoch, k=100 | ${fmt(sgd * 1000, 2)} ms | plain-JS loop ${fmt(plain * 1000, 2)} ms | ${fmt(sgd / plain, 2)}× | ≤ 0.40× (≈ 2× LIBMF's 10.5 ms) |`,
  );
  const py = python();
  for (const [k, sweeps] of [
    [20, 10],
    [100, 3],
  ]) {
    const ours = median([0, 1, 2].map(() => evalSpeed('als', [`factors=${k}`, `epochs=${sweeps}`])));
    let line = `| ALS sweep, k=${k} | ${fmt(ours * 1000, 2)} ms | `;
    if (py) {
      const numpy = median(
        [0, 1, 2].map(
          () =>
            JSON.parse(
              run(py, [
                join(root, 'bench', 'ref', 'als_numpy.py'),
                base,
                String(k),
                k === 20 ? '5' : '2',
                '0.1',
              ]),
            ).msPerSweep / 1000,
        ),
      );
      results[`als${k}_speed`] = { numpySeconds: numpy, osusumeSeconds: ours, speedup: numpy / ours };
      line += `numpy ALS-WR ${fmt(numpy * 1000, 1)} ms | ${fmt(numpy / ours, 1)}× faster | ≥ ${k === 20 ? 3 : 4}× |`;
    } else {
      line += 'numpy not available | – | – |';
    }
    report.push(line);
  }
  for (const k of [32, 100]) {
    const one = median([0, 1, 2].map(() => evalSpeed('als', [`factors=${k}`, 'epochs=5'], 1)));
    const two = median([0, 1, 2].map(() => evalSpeed('als', [`factors=${k}`, 'epochs=5'], 2)));
    results[`als${k}_threads`] = { oneThread: one, twoThreads: two, speedup: one / two };
    report.push(
      `| ALS sweep, k=${k}, 2 threads | ${fmt(two * 1000, 2)} ms | 1 thread ${fmt(one * 1000, 2)} ms | ${fmt(one / two, 2)}× faster | ≥ 1.6× |`,
    );
  }
  report.push('');
}

// Scale: synthetic ratings, ALS k=32, 10 sweeps, 2 threads, one process per size.
report.push(
  '## Scale: synthetic ratings (users = ratings/100, items = ratings/500), ALS k=32, 10 sweeps, 2 threads',
  '',
);
report.push('| ratings | users | items | fit s | sweep s | peak RSS MiB |', '|---|---|---|---|---|---|');
results.scale = [];
for (const n of [1e6, 2e6, 5e6, 1e7]) {
  const r = JSON.parse(run(process.execPath, [join(root, 'bench', 'scale.js'), String(n), '2']));
  results.scale.push(r);
  report.push(
    `| ${n.toLocaleString('en')} | ${r.users} | ${r.items} | ${fmt(r.fitSeconds, 1)} | ${fmt(r.sweepSeconds, 3)} | ${fmt(r.maxRssMiB, 0)} |`,
  );
}
report.push('', 'Bar: 10M ratings in under 2 minutes with peak memory under 3 GB.', '');

// Serving.
const serving = JSON.parse(run(process.execPath, [join(root, 'bench', 'serving.js')]));
results.serving = serving;
report.push('## Serving: fold-in of 50 ratings + top-10 over 10,000 items (ALS k=32), one thread', '');
report.push(
  `p50 ${fmt(serving.p50Ms, 3)} ms, p99 **${fmt(serving.p99Ms, 3)} ms** over ${serving.requests} requests (bar: p99 < 2 ms).`,
  '',
);

// Tags: the seed talk's table (ALS, LASSO on genres, BALSE) and the LASSO's speed, on the bundled anime data.
const anime = join(root, 'data', 'anime');
const tableDir = join(out, 'seedtable-anime');
osusume([
  'compare',
  '--data',
  `anime:${anime}`,
  '--models',
  'als,lasso,balse',
  '--protocol',
  'seedtable:0.1',
  '--folds',
  '5',
  '--out',
  tableDir,
]);
report.push(
  '## The seed talk’s table: anime data, 90/10 split, 5 folds (`osusume compare … --protocol seedtable:0.1 --folds 5`)',
  '',
);
report.push(readFileSync(join(tableDir, 'table.md'), 'utf8'), '');
report.push(
  'Published on Mangaki’s data (whole / least rated / cold start): ALS 1.157 / 1.299 / 1.493, LASSO 1.446 / 1.347 / 1.358, BALSE 1.150 / 1.247 / 1.316.',
  '',
);
if (existsSync(join(ml, 'u.data'))) {
  const mlDir = join(out, 'seedtable-ml100k');
  osusume([
    'compare',
    '--data',
    `ml100k:${ml}`,
    '--models',
    'als,lasso,balse',
    '--protocol',
    'seedtable:0.1',
    '--folds',
    '5',
    '--out',
    mlDir,
  ]);
  report.push(
    'Same on MovieLens 100k with its 19 genres as tags:',
    '',
    readFileSync(join(mlDir, 'table.md'), 'utf8'),
    '',
  );
}
const lasso = [1, 2].map((threads) =>
  osusume([
    'bench',
    '--data',
    `anime:${anime}`,
    '--model',
    'lasso',
    '--param',
    'alpha=0.077',
    '--threads',
    String(threads),
    '--requests',
    '300',
  ]),
);
const lassoAuto = osusume([
  'bench',
  '--data',
  `anime:${anime}`,
  '--model',
  'lasso',
  '--threads',
  '2',
  '--requests',
  '300',
]);
results.lasso = { fixedAlpha: lasso, auto: lassoAuto };
report.push('## LASSO: all 5,000 anime users on 43 genres', '');
report.push('| what | 1 thread | 2 threads | bar |', '|---|---|---|---|');
report.push(
  `| fit at α = 0.077 (s) | ${fmt(lasso[0].fitSeconds, 3)} | ${fmt(lasso[1].fitSeconds, 3)} | < 5 s on 2 threads |`,
);
report.push(
  `| of which the per-user solves (s) | ${fmt(lasso[0].epochSeconds, 3)} | ${fmt(lasso[1].epochSeconds, 3)} | |`,
);
report.push(
  `| fit with alpha=auto (3-fold CV over the α grid) (s) | – | ${fmt(lassoAuto.fitSeconds, 3)} | |`,
);
report.push('');

// Factorization machines and binary outcomes.
const features = await featureBenchmarks({ osusume, root, dataDir, out });
results.features = features.results;
report.push(...features.lines);

// What the service shows as recommendations, on held-out favorites (docs/recommendations.md).
report.push(
  '## Recommendation rule: minimum support and the neutral floor (`node bench/recommendation-rule.js`)',
  '',
  run(process.execPath, [join(root, 'bench', 'recommendation-rule.js')]).trim(),
  '',
);

// Group recommendations: the aggregation rules on synthetic groups (docs/recommendations.md, "Groups").
report.push(
  '## Group recommendations: aggregation rules (`node bench/groups.js`)',
  '',
  run(process.execPath, [join(root, 'bench', 'groups.js')]).trim(),
  '',
);

// The service on loopback.
const service = JSON.parse(run(process.execPath, [join(root, 'bench', 'service.js')]));
results.service = service;
report.push(
  '## Service (loopback, SQLite, one API process per core, autocannon at 50 connections for 10 s)',
  '',
);
report.push('| what | measured | bar |', '|---|---|---|');
report.push(
  `| first start (import 520k ratings, counters, training) | ${fmt(service.firstStartSeconds, 1)} s | < 60 s |`,
);
report.push(`| restart | ${fmt(service.restartSeconds, 1)} s | < 5 s |`);
report.push(
  `| POST /api/v1/recommend, 50 ratings | ${fmt(service.recommend.rps, 0)} req/s, p50 ${service.recommend.p50Ms} ms, p99 **${service.recommend.p99Ms} ms**, ${service.recommend.errors} errors | ≥ 1,000 req/s, p99 ≤ 15 ms |`,
  `| the same from the bare reference server (bench/ref/bare-recommend.js), just after | ${fmt(service.reference.rps, 0)} req/s, p50 ${service.reference.p50Ms} ms, p99 ${service.reference.p99Ms} ms, ${service.reference.errors} errors | (what the machine allows) |`,
);
report.push(
  `| PUT /api/v1/users/{id}/ratings/{work} | ${fmt(service.writes.rps, 0)} writes/s, p99 ${service.writes.p99Ms} ms; ${service.writes.ok} acknowledged, ${service.writes.stored} stored, ${service.writes.errors} errors | ≥ 1,000/s, none lost |`,
);
report.push('');

// The web app in Chromium.
const web = JSON.parse(run(process.execPath, [join(root, 'bench', 'web.js')]));
results.web = web;
report.push('## Web app (headless Chromium, loopback)', '');
report.push('| what | measured | bar |', '|---|---|---|');
report.push(
  `| JavaScript of the first load | ${web.firstLoad.files} files, ${fmt(web.firstLoad.gzipBytes / 1024, 1)} KB gzipped (${fmt(web.firstLoad.bytes / 1024, 1)} KB) | < 300 KB gzipped |`,
);
report.push(
  `| mosaic: click to the frame with the next card (24 votes, measured in the page) | median ${fmt(web.mosaicVoteMs.median, 1)} ms, p95 ${fmt(web.mosaicVoteMs.p95, 1)} ms, max ${fmt(web.mosaicVoteMs.max, 1)} ms | < 100 ms |`,
);
report.push(
  `| map: frames while dragging ${web.map.points} points for 2 s | ${fmt(web.map.fps, 0)} frames/s; frame interval median ${fmt(web.map.frameMs.median, 1)} ms, p95 ${fmt(web.map.frameMs.p95, 1)} ms, max ${fmt(web.map.frameMs.max, 1)} ms | smooth (≈ 60 frames/s) |`,
);
report.push('');

// The fleet soak (bench/soak.js) takes some 14 minutes and needs PostgreSQL: only when asked.
if (process.argv.includes('--soak')) {
  report.push(run(process.execPath, [join(root, 'bench', 'soak.js')]).trim(), '');
  results.soak = JSON.parse(readFileSync(join(out, 'soak.json'), 'utf8'));
}

writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(root, 'bench', 'RESULTS.md'), `${report.join('\n')}\n`);
console.log(report.join('\n'));
