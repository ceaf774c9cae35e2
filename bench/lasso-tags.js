// LASSO and BALSE with many tags (`node bench/lasso-tags.js`): the anime data's 43 genres against the
// genres plus type and episode-count tags and 3,500 sparse noise tags (seeded, made here: no data file),
// fit time and peak memory of each fit in its own process, RMSE on a 10 % hold-out. The per-user solves
// should cost in proportion to the useful tags (those a user's ratings can select), not to all of them.
// Options: --users N (the first N users' ratings only), --alpha A (LASSO at a fixed α instead of auto),
// --models lasso,balse, --threads T.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holdout, Interactions, modelFamily, Rng, readDataSpec, rmse } from 'osusume';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.OSUSUME_DATA ?? join(root, '..', 'shared', 'data'));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const NOISE_TAGS = 3500;
const NOISE_PER_ITEM = 4;

/** Genres, or genres + `type:` + an episode-count bucket + Zipf-distributed noise tags (seeded). */
function tagsOf(data, kind) {
  if (kind === 'genres') return data.tags;
  const rng = new Rng(7);
  // Zipf(1) over the noise tags: a few on hundreds of works, most on one or two.
  const cumulative = new Float64Array(NOISE_TAGS);
  for (let k = 0, sum = 0; k < NOISE_TAGS; k++) cumulative[k] = sum += 1 / (k + 1);
  const draw = () => {
    const x = rng.uniform() * cumulative[NOISE_TAGS - 1];
    let [lo, hi] = [0, NOISE_TAGS - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const tags = new Map();
  for (const id of data.ratings.items.toArray()) {
    const list = [...(data.tags.get(id) ?? [])];
    const info = data.items.get(id) ?? {};
    if (info.type) list.push({ tag: `type:${info.type}`, weight: 1 });
    const episodes = Number(info.episodes);
    if (episodes > 0) list.push({ tag: `episodes:${2 ** Math.ceil(Math.log2(episodes))}`, weight: 1 });
    const noise = new Set(Array.from({ length: NOISE_PER_ITEM }, draw));
    for (const k of noise) list.push({ tag: `noise${k}`, weight: 1 });
    tags.set(id, list);
  }
  return tags;
}

/** The ratings of the first `users` users (all when not given). */
function firstUsers(ratings, users) {
  if (!users) return ratings;
  const rows = [];
  for (let t = 0; t < ratings.length; t++) {
    if (ratings.user[t] < users)
      rows.push([ratings.users.idAt(ratings.user[t]), ratings.items.idAt(ratings.item[t]), ratings.value[t]]);
  }
  return Interactions.fromRows(rows, { items: ratings.items });
}

async function child() {
  const [tags, model] = [option('tags'), option('model')];
  const data = await readDataSpec(`anime:${join(dataDir, 'anime')}`);
  const itemTags = tagsOf(data, tags);
  const ratings = firstUsers(data.ratings, Number(option('users', 0)));
  const split = holdout(ratings, 0.1, 0);
  const alpha = option('alpha');
  const params = alpha ? { [model === 'balse' ? 'lasso.alpha' : 'alpha']: alpha } : {};
  const threads = Number(option('threads', 2));
  const { model: fitted, report } = await modelFamily(model).fit(split.train, params, {
    itemTags,
    threads,
    seed: 0,
  });
  const predicted = fitted.predictIndices(split.test.user, split.test.item);
  const tagCount = new Set([...itemTags.values()].flat().map((t) => t.tag)).size;
  console.log(
    JSON.stringify({
      tags: tagCount,
      model,
      fitSeconds: report.fitSeconds,
      peakMB: process.resourceUsage().maxRSS / 1024,
      rmse: rmse(predicted, split.test.value),
    }),
  );
}

function parent() {
  const models = option('models', 'lasso,balse').split(',');
  const passed = ['users', 'alpha', 'threads'].flatMap((name) =>
    option(name) ? [`--${name}`, option(name)] : [],
  );
  const rows = [];
  for (const model of models) {
    for (const tags of ['genres', 'many']) {
      const out = execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', '--tags', tags, '--model', model, ...passed],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const result = JSON.parse(out.trim().split('\n').pop());
      rows.push(result);
      console.error(JSON.stringify(result));
    }
  }
  console.log(`\`node bench/lasso-tags.js ${[...passed, '--models', models.join(',')].join(' ')}\`\n`);
  console.log('| model | tags | fit (s) | peak RSS (MB) | hold-out RMSE |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.model} | ${r.tags.toLocaleString('en')} | ${r.fitSeconds.toFixed(2)} | ${r.peakMB.toFixed(0)} | ${r.rmse.toFixed(4)} |`,
    );
  }
}

if (args.includes('--child')) await child();
else parent();
