import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
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
      const summary = {
        data: options.data,
        kind: data.kind,
        users: r.users.size,
        items: r.items.size,
        ratings: r.length,
        unscored: data.unscored?.length ?? 0,
        scale: data.scale,
        mean: r.mean(),
        density: r.length / Math.max(1, r.users.size * r.items.size),
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
      out.line(`  ${summary.ratings} ratings by ${summary.users} users on ${summary.items} items`);
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

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
