// `node bench/implicit.js`: the implicit-feedback models on MovieLens 100k read as implicit data (every
// rating an interaction of weight 1): implicit ALS speed, k = 64, seconds per iteration on 1 and 2
// threads and per non-zero, against the `implicit` package's published CPU conjugate-gradient timing
// and a plain numpy CG iALS run here (bench/ref/ials_numpy.py). Ranking quality comes from
// `osusume compare --protocol rank:…` (bench/RESULTS.md). Needs $OSUSUME_DATA/ml-100k (default ../shared/data/ml-100k) and
// python3 with numpy. Prints Markdown for bench/RESULTS.md and writes bench/out/implicit.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelFamily, readDataSpec } from 'osusume';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ml = join(resolve(process.env.OSUSUME_DATA ?? join(root, '..', 'shared', 'data')), 'ml-100k');
const K = 64;
const CG_STEPS = 3;
const median = (xs) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Published: implicit's benchmarks/README.md (github.com/benfred/implicit, benchmarks/README.md), CPU CG
// solver, last.fm 360k, 64 factors: 1.3660 s per iteration (mean of 5) on an Intel i7-7820X (8 cores).
// last.fm 360k's usersha1-artmbid-artname-plays.tsv has 17,535,655 rows (user, artist, plays).
const PUBLISHED = { seconds: 1.366, nnz: 17_535_655, cores: 8, factors: 64, data: 'last.fm 360k' };

const implicitData = await readDataSpec(`ml100k:${ml}`, { implicit: true, folds: false });
const train = implicitData.ratings;
const nnz = train.length;

/**
 * Medians over `fits` fits of `epochs` iterations, the first of each left out (warm-up): wall seconds per
 * iteration, and CPU seconds of the whole process (all threads) per iteration, which other jobs on a
 * shared machine inflate much less.
 */
async function iterationSeconds(threads, fits = 3, epochs = 6) {
  const wall = [];
  const cpu = [];
  for (let f = 0; f < fits; f++) {
    let last = process.cpuUsage();
    const used = [];
    const { report } = await modelFamily('ials').fit(
      train,
      { factors: K, epochs, cgSteps: CG_STEPS },
      {
        threads,
        seed: f,
        onProgress: () => {
          const now = process.cpuUsage(last);
          used.push((now.user + now.system) / 1e6);
          last = process.cpuUsage();
        },
      },
    );
    wall.push(...report.epochSeconds.slice(1));
    cpu.push(...used.slice(1));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function numpySeconds() {
  const args = [join(root, 'bench', 'ref', 'ials_numpy.py'), join(ml, 'u.data'), String(K), '4', '2', '0.1'];
  const text = execFileSync('python3', [...args, String(CG_STEPS)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  const result = JSON.parse(text);
  return { wall: median(result.seconds.slice(1)), cpu: median(result.cpu.slice(1)) };
}

const ours1 = await iterationSeconds(1);
const ours2 = await iterationSeconds(2);
const numpy = numpySeconds();
const ns = (seconds, cores = 1) => (seconds * cores * 1e9) / nnz;
const published = {
  perNnz: (PUBLISHED.seconds * 1e9) / PUBLISHED.nnz,
  perNnzCore: (PUBLISHED.seconds * PUBLISHED.cores * 1e9) / PUBLISHED.nnz,
};
const speed = {
  nnz,
  factors: K,
  cgSteps: CG_STEPS,
  ours: { threads1: ours1, threads2: ours2 },
  numpy,
  published: { ...PUBLISHED, ...published },
};

mkdirSync(join(root, 'bench', 'out'), { recursive: true });
writeFileSync(join(root, 'bench', 'out', 'implicit.json'), `${JSON.stringify(speed, null, 2)}\n`);

const f = (x, d = 1) => x.toFixed(d);
const row = (what, r) =>
  `| ${what} | ${f(r.wall, 4)} | ${f(r.cpu, 4)} | ${f(ns(r.wall))} | ${f(ns(r.cpu))} | ${f(ns(r.cpu) / K, 2)} |`;
const lines = [
  '## Implicit feedback: iALS speed on ML-100k as implicit data',
  '',
  `\`node bench/implicit.js\`: ${nnz} interactions (every u.data rating, weight 1), k = ${K}, ${CG_STEPS} CG steps per row;`,
  'medians over 3 fits × 5 iterations (the first iteration of each fit left out). CPU time is the',
  "process's (all threads): core-seconds per iteration.",
  '',
  '| what | wall s / iteration | CPU s / iteration | wall ns / non-zero | CPU ns / non-zero | CPU ns / (non-zero · factor) |',
  '|---|---|---|---|---|---|',
  row('osusume ials, 1 thread', ours1),
  row('osusume ials, 2 threads', ours2),
  row('numpy CG iALS here (bench/ref/ials_numpy.py), 1 thread', numpy),
  `| implicit CPU CG, published: ${PUBLISHED.data}, ${PUBLISHED.cores} cores | ${PUBLISHED.seconds} | ${f(PUBLISHED.seconds * PUBLISHED.cores, 2)} (wall × cores) | ${f(published.perNnz)} | ${f(published.perNnzCore)} | ${f(published.perNnzCore / K, 2)} |`,
  '',
  `Ratios per non-zero (ours / reference): CPU, 1 thread vs implicit's wall × cores ${f(ns(ours1.cpu) / published.perNnzCore, 2)}×; ` +
    `wall, 2 threads vs implicit's 8-core wall ${f(ns(ours2.wall) / published.perNnz, 2)}×; ` +
    `CPU, 1 thread vs numpy here ${f(ours1.cpu / numpy.cpu, 3)}×.`,
  `Load average (1 min) at the end of the run: ${f(loadavg()[0])}.`,
  '',
];
console.log(lines.join('\n'));
