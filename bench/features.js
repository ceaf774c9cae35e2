// Factorization machines and binary outcomes (issue 6): Bayesian FM on MovieLens against libFM, FM with
// side features on the anime data, IRT and friends on fraction subtraction, the knowledge-tracing feature
// sets on ASSISTments 2009, and epoch time against rows for FM SGD and DeepFM. Used by bench/run.js.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEEPFM_FAMILY, FeatureEncoder, FM_FAMILY, readDataSpec, resolveParams } from 'osusume';

const fmt = (x, d = 4) => (x === undefined || x === null ? '–' : Number(x).toFixed(d));
const median = (values) => {
  const s = values.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs every feature benchmark it has data for; returns the report's lines and the raw figures. */
export async function featureBenchmarks({ osusume, root, dataDir, out }) {
  const lines = ['## Factorization machines and binary outcomes', ''];
  const results = {};
  const ml = join(dataDir, 'ml-100k');
  const anime = join(root, 'data', 'anime');

  if (existsSync(join(ml, 'u1.base'))) {
    const [plain, genres] = ['user,item', 'user,item,cat:genres'].map((features) =>
      osusume([
        'eval',
        '--data',
        `ml100k:${ml}`,
        ...['--model', 'fm', '--param', 'solver=mcmc', '--param', 'factors=32', '--param', 'iterations=200'],
        ...['--features', features, '--threads', '1', '--protocol', 'folds'],
      ]),
    );
    results.fmMcmcMl100k = { plain: plain.mean, genres: genres.mean };
    lines.push(
      '### Bayesian FM (MCMC, k=32, 200 samples, one thread), ML-100k official folds u1..u5',
      '',
      '| features | mean RMSE | s per sample (median) | reference |',
      '|---|---|---|---|',
      `| user, item | **${fmt(plain.mean.rmse)}** | ${fmt(plain.mean.epochSeconds, 3)} | libFM 0.8981 at 0.052 s; bar ≤ 0.895, ≤ 0.052 s |`,
      `| user, item, genres | ${fmt(genres.mean.rmse)} | ${fmt(genres.mean.epochSeconds, 3)} | change ${fmt(genres.mean.rmse - plain.mean.rmse)} |`,
      '',
    );
  }

  // Anime: FM with and without genres and type, hold-out 10 %.
  const animeRuns = [
    ['user, item', 'user,item'],
    ['user, item, genres, type', 'user,item,cat:genres,cat:type'],
  ].map(([label, features]) => {
    const r = osusume([
      'eval',
      '--data',
      `anime:${anime}`,
      '--model',
      'fm',
      '--param',
      'solver=mcmc',
      '--param',
      'factors=32',
      '--param',
      'iterations=100',
      '--features',
      features,
      '--protocol',
      'holdout:0.1',
    ]);
    return { label, mean: r.mean };
  });
  results.fmAnime = animeRuns;
  lines.push(
    '### FM (MCMC, k=32, 100 samples) on the anime data, hold-out 10 %',
    '',
    '| features | RMSE (1–10 scale) | fit s |',
    '|---|---|---|',
    ...animeRuns.map((r) => `| ${r.label} | ${fmt(r.mean.rmse)} | ${fmt(r.mean.fitSeconds, 1)} |`),
    '',
  );

  // Fraction subtraction: every binary model on the same random 5 folds.
  const fraction = join(dataDir, 'fraction', 'needed.csv');
  if (existsSync(fraction)) {
    const dir = join(out, 'fraction');
    osusume([
      'compare',
      '--data',
      `kt:${fraction}`,
      '--models',
      'irt,lr,elo,lmf,fm,deepfm',
      '--protocol',
      'kfold:5',
      '--param',
      'elo.passes=10',
      '--param',
      'elo.k=0.1',
      '--out',
      dir,
    ]);
    const twoPl = osusume([
      'eval',
      '--data',
      `kt:${fraction}`,
      '--model',
      'irt',
      '--param',
      'pl=2',
      '--protocol',
      'kfold:5',
    ]);
    results.fraction2pl = twoPl.mean;
    lines.push(
      '### Fraction subtraction (536 students × 20 items), random 5-fold, users + items',
      '',
      readFileSync(join(dir, 'table.md'), 'utf8'),
      `IRT 2PL: AUC ${fmt(twoPl.mean.auc)}. Reference: IRT as L2 logistic regression (liblinear) 0.892; bar for IRT 1PL ≥ 0.89.`,
      '',
    );
  }

  // ASSISTments 2009 (DKVMN's train/test files: learners in test are new; no question ids, so item = skill).
  const assist = join(dataDir, 'assist2009');
  if (existsSync(assist)) {
    const log = 'skill,wins:log,fails:log';
    const runs = [
      ['IRT 1PL (users + skills)', 'irt', 'irt', []],
      ['PFA: logistic regression on skills, wins, fails', 'lr', 'pfa', []],
      [
        'KTM features (items + skills + log(1 + count) wins, fails; the item is the skill here)',
        'lr',
        'ktm',
        [],
      ],
      ['PFA with log(1 + count) counters', 'lr', log, []],
      ['FM d=20 (SGD, 20 epochs), log counters', 'fm', log, ['solver=sgd', 'factors=20', 'iterations=20']],
      [
        'Bayesian FM d=20 (100 samples), log counters',
        'fm',
        log,
        ['solver=mcmc', 'factors=20', 'iterations=100'],
      ],
      ['DeepFM, log counters', 'deepfm', log, []],
    ].map(([label, model, features, params]) => {
      const r = osusume([
        'eval',
        '--data',
        `dkvmn:${assist}`,
        '--model',
        model,
        '--features',
        features,
        ...params.flatMap((p) => ['--param', p]),
      ]);
      return { label, mean: r.mean };
    });
    results.assist2009 = runs;
    lines.push(
      '### ASSISTments 2009 (DKVMN train/test: 2,921 learners in training, 1,230 new ones in test)',
      '',
      '| model | AUC | log-loss | accuracy | fit s |',
      '|---|---|---|---|---|',
      ...runs.map(
        (r) =>
          `| ${r.label} | ${fmt(r.mean.auc)} | ${fmt(r.mean.logloss)} | ${fmt(r.mean.accuracy)} | ${fmt(r.mean.fitSeconds, 1)} |`,
      ),
      '',
      'Published (with question ids, which this copy lacks): IRT 0.691–0.734, PFA 0.651–0.685, KTM up to 0.819.',
      '',
    );
  }

  // Epoch time against rows: the first 25 %, 50 %, 100 % of the anime ratings, one-hot user + item.
  const data = await readDataSpec(`anime:${anime}`);
  const all = FeatureEncoder.forData('user,item', data).encode(data.ratings);
  const scaling = [];
  for (const share of [0.25, 0.5, 1]) {
    const rows = all.select(Int32Array.from({ length: Math.round(all.rows * share) }, (_, r) => r));
    const epoch = async (family, params) => {
      const { report } = await family.fit(rows, resolveParams(family.params, params), {
        task: 'regression',
        seed: 0,
      });
      return median(report.epochSeconds);
    };
    scaling.push({
      rows: rows.rows,
      fmSgd: await epoch(FM_FAMILY, { solver: 'sgd', factors: 32, iterations: 3 }),
      deepFm: await epoch(DEEPFM_FAMILY, { epochs: 2, patience: 2 }),
    });
  }
  results.epochScaling = scaling;
  const base = scaling[scaling.length - 1];
  lines.push(
    '### Epoch time against rows (anime ratings, one-hot user + item, one thread)',
    '',
    '| rows | FM SGD k=32 epoch (s) | per million rows | DeepFM epoch (s) | per million rows |',
    '|---|---|---|---|---|',
    ...scaling.map(
      (s) =>
        `| ${s.rows.toLocaleString('en')} | ${fmt(s.fmSgd, 3)} | ${fmt((s.fmSgd / s.rows) * 1e6, 3)} | ${fmt(s.deepFm, 3)} | ${fmt((s.deepFm / s.rows) * 1e6, 3)} |`,
    ),
    '',
    `Linear when the time per million rows stays flat (all rows: FM ${fmt((base.fmSgd / base.rows) * 1e6, 3)} s, DeepFM ${fmt((base.deepFm / base.rows) * 1e6, 3)} s).`,
    '',
  );
  return { lines, results };
}
