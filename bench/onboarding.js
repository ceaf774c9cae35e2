// Onboarding with and without the k-DPP slot (issue 22): how fast recommendations improve as a newcomer
// votes on the mosaic. Simulated newcomers are held-out users of the anime data: per seed, TEST_USERS users
// with at least 4 favorites are left out of the service's import (SQLite, the service's counters and
// lists) and of the model's training (the service's ALS, 32 factors). Half of each one's favorites (at
// least 2) are their held-out favorites, never voted on; the rest of their history is what they know.
// The mosaic (the service's own mosaicCards/mosaicCard) shows four cards by a policy; the newcomer looks
// at each card in turn: a work they rated gets their vote (their score as the import maps it to a
// choice), any other work is skipped (Mangaki's simulation: "won't see" / no opinion, nothing folded in);
// either way the slot gets its next card, never a work shown before. After 5, 10 and 20 votes their votes
// are folded in and the service's recommendation rule ranks 10 works (the model's, then the lists'):
// NDCG@10 against the held-out favorites. A newcomer who runs out of cards (MAX_CARDS, or every slot
// empty) before N votes is scored with the votes they had. Per seed the mean over newcomers; the table
// gives the median over seeds, with the cards it took to reach N votes (median over newcomers who did).
// node bench/onboarding.js [--users 200] [--seeds 1,2,3] [--cards 200] [--policies today,all dpp]
// [--json seeds.jsonl] -> markdown table on stdout; --table a.jsonl,b.jsonl prints the table of saved runs.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIN_RATINGS, modelFamily, Rng, rankingMetrics } from 'osusume';
import { ConsensusLists } from '../packages/server/dist/src/domain/consensus-lists.js';
import { DEFAULT_LIST_THRESHOLDS } from '../packages/server/dist/src/domain/lists.js';
import { DPP_POOL, mosaicCard, mosaicCards } from '../packages/server/dist/src/domain/mosaic.js';
import { Catalogue } from '../packages/server/dist/src/engine/catalogue.js';
import { recommendWorks } from '../packages/server/dist/src/engine/recommendation-rule.js';
import { ServingModel } from '../packages/server/dist/src/engine/serving-model.js';
import { readTrainingData } from '../packages/server/dist/src/engine/training-data.js';
import { importAnimeService, readAnimeRatings } from './anime-service.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argument = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const TEST_USERS = Number(argument('users', 200));
const SEEDS = argument('seeds', '1,2,3').split(',').map(Number);
/** Each seed's figures are appended to this file as JSON lines, so that runs side by side can be merged. */
const JSON_OUT = argument('json', undefined);
/** Only print the table of the JSON lines in these files (comma-separated). */
const FROM = argument('table', undefined);
const MAX_CARDS = Number(argument('cards', 200));
const VOTES = [5, 10, 20];
const K = 10;
const ALL_POLICIES = {
  today: ['popular', 'controversial', 'top', 'random'],
  'dpp for random': ['popular', 'controversial', 'top', 'dpp'],
  'all dpp': ['dpp', 'dpp', 'dpp', 'dpp'],
};
// One process per policy runs them side by side (each seed's newcomers are the same in every process).
const POLICIES = Object.fromEntries(
  argument('policies', Object.keys(ALL_POLICIES).join(','))
    .split(',')
    .map((name) => {
      if (!ALL_POLICIES[name])
        throw new Error(`--policies: ${name}? the policies are ${Object.keys(ALL_POLICIES)}`);
      return [name, ALL_POLICIES[name]];
    }),
);

const median = (xs) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const { header, rows, byUser } = readAnimeRatings(root);
const eligible = [...byUser.keys()].filter(
  (user) => byUser.get(user).filter((r) => r.choice === 'favorite').length >= 4,
);

