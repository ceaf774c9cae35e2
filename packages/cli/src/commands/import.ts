import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Interactions } from 'osusume';
import { DATA_SPEC_HELP, loadData } from '../options.js';
import { Output } from '../output.js';

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('read and check a data set; summarize it, and optionally write it as clean CSV triplets')
    .requiredOption('--data <spec>', DATA_SPEC_HELP)
    .option('--tags <file>', 'item tags file (item tag [weight])')
    .option('--out <file>', 'write user,item,rating[,time] CSV (readable again with csv:<file>)')
    .option('--skip-bad', 'skip malformed lines (and count them) instead of stopping')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const { data, skipped } = await loadData(options);
      const r = data.ratings;
      // Knowledge-tracing data (kt: and dkvmn:) holds answers, right or wrong, not ratings.
      const rows = data.kind === 'kt' ? 'answers' : 'ratings';
      // The id maps are shared with a test file (dkvmn:): count who and what these rows hold.
      const counts = present(r);
      const test = data.test ? present(data.test.ratings) : undefined;
      const summary = {
        data: options.data,
        kind: data.kind,
        users: counts.users,
        items: counts.items,
        ratings: r.length,
        rows,
        ...(test
          ? { test: { users: test.users, items: test.items, ratings: data.test?.ratings.length } }
          : {}),
        unscored: data.unscored?.length ?? 0,
        scale: data.scale,
        mean: r.mean(),
        density: r.length / Math.max(1, counts.users * counts.items),
        itemsWithMetadata: data.items.size,
        itemsWithTags: data.tags?.size ?? 0,
        folds: data.folds?.map((f) => f.name) ?? [],
        skipped,
      };
      if (options.out) {
        const lines = [r.time ? 'user,item,rating,time' : 'user,item,rating'];
        for (let t = 0; t < r.length; t++) {
          const row = [
            csvField(r.users.idAt(r.user[t])),
            csvField(r.items.idAt(r.item[t])),
            String(r.value[t]),
          ];
          if (r.time) row.push(String(r.time[t]));
          lines.push(row.join(','));
        }
        await writeFile(options.out, `${lines.join('\n')}\n`);
      }
      out.result({ ...summary, out: options.out ?? null });
      out.line(`${options.data} (${data.kind})`);
      out.line(`  ${summary.ratings} ${rows} by ${summary.users} users on ${summary.items} items`);
      if (summary.test) {
        const { ratings, users, items } = summary.test;
        out.line(`  test file: ${ratings} ${rows} by ${users} other users on ${items} items`);
      }
      out.line(
        `  scale ${data.scale.min}..${data.scale.max}, mean ${summary.mean.toFixed(3)}, density ${(summary.density * 100).toFixed(2)} %`,
      );
      if (summary.unscored) out.line(`  ${summary.unscored} rows "seen, no score" kept apart`);
      if (summary.folds.length) out.line(`  official folds: ${summary.folds.join(', ')}`);
      if (summary.itemsWithTags) out.line(`  ${summary.itemsWithTags} items with tags`);
      out.line(`  ${skipped} malformed line(s) skipped`);
      if (options.out) out.line(`  written to ${options.out}`);
    });
}

/** The users and items that have at least one row in `r`. */
function present(r: Interactions): { users: number; items: number } {
  const nonZero = (counts: Int32Array) => counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  return { users: nonZero(r.userCounts()), items: nonZero(r.itemCounts()) };
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
