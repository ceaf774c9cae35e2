// Group recommendations: the aggregation rules of packages/core (group-rules.ts) compared on synthetic
// groups of the anime data (docs/recommendations.md, "Groups"). Groups of 2, 3 and 5 users drawn at
// random, and "similar" pairs (a user and the one of 200 drawn at random whose liked works overlap theirs
// most); half of each member's favorites (10/10, at least 2) are held out, the service's ALS (k = 32) is
// fitted on the rest, each member is folded in from their other ratings as the service does, and each
// rule ranks ten works for the group among the works no member rated with at least
// OSUSUME_MIN_RATINGS training ratings. Per group: the members' mean NDCG@10 and hit rate@10 on their own
// held-out favorites, and the worst member's. "solo" is each member's own top ten (no group), for scale.
// Medians over seeds. node bench/groups.js [--groups 200] [--seeds 5] -> a markdown table.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  DEFAULT_MIN_RATINGS,
  GROUP_RULES,
  InteractionsBuilder,
  modelFamily,
  Rng,
  rankForGroup,
} from 'osusume';
import { CHOICE_VALUES, choiceOfAnimeScore } from '../packages/server/dist/src/domain/choices.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argument = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const GROUPS = Number(argument('groups', 200));
const SEEDS = Number(argument('seeds', 5));
const K = 10;
const KINDS = [
  { name: 'random 2', size: 2 },
  { name: 'similar 2', size: 2, similar: true },
  { name: 'random 3', size: 3 },
  { name: 'random 5', size: 5 },
];
const RULES = [...GROUP_RULES, 'solo'];

const rows = gunzipSync(readFileSync(join(root, 'data/anime/ratings.csv.gz')))
  .toString()
  .split('\n')
  .slice(1)
  .filter((line) => line !== '')
  .map((line) => {
    const [user, work, score] = line.split(',');
    return { user, work, choice: choiceOfAnimeScore(Number(score)) };
  });
const byUser = new Map();
for (const row of rows) {
  const list = byUser.get(row.user) ?? [];
  list.push(row);
  byUser.set(row.user, list);
}
const eligibleUsers = [...byUser.keys()].filter(
  (user) => byUser.get(user).filter((r) => r.choice === 'favorite').length >= 4,
);
console.error(`${eligibleUsers.length} users with ≥ 4 favorites`);
const liked = new Map(
  eligibleUsers.map((u) => [
    u,
    new Set(
      byUser
        .get(u)
        .filter((r) => r.choice === 'favorite' || r.choice === 'like')
        .map((r) => r.work),
    ),
  ]),
);
const jaccard = (a, b) => {
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  return both / (a.size + b.size - both || 1);
};

/** Groups of distinct users, no user in two groups (their held-out favorites stay out of training). */
function drawGroups(rng) {
  const pool = [...eligibleUsers];
  for (let k = pool.length - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [pool[k], pool[j]] = [pool[j], pool[k]];
  }
  const taken = new Set();
  const take = () => {
    while (taken.has(pool.at(-1))) pool.pop();
    const user = pool.pop();
    taken.add(user);
    return user;
  };
  const groups = [];
  for (const kind of KINDS) {
    for (let g = 0; g < GROUPS; g++) {
      const first = take();
      if (!kind.similar) {
        groups.push({ kind: kind.name, members: [first, ...Array.from({ length: kind.size - 1 }, take)] });
        continue;
      }
      let best;
      for (let c = 0; c < 200; c++) {
        const other = pool[rng.int(pool.length)];
        if (taken.has(other)) continue;
        const s = jaccard(liked.get(first), liked.get(other));
        if (!best || s > best.s) best = { other, s };
      }
      taken.add(best.other);
      groups.push({ kind: kind.name, members: [first, best.other] });
    }
  }
  return groups;
}