/** One newcomer's onboarding under a policy: NDCG@10 after each N of VOTES and the cards it took. */
async function onboard(context, newcomer, slots, rng) {
  const { db, serving, consensus, model } = context;
  const draw = (pool, given, k) => serving.diverseWorks(pool, given, k, rng);
  const voted = [];
  const shown = [];
  const results = [];
  const evaluate = async (votes) => {
    const ratings = voted.map((work) => ({ work, choice: newcomer.knows.get(work) }));
    const { items } = await recommendWorks(serving, consensus, ratings, {
      n: K,
      minRatings: DEFAULT_MIN_RATINGS,
    });
    results.push({
      votes,
      reached: voted.length >= votes,
      cards: shown.length,
      ranking: {
        recommended: items.map((i) => model.items.indexOf(i.work)).filter((j) => j >= 0),
        relevant: new Map(
          newcomer.held.filter((w) => model.items.has(w)).map((w) => [model.items.indexOf(w), 1]),
        ),
      },
    });
  };
  const screen = await mosaicCards(db, { exclude: [], rated: [] }, DEFAULT_LIST_THRESHOLDS, draw, slots);
  while (results.length < VOTES.length && shown.length < MAX_CARDS) {
    if (screen.every((card) => card.work === null)) break;
    for (const [at, card] of screen.entries()) {
      if (!card.work || results.length === VOTES.length) continue;
      const work = card.work.id;
      shown.push(work);
      if (newcomer.knows.has(work)) {
        voted.push(work);
        if (voted.length === VOTES[results.length]) await evaluate(voted.length);
      }
      // The works on screen first (the dpp slot is conditioned on them), then every work shown before.
      const onScreen = screen.flatMap((c) => (c.work && c.work.id !== work ? [c.work.id] : []));
      screen[at] = await mosaicCard(
        db,
        card.slot,
        { exclude: [...onScreen, ...[...shown].reverse()], rated: [...voted].reverse() },
        DEFAULT_LIST_THRESHOLDS,
        draw,
      );
    }
  }
  while (results.length < VOTES.length) await evaluate(VOTES[results.length]);
  return results;
}

