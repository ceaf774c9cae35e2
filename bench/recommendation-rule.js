// The service's recommendation rule on held-out favorites of the anime data: precision@10, NDCG@10 and
// catalogue coverage for each minimum support (OSUSUME_MIN_RATINGS) with and without the neutral floor
// (docs/recommendations.md). Everything goes through the service's own code: the demo import into SQLite
// (minus the held-out rows), the ranking counters, the service's model families and parameters, the
// ServingModel fold-in and recommendWorks. Visitors of four kinds: with all their other ratings; newcomers
// who rated 5 of them, or 1; and newcomers who rated only works they disliked (up to 5), where the neutral
// floor matters most. A newcomer's other ratings are left out of their candidates (works seen). The row
// "lists" is the fallback alone for everybody (what a visitor who rated nothing gets), for reference.
// node bench/recommendation-rule.js [--users 1000] [--models als,balse] -> markdown tables.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIN_RATINGS, fitAls, modelFamily, Rng, rankingMetrics, readMl100k } from 'osusume';
import { ConsensusLists } from '../packages/server/dist/src/domain/consensus-lists.js';
import { DEFAULT_LIST_THRESHOLDS } from '../packages/server/dist/src/domain/lists.js';
import { Catalogue } from '../packages/server/dist/src/engine/catalogue.js';
import { recommendWorks } from '../packages/server/dist/src/engine/recommendation-rule.js';
import { ServingModel } from '../packages/server/dist/src/engine/serving-model.js';
import { readTrainingData, readWorkTags } from '../packages/server/dist/src/engine/training-data.js';
import { importAnimeService, readAnimeRatings } from './anime-service.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argument = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const TEST_USERS = Number(argument('users', 1000));
const MODELS = argument('models', 'als,balse').split(',');
const SUPPORTS = [0, 2, 5, 10, 20, 50, 100];
const NEWCOMER_RATINGS = 5;
const K = 10;
const VISITORS = {
  all: 'all their other ratings',
  five: '5 of their ratings',
  one: '1 of their ratings',
  dislikes: 'only dislikes (up to 5)',
  lists: 'the lists alone (no ratings)',
};
const support = (m) => `${m}${m === DEFAULT_MIN_RATINGS ? ' (default)' : ''}`;
const SERVICE_PARAMS = { als: { factors: 32 }, balse: { 'als.factors': 32 } };

const { header, rows, byUser } = readAnimeRatings(root);

// Test users: those with at least 4 favorites; half their favorites (at least 2) are held out.
const rng = new Rng(7);
const eligible = [...byUser.keys()].filter(
  (user) => byUser.get(user).filter((r) => r.choice === 'favorite').length >= 4,
);
for (let k = eligible.length - 1; k > 0; k--) {
  const j = rng.int(k + 1);
  [eligible[k], eligible[j]] = [eligible[j], eligible[k]];
}
const testUsers = eligible.slice(0, TEST_USERS).map((user) => {
  const mine = byUser.get(user);
  const favorites = mine.filter((r) => r.choice === 'favorite');
  const held = new Set();
  while (held.size < Math.max(2, Math.floor(favorites.length / 2)))
    held.add(favorites[rng.int(favorites.length)]);
  const kept = mine.filter((r) => !held.has(r));
  const five = new Set();
  while (five.size < Math.min(NEWCOMER_RATINGS, kept.length)) five.add(kept[rng.int(kept.length)]);
  const disliked = kept.filter((r) => r.choice === 'dislike').slice(0, NEWCOMER_RATINGS);
  return {
    user,
    held: [...held].map((r) => r.work),
    visitors: { all: kept, five: [...five], one: [[...five][0]], dislikes: disliked },
    kept,
  };
});
const heldLines = new Set(
  testUsers.flatMap((t) => byUser.get(t.user).filter((r) => t.held.includes(r.work))),
);

