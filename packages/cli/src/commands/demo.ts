import type { Command } from 'commander';
import { type Dataset, defaultThreads, type FoldedUser, fitAls, type Recommender } from 'osusume';
import { loadData, titleOf } from '../options.js';
import { Output } from '../output.js';

/**
 * `npm start` until the service lands: train on the bundled anime data, then show recommendations with
 * their reasons for a user of the data and for a newcomer who rated three works (fold-in, no retraining).
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('train on a data set and show explained recommendations (the default: the bundled anime)')
    .option('--data <spec>', 'data spec', 'anime:data/anime')
    .action(async (options) => {
      const out = new Output(false);
      const t0 = performance.now();
      const { data } = await loadData(options);
      const r = data.ratings;
      out.line(
        `read ${r.length} ratings by ${r.users.size} users on ${r.items.size} works (${options.data})`,
      );
      const { model, report } = await fitAls(r, {}, { threads: defaultThreads() });
      out.line(
        `trained ALS (${model.layout.factors} factors, biases; recommending works with at least 20 ratings) in ${report.fitSeconds.toFixed(2)} s`,
      );

      const counts = r.userCounts();
      const sample = r.users.idAt(counts.findIndex((c) => c >= 30 && c <= 80));
      showRecommendations(
        out,
        data,
        model,
        sample,
        `user ${sample} (${counts[r.users.indexOf(sample)]} ratings)`,
      );

      const loved = ['5114', '9253', '1535'].filter((id) => r.items.has(id));
      const newcomer = model.foldIn(loved.map((item) => ({ item, value: r.range().max })));
      showRecommendations(
        out,
        data,
        model,
        newcomer,
        `a newcomer who loved ${loved.map((id) => data.items.get(id)?.title ?? id).join(', ')}`,
      );
      out.line(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });
}

function showRecommendations(
  out: Output,
  data: Dataset,
  model: Recommender,
  who: string | FoldedUser,
  label: string,
): void {
  out.line(`\nRecommended for ${label}:`);
  for (const [k, s] of model.recommend(who, { n: 5, minRatings: 20 }).entries()) {
    const why = model.explain(who, s.item, 2);
    // A rated work pushes the score up when this work is like a liked one, or unlike a disliked one.
    const reasons = why.contributions
      .filter((c) => c.weight > 0)
      .map(
        (c) =>
          `${c.rating >= why.mean ? 'liked' : 'disliked'} ${data.items.get(c.item)?.title ?? c.item} (${c.rating})`,
      );
    out.line(
      `  ${k + 1}. ${titleOf(data, s.item)}  predicted ${Math.min(s.score, data.scale.max).toFixed(1)}`,
    );
    if (reasons.length) out.line(`     because you ${reasons.join(' and ')}`);
  }
}