/** Per seed and policy: NDCG@10, cards to reach N votes (per newcomer who did) and the share who did. */
const records = [];
for (const seed of FROM ? [] : SEEDS) {
  const rng = new Rng(seed);
  const users = [...eligible];
  for (let k = users.length - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [users[k], users[j]] = [users[j], users[k]];
  }
  const newcomers = users.slice(0, TEST_USERS).map((user) => {
    const mine = byUser.get(user);
    const favorites = mine.filter((r) => r.choice === 'favorite');
    const held = new Set();
    while (held.size < Math.max(2, Math.floor(favorites.length / 2))) {
      held.add(favorites[rng.int(favorites.length)].work);
    }
    const knows = new Map(mine.filter((r) => !held.has(r.work)).map((r) => [r.work, r.choice]));
    return { user, held: [...held], knows };
  });
  const left = new Set(newcomers.map((n) => n.user));
  const dir = mkdtempSync(join(tmpdir(), 'osusume-onboarding-'));
  try {
    const storage = await importAnimeService(
      root,
      dir,
      header,
      rows.filter((r) => !left.has(r.user)),
    );
    const training = await readTrainingData(storage.db);
    const catalogue = await Catalogue.load(storage.db);
    const consensus = new ConsensusLists(storage.db, DEFAULT_LIST_THRESHOLDS, Number.POSITIVE_INFINITY);
    const { model } = await modelFamily('als').fit(training, { factors: 32 }, { seed, threads: 2 });
    const serving = new ServingModel(1, model, catalogue, '');
    const context = { db: storage.db, serving, consensus, model };
    console.error(`seed ${seed}: ${training.length} training ratings, ${newcomers.length} newcomers`);

    // The speed of one dpp draw: a pool of DPP_POOL most-rated works, conditioned on 8 on screen.
    const counts = model.ratingCounts();
    const popular = model.items
      .toArray()
      .map((id, j) => ({ id, count: counts[j] }))
      .sort((a, b) => b.count - a.count)
      .map((w) => w.id);
    // Wall clock and CPU time: on a shared machine the wall clock measures the other processes too.
    const drawTimes = [];
    const drawCpu = [];
    for (let t = 0; t < 200; t++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      serving.diverseWorks(popular.slice(8, 8 + DPP_POOL), popular.slice(0, 8), 1, rng);
      const used = process.cpuUsage(cpu);
      if (t >= 20) {
        drawTimes.push(performance.now() - started);
        drawCpu.push((used.user + used.system) / 1000);
      }
    }
    const seedRecords = [{ seed, drawTimes, drawCpu }];

    for (const [policy, slots] of Object.entries(POLICIES)) {
      const started = performance.now();
      const perVotes = VOTES.map(() => ({ rankings: [], reached: 0, cards: [] }));
      for (const newcomer of newcomers) {
        const results = await onboard(context, newcomer, slots, rng.split(newcomers.indexOf(newcomer)));
        results.forEach((r, v) => {
          perVotes[v].rankings.push(r.ranking);
          if (r.reached) {
            perVotes[v].reached++;
            perVotes[v].cards.push(r.cards);
          }
        });
      }
      VOTES.forEach((votes, v) => {
        seedRecords.push({
          seed,
          users: newcomers.length,
          policy,
          votes,
          ndcg: rankingMetrics(perVotes[v].rankings, K, model.items.size).ndcg,
          cards: perVotes[v].cards,
          reached: perVotes[v].reached / newcomers.length,
        });
      });
      console.error(`  ${policy}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await storage.close();
    records.push(...seedRecords);
    if (JSON_OUT) appendFileSync(JSON_OUT, seedRecords.map((r) => `${JSON.stringify(r)}\n`).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (FROM) {
  for (const file of FROM.split(',')) {
    for (const line of readFileSync(file, 'utf8').split('\n'))
      if (line !== '') records.push(JSON.parse(line));
  }
}
const seeds = [...new Set(records.map((r) => r.seed))];
const policies = [...new Set(records.filter((r) => r.policy).map((r) => r.policy))];
const drawTimes = records.flatMap((r) => r.drawTimes ?? []);
const drawCpu = records.flatMap((r) => r.drawCpu ?? []);
const out = [
  `${seeds.length} seeds (${seeds.join(', ')}) × ${median(records.filter((r) => r.users).map((r) => r.users))} ` +
    `held-out anime users (at least 4 favorites, half of them held out), ALS 32 factors, at most ` +
    `${MAX_CARDS} cards each. Cells: NDCG@10 on the held-out favorites after N votes (median over seeds ` +
    'of the mean over newcomers) / cards shown to reach N votes (median over newcomers who did) / share ' +
    'of newcomers who did (median over seeds).',
  '',
  `| policy (slots) | ${VOTES.map((v) => `${v} votes`).join(' | ')} |`,
  `|---|${VOTES.map(() => '---|').join('')}`,
];
for (const policy of policies) {
  const cells = VOTES.map((votes) => {
    const cell = records.filter((r) => r.policy === policy && r.votes === votes);
    return (
      `${median(cell.map((r) => r.ndcg)).toFixed(4)} / ${median(cell.flatMap((r) => r.cards))} / ` +
      `${(100 * median(cell.map((r) => r.reached))).toFixed(0)} %`
    );
  });
  out.push(`| ${policy} (${ALL_POLICIES[policy].join(', ')}) | ${cells.join(' | ')} |`);
}
out.push(
  '',
  `One dpp draw (pool of ${DPP_POOL}, conditioned on 8 works, ALS 32 factors): median ` +
    `${median(drawTimes).toFixed(2)} ms wall clock over ${drawTimes.length} draws` +
    (drawCpu.length ? `, ${median(drawCpu).toFixed(2)} ms of CPU over ${drawCpu.length}.` : '.'),
);
console.log(out.join('\n'));