const dir = mkdtempSync(join(tmpdir(), 'osusume-rule-'));
try {
  const storage = await importAnimeService(
    root,
    dir,
    header,
    rows.filter((r) => !heldLines.has(r)),
  );
  const [training, itemTags] = await Promise.all([readTrainingData(storage.db), readWorkTags(storage.db)]);
  const catalogue = await Catalogue.load(storage.db);
  const consensus = new ConsensusLists(storage.db, DEFAULT_LIST_THRESHOLDS, Number.POSITIVE_INFINITY);
  console.error(
    `${training.length} training ratings, ${testUsers.length} test users, ` +
      `${heldLines.size} held-out favorites`,
  );

  const results = [];
  for (const family of MODELS) {
    const started = performance.now();
    const { model } = await modelFamily(family).fit(training, SERVICE_PARAMS[family], {
      seed: 1,
      threads: 2,
      itemTags,
    });
    console.error(`${family} fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const serving = new ServingModel(1, model, catalogue, '');
    for (const visitor of ['all', 'five', 'one', 'dislikes', 'lists']) {
      for (const neutralFloor of visitor === 'lists' ? [true] : [false, true]) {
        for (const minRatings of visitor === 'lists' ? [0] : SUPPORTS) {
          const lists = [];
          let fellBack = 0;
          let belowNeutral = 0;
          for (const t of testUsers) {
            const given = visitor === 'lists' ? [] : t.visitors[visitor];
            // Users who disliked nothing have no "dislikes" visitor.
            if (visitor === 'dislikes' && given.length === 0) continue;
            const ratings = given.map((r) => ({ work: r.work, choice: r.choice }));
            const exclude = visitor === 'all' ? undefined : t.kept.map((r) => r.work);
            const { items, fallback } = await recommendWorks(
              serving,
              consensus,
              ratings,
              { n: K, minRatings, exclude },
              { neutralFloor },
            );
            if (fallback !== 'none') fellBack++;
            belowNeutral += items.filter((i) => i.source === 'model' && i.score <= 0.1).length;
            lists.push({
              recommended: items.map((i) => model.items.indexOf(i.work)),
              relevant: new Map(
                t.held.filter((w) => model.items.has(w)).map((w) => [model.items.indexOf(w), 1]),
              ),
            });
          }
          const m = rankingMetrics(lists, K, model.items.size);
          results.push({
            model: family,
            visitor,
            neutralFloor,
            minRatings,
            precision: m.precision,
            ndcg: m.ndcg,
            coverage: m.coverage,
            users: m.users,
            fellBack: fellBack / lists.length,
            belowNeutralPerList: belowNeutral / lists.length,
          });
        }
      }
    }
  }
  await storage.close();

  const f = (x, d = 4) => x.toFixed(d);
  const find = (model, visitor, neutralFloor, minRatings) =>
    results.find(
      (r) =>
        r.model === model &&
        r.visitor === visitor &&
        r.neutralFloor === neutralFloor &&
        r.minRatings === minRatings,
    );
  const out = [];
  out.push(
    `Held-out favorites of ${testUsers.length} anime users (half their favorites, at least 2), ` +
      `${heldLines.size} in all; the service's import, counters, models (32 factors) and rule. ` +
      'Cells: precision@10 / NDCG@10 / catalogue coverage.',
    '',
    '**Minimum support** (neutral floor on):',
    '',
    `| model | visitor | ${SUPPORTS.map(support).join(' | ')} |`,
    `|---|---|${SUPPORTS.map(() => '---|').join('')}`,
  );
  for (const model of MODELS) {
    for (const visitor of ['all', 'five']) {
      const cells = SUPPORTS.map((m) => {
        const r = find(model, visitor, true, m);
        return `${f(r.precision)} / ${f(r.ndcg)} / ${f(r.coverage, 3)}`;
      });
      out.push(`| ${model} | ${VISITORS[visitor]} | ${cells.join(' | ')} |`);
    }
  }
  out.push(
    '',
    `**Neutral floor** (minimum support ${DEFAULT_MIN_RATINGS}; without the floor the visitor sees ` +
      'works predicted at or below neutral):',
    '',
    '| model | visitor | users | floor | precision@10 | NDCG@10 | coverage | lists filled in | works ≤ neutral shown per list |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const model of MODELS) {
    for (const visitor of ['one', 'dislikes', 'all']) {
      for (const floor of [false, true]) {
        const r = find(model, visitor, floor, DEFAULT_MIN_RATINGS);
        out.push(
          `| ${model} | ${VISITORS[visitor]} | ${r.users} | ${floor ? 'on' : 'off'} | ${f(r.precision)} | ` +
            `${f(r.ndcg)} | ${f(r.coverage, 3)} | ${(100 * r.fellBack).toFixed(1)} % | ${f(r.belowNeutralPerList, 2)} |`,
        );
      }
    }
    const lists = find(model, 'lists', true, 0);
    out.push(
      `| ${model} | ${VISITORS.lists} | ${lists.users} | – | ${f(lists.precision)} | ${f(lists.ndcg)} | ` +
        `${f(lists.coverage, 3)} | 100 % | 0 |`,
    );
  }
  console.log(out.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// The same question for `osusume recommend` on other data: MovieLens 100k's five folds (not shipped:
// licence), ALS with its defaults, each test user's 5-star test ratings as the relevant items, every
// unrated work a candidate. Skipped when the data is absent.
const ml = join(resolve(process.env.OSUSUME_DATA ?? join(root, '..', 'shared', 'data')), 'ml-100k');
if (existsSync(join(ml, 'u1.base'))) {
  const { folds = [] } = await readMl100k(ml);
  const rows = [];
  for (const minRatings of SUPPORTS) rows.push({ minRatings, lists: [], catalogue: 0 });
  for (const fold of folds) {
    const { model } = await fitAls(fold.train, {}, { seed: 1, threads: 2 });
    const relevant = new Map();
    for (let r = 0; r < fold.test.length; r++) {
      if (fold.test.value[r] < 5) continue;
      const user = fold.test.users.idAt(fold.test.user[r]);
      const items = relevant.get(user) ?? new Map();
      items.set(model.items.indexOf(fold.test.items.idAt(fold.test.item[r])), 1);
      relevant.set(user, items);
    }
    for (const row of rows) {
      row.catalogue = model.items.size;
      for (const [user, items] of relevant) {
        const recommended = model
          .recommend(user, { n: K, minRatings: row.minRatings })
          .map((s) => model.items.indexOf(s.item));
        row.lists.push({ recommended, relevant: items });
      }
    }
  }
  console.log(
    [
      '',
      '**`osusume recommend` on MovieLens 100k** (ALS defaults, official folds u1..u5, 5-star test ratings ' +
        'relevant, every unrated movie a candidate):',
      '',
      '| user-folds | min ratings | precision@10 | NDCG@10 | coverage |',
      '|---|---|---|---|---|',
    ].join('\n'),
  );
  for (const { minRatings, lists, catalogue } of rows) {
    const m = rankingMetrics(lists, K, catalogue);
    console.log(
      `| ${m.users} | ${support(minRatings)} | ${m.precision.toFixed(4)} | ${m.ndcg.toFixed(4)} | ${m.coverage.toFixed(3)} |`,
    );
  }
}
