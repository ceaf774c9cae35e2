// Top-k accuracy of the rating models against a popularity baseline, under a ranking protocol: each user's
// held-out positives (a rating ≥ their own mean, above the lowest) against all the items they did not rate
// in training (docs/evaluation.md). Popularity ranks by training rating count; the models by their scores.
// Uses the core library's own protocol and evaluator (protocolFolds, rankFigures), default parameters.
// node bench/ranking.js [--data ml100k:<dir>] [--protocol rank:recent:5] [--models biases,als,sgd] [--k 10]
// -> a markdown table on stdout (fit and ranking seconds are one run each: noisy on a shared machine).
import { join } from 'node:path';
import { modelFamily, parseProtocol, protocolFolds, rankFigures, readDataSpec } from 'osusume';

const argument = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const spec = argument('data', `ml100k:${join(process.env.OSUSUME_DATA ?? '../shared/data', 'ml-100k')}`);
const protocolText = argument('protocol', 'rank:recent:5');
const models = argument('models', 'biases,als,sgd').split(',');
const k = Number(argument('k', 10));

const data = await readDataSpec(spec);
const folds = protocolFolds(parseProtocol(protocolText), data, 0);
const rows = [];

/** Mean over folds of each figure; seconds summed. */
function mean(perFold) {
  const out = {};
  for (const key of Object.keys(perFold[0])) {
    out[key] = perFold.reduce((sum, figures) => sum + figures[key], 0) / perFold.length;
  }
  return out;
}

function timedRank(model, fold) {
  const started = performance.now();
  const figures = rankFigures(model, fold.train, fold.test, [k]);
  return { ...figures, rankSeconds: (performance.now() - started) / 1000 };
}

// Popularity: every user gets the most rated items they have not rated (a stand-in model: only `scores`).
rows.push([
  'popularity (most rated)',
  mean(
    folds.map((fold) => {
      const counts = Float64Array.from(fold.train.itemCounts());
      return { ...timedRank({ scores: () => counts }, fold), fitSeconds: 0 };
    }),
  ),
]);
for (const name of models) {
  const perFold = [];
  for (const fold of folds) {
    const { model, report } = await modelFamily(name).fit(fold.train, {}, { seed: 0, threads: 1 });
    perFold.push({ ...timedRank(model, fold), fitSeconds: report.fitSeconds });
  }
  rows.push([name, mean(perFold)]);
}

const first = folds[0];
console.log(
  `${spec}, ${protocolText}: ${folds.length} split(s); ${first.users} users ranked, ${first.skippedUsers} skipped (too few positives); ${first.test.length} held-out positives; ${data.ratings.items.size} items.\n`,
);
const header = [`NDCG@${k}`, `P@${k}`, `R@${k}`, `MAP@${k}`, `coverage@${k}`, 'fit (s)', 'rank (s)'];
console.log(`| model | ${header.join(' | ')} |`);
console.log(`|---|${header.map(() => '---:').join('|')}|`);
for (const [name, f] of rows) {
  const cells = [f[`ndcg@${k}`], f[`precision@${k}`], f[`recall@${k}`], f[`map@${k}`], f[`coverage@${k}`]]
    .map((x) => x.toFixed(4))
    .concat([f.fitSeconds.toFixed(2), f.rankSeconds.toFixed(2)]);
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
