import type { Command } from 'commander';
import { writeFileAtomic } from 'osusume';
import { DATA_SPEC_HELP, loadData } from '../options.js';
import { Output } from '../output.js';
import { writeSparkRatings } from '../spark/ratings-parquet.js';
import { idsFileFor } from '../spark/spark-ids.js';

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'write the ratings of a data set for training elsewhere: --parquet in the layout Spark’s ALS reads',
    )
    .requiredOption('--data <spec>', DATA_SPEC_HELP)
    .requiredOption(
      '--parquet <file>',
      'Parquet with columns user, item (int) and rating (float); ids that are not integers are numbered, and the numbering written to <file>.ids.json',
    )
    .option('--skip-bad', 'skip malformed lines (and count them) instead of stopping')
    .option('--implicit', 'read every row as an interaction of weight 1')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const { data, skipped } = await loadData(options);
      const ratings = data.ratings;
      const ids = await writeSparkRatings(options.parquet, ratings);
      const numbered = ids.users !== null || ids.items !== null;
      const idsFile = numbered ? idsFileFor(options.parquet) : null;
      if (idsFile) await writeFileAtomic(idsFile, `${JSON.stringify(ids)}\n`);
      out.result({
        data: options.data,
        parquet: options.parquet,
        ratings: ratings.length,
        users: ratings.users.size,
        items: ratings.items.size,
        numbered: { users: ids.users !== null, items: ids.items !== null },
        idsFile,
        skipped,
      });
      out.line(`${ratings.length} ratings → ${options.parquet} (columns user, item: int; rating: float)`);
      if (idsFile) {
        const sides = [ids.users && 'user', ids.items && 'item'].filter(Boolean).join(' and ');
        out.line(
          `  ${sides} ids are not all integers: numbered 0.. in ${idsFile} (import-factors --ids ${idsFile})`,
        );
      }
      if (skipped > 0) out.line(`  ${skipped} malformed line(s) skipped`);
    });
}