function ndcg(list, relevant) {
  let dcg = 0;
  list.forEach((item, i) => {
    if (relevant.has(item)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(K, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// figures[kind][rule][metric] = one value per seed.
const figures = {};
for (let seed = 1; seed <= SEEDS; seed++) {
  const rng = new Rng(seed);
  const groups = drawGroups(rng);
  const held = new Map();
  for (const user of groups.flatMap((g) => g.members)) {
    const favorites = byUser.get(user).filter((r) => r.choice === 'favorite');
    const out = new Set();
    while (out.size < Math.max(2, Math.floor(favorites.length / 2)))
      out.add(favorites[rng.int(favorites.length)]);
    held.set(user, out);
  }
  const builder = new InteractionsBuilder();
  for (const row of rows) {
    if (!held.get(row.user)?.has(row)) builder.add(row.user, row.work, CHOICE_VALUES[row.choice]);
  }
  const started = performance.now();
  const { model } = await modelFamily('als').fit(builder.build(), { factors: 32 }, { seed, threads: 2 });
  console.error(`seed ${seed}: ALS fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const counts = model.ratingCounts();
  const items = model.items;

  const sums = {};
  for (const group of groups) {
    const members = group.members.map((user) => {
      const kept = byUser.get(user).filter((r) => !held.get(user).has(r));
      const folded = model.foldIn(kept.map((r) => ({ item: r.work, value: CHOICE_VALUES[r.choice] })));
      return {
        scores: Float64Array.from(model.scores(folded)),
        rated: kept.map((r) => items.indexOf(r.work)).filter((j) => j >= 0),
        relevant: new Set([...held.get(user)].map((r) => items.indexOf(r.work)).filter((j) => j >= 0)),
      };
    });
    const banned = new Uint8Array(items.size);
    for (const m of members) for (const j of m.rated) banned[j] = 1;
    const eligible = (j) => !banned[j] && counts[j] >= DEFAULT_MIN_RATINGS;
    const scores = members.map((m) => m.scores);
    for (const rule of RULES) {
      const perMember = members.map((m, i) => {
        const list = (
          rule === 'solo'
            ? rankForGroup([scores[i]], 'average', { n: K, eligible, ties: counts })
            : rankForGroup(scores, rule, { n: K, eligible, ties: counts })
        ).map((p) => p.index);
        const n = ndcg(list, m.relevant);
        return { ndcg: n, hit: list.some((j) => m.relevant.has(j)) ? 1 : 0 };
      });
      sums[group.kind] ??= {};
      const entry = sums[group.kind][rule] ?? { ndcg: 0, worstNdcg: 0, hit: 0, worstHit: 0, n: 0 };
      entry.ndcg += perMember.reduce((s, m) => s + m.ndcg, 0) / perMember.length;
      entry.worstNdcg += Math.min(...perMember.map((m) => m.ndcg));
      entry.hit += perMember.reduce((s, m) => s + m.hit, 0) / perMember.length;
      entry.worstHit += Math.min(...perMember.map((m) => m.hit));
      entry.n++;
      sums[group.kind][rule] = entry;
    }
  }
  for (const [kind, rules] of Object.entries(sums)) {
    for (const [rule, e] of Object.entries(rules)) {
      figures[kind] ??= {};
      figures[kind][rule] ??= { ndcg: [], worstNdcg: [], hit: [], worstHit: [] };
      const target = figures[kind][rule];
      for (const metric of ['ndcg', 'worstNdcg', 'hit', 'worstHit']) target[metric].push(e[metric] / e.n);
    }
  }
}

console.log(
  `Groups: ${GROUPS} per kind and seed, ${SEEDS} seeds (medians); ALS k=32; top ${K} among works no member rated with ≥ ${DEFAULT_MIN_RATINGS} training ratings.\n`,
);
console.log(
  '| groups | rule | NDCG@10 mean of members | NDCG@10 worst member | hit@10 mean | hit@10 worst member |',
);
console.log('|---|---|---|---|---|---|');
for (const kind of KINDS) {
  for (const rule of RULES) {
    const f = figures[kind.name][rule];
    const cells = ['ndcg', 'worstNdcg', 'hit', 'worstHit'].map((m) => median(f[m]).toFixed(3));
    console.log(`| ${kind.name} | ${rule} | ${cells.join(' | ')} |`);
  }
}
