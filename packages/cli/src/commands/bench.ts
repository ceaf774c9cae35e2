import type { Command } from 'commander';
import { modelFamily, Rng } from 'osusume';
import { loadData, parseWholeNumber, withDataOptions, withFitOptions } from '../options.js';
import { Output } from '../output.js';

/** Percentile by nearest rank of an ascending array. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function benchCommand(program: Command): void {
  const command = program
    .command('bench')
    .description('time a fit (per epoch) and serving: fold-in of a user’s ratings plus top-n over all items')
    .option('--model <name>', 'model family', 'als')
    .option('--requests <n>', 'serving requests to time', parseWholeNumber('--requests', 1), 2000)
    .option(
      '--ratings-per-user <n>',
      'ratings folded in per request',
      parseWholeNumber('--ratings-per-user', 1),
      50,
    )
    .option('-n, --n <n>', 'items recommended per request', parseWholeNumber('-n', 1), 10);
  withFitOptions(withDataOptions(command)).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const family = modelFamily(options.model);
    const { data } = await loadData(options);
    const ratings = data.ratings;
    const { model, report } = await family.fit(ratings, options.param, {
      seed: options.seed,
      threads: options.threads,
      itemTags: data.tags,
    });
    // Serving: random users' ratings (up to --ratings-per-user each) folded in, then top-n.
    const byUser = ratings.byUser();
    const rng = new Rng(options.seed);
    const requests: { item: string; value: number }[][] = [];
    for (let r = 0; r < options.requests; r++) {
      const u = rng.int(ratings.users.size);
      const begin = byUser.indptr[u];
      const end = Math.min(byUser.indptr[u + 1], begin + options.ratingsPerUser);
      const list = [];
      for (let e = begin; e < end; e++) {
        list.push({ item: ratings.items.idAt(byUser.indices[e]), value: byUser.values[e] });
      }
      requests.push(list);
    }
    const times: number[] = [];
    for (const [k, list] of requests.entries()) {
      const t0 = performance.now();
      model.recommend(model.foldIn(list), { n: options.n });
      if (k >= 50) times.push(performance.now() - t0); // the first requests warm the JIT up
    }
    times.sort((a, b) => a - b);
    const sortedEpochs = report.epochSeconds.slice().sort((a, b) => a - b);
    const result = {
      data: options.data,
      model: family.name,
      params: options.param,
      threads: options.threads,
      users: ratings.users.size,
      items: ratings.items.size,
      ratings: ratings.length,
      fitSeconds: report.fitSeconds,
      epochs: report.epochSeconds.length,
      epochSeconds: sortedEpochs.length ? percentile(sortedEpochs, 50) : 0,
      serving: {
        requests: times.length,
        ratingsPerUser: options.ratingsPerUser,
        n: options.n,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
      },
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    out.result(result);
    out.line(`${family.name} on ${options.data}: ${ratings.length} ratings, ${ratings.items.size} items`);
    out.line(
      `  fit ${result.fitSeconds.toFixed(2)} s, median epoch ${(result.epochSeconds * 1000).toFixed(1)} ms`,
    );
    out.line(
      `  fold-in + top-${options.n}: p50 ${result.serving.p50Ms.toFixed(3)} ms, p99 ${result.serving.p99Ms.toFixed(3)} ms`,
    );
    out.line(`  peak memory ${result.maxRssMiB.toFixed(0)} MiB`);
  });
}
