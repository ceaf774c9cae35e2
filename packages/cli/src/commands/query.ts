import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  type Dataset,
  DEFAULT_MIN_RATINGS,
  type FoldedUser,
  loadRecommender,
  type Recommender,
  readDataSpec,
} from 'osusume';
import { parseWholeNumber, titleOf } from '../options.js';
import { Output } from '../output.js';

/** recommend, similar and explain: questions asked of a saved model. */
export function queryCommands(program: Command): void {
  const recommend = program
    .command('recommend')
    .description('top-n items for a user of the model, or for ratings given here (fold-in, no retraining)')
    .option('-n, --n <n>', 'how many', parseWholeNumber('-n', 1), 10)
    .option('--include-rated', 'do not leave out the items the user rated')
    .option('--exclude <items>', 'comma-separated items never to recommend')
    .option(
      '--min-ratings <n>',
      'only items with at least this many training ratings (a score from one or two ratings is noise)',
      parseWholeNumber('--min-ratings'),
      DEFAULT_MIN_RATINGS,
    );
  withQueryOptions(withUserOptions(recommend)).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const { model } = await loadRecommender(options.model);
    const who = await userOf(model, options);
    const titles = await titlesFrom(options.titles);
    const items = model.recommend(who, {
      n: options.n,
      excludeRated: !options.includeRated,
      exclude: options.exclude ? String(options.exclude).split(',') : undefined,
      minRatings: options.minRatings,
    });
    const unknown = typeof who === 'string' ? [] : who.unknownItems;
    out.result({ user: options.user ?? null, minRatings: options.minRatings, items, unknownItems: unknown });
    if (unknown.length) out.note(`ignored items the model does not know: ${unknown.join(', ')}`);
    const rare = model.ratingCounts().filter((count) => count < options.minRatings).length;
    if (items.length < options.n && rare > 0) {
      out.note(
        `${rare} items have fewer than ${options.minRatings} training ratings and were left out (--min-ratings)`,
      );
    }
    items.forEach((s, k) => {
      out.line(`${String(k + 1).padStart(3)}. ${s.score.toFixed(3)}  ${titleOf(titles, s.item)}`);
    });
  });

  const similar = program
    .command('similar')
    .description('items whose factor vectors point the same way as this one (cosine)')
    .requiredOption('--item <id>', 'an item of the training data')
    .option('-n, --n <n>', 'how many', parseWholeNumber('-n', 1), 10);
  withQueryOptions(similar).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const { model } = await loadRecommender(options.model);
    const titles = await titlesFrom(options.titles);
    const items = model.similarItems(options.item, options.n);
    out.result({ item: options.item, items });
    out.line(`similar to ${titleOf(titles, options.item)}:`);
    items.forEach((s, k) => {
      out.line(`${String(k + 1).padStart(3)}. ${s.score.toFixed(3)}  ${titleOf(titles, s.item)}`);
    });
  });

  const explain = program
    .command('explain')
    .description('why the model predicts this score: mean, item bias, and the rated items that weigh most')
    .requiredOption('--item <id>', 'the item to explain')
    .option('-n, --n <n>', 'how many rated items to show', parseWholeNumber('-n', 1), 5);
  withQueryOptions(withUserOptions(explain)).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const { model } = await loadRecommender(options.model);
    const who = await userOf(model, options);
    const titles = await titlesFrom(options.titles);
    const why = model.explain(who, options.item, options.n);
    const tastes = model.tagPreferences?.(who, 3);
    const predicted = model.predict(who, options.item);
    out.result({ ...why, predicted, tastes: tastes ?? null });
    out.line(`predicted ${predicted.toFixed(3)} for ${titleOf(titles, why.item)}`);
    if (Math.abs(predicted - why.score) > 5e-4) {
      const reason = model.scale ? 'clipped to the rating scale' : 'the score of your items folded in anew';
      out.line(`  (the parts below add up to ${why.score.toFixed(3)}, ${reason})`);
    }
    out.line(`  ${why.mean.toFixed(3)}  mean rating`);
    out.line(`  ${signed(why.itemBias)}  this item's bias`);
    for (const c of why.contributions) {
      out.line(`  ${signed(c.weight)}  you rated ${titleOf(titles, c.item)} ${c.rating}`);
    }
    if (Math.abs(why.rest) >= 5e-4) out.line(`  ${signed(why.rest)}  your other ratings`);
    for (const t of why.tags ?? []) out.line(`  ${signed(t.weight)}  tag ${t.tag}`);
    const tagRest = why.tagRest ?? 0;
    if (Math.abs(tagRest) >= 5e-4) out.line(`  ${signed(tagRest)}  its other tags`);
    if (why.gate !== undefined)
      out.line(`  (the collaborative model weighs ${(why.gate * 100).toFixed(0)} % for this work)`);
    if (tastes && (tastes.likes.length || tastes.dislikes.length)) {
      const names = (list: { tag: string }[]) => list.map((t) => t.tag).join(', ');
      out.line(
        `you seem to like ${names(tastes.likes) || 'no tag in particular'}` +
          (tastes.dislikes.length ? ` but not ${names(tastes.dislikes)}` : ''),
      );
    }
  });
}

/** --model, --titles and --json: the model asked and how answers are shown. */
function withQueryOptions(command: Command): Command {
  return command
    .requiredOption('--model <file>', 'model file written by `osusume train`')
    .option('--titles <spec>', 'data spec to show item titles (e.g. anime:data/anime)')
    .option('--json', 'print one JSON object');
}

/** --user, --rate and --ratings: who is asking, a known user or a newcomer's ratings. */
function withUserOptions(command: Command): Command {
  return command
    .option('--user <id>', 'a user of the training data')
    .option('--rate <item=value>', 'a rating of a new user (repeatable)', collectRating, [])
    .option(
      '--ratings <file>',
      'a new user’s ratings: lines "item,value" (or a JSON array of {item, value})',
    );
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

function collectRating(
  value: string,
  previous: { item: string; value: number }[],
): { item: string; value: number }[] {
  const eq = value.lastIndexOf('=');
  const rating = Number(value.slice(eq + 1));
  if (eq <= 0 || !Number.isFinite(rating)) throw new Error(`--rate ${value}: expected item=number`);
  return [...previous, { item: value.slice(0, eq), value: rating }];
}

async function userOf(
  model: Recommender,
  options: { user?: string; rate: { item: string; value: number }[]; ratings?: string },
): Promise<string | FoldedUser> {
  const given = options.rate.length > 0 || options.ratings !== undefined;
  if (options.user !== undefined && given)
    throw new Error('give either --user or ratings (--rate, --ratings), not both');
  if (options.user !== undefined) return options.user;
  if (!given) throw new Error('say who: --user <id>, or ratings with --rate item=value or --ratings <file>');
  const ratings = [...options.rate, ...(options.ratings ? await readRatingsFile(options.ratings) : [])];
  return model.foldIn(ratings);
}

async function readRatingsFile(file: string): Promise<{ item: string; value: number }[]> {
  const text = await readFile(file, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of {item, value}`);
    return parsed.map((r, k) => {
      if (typeof r?.item !== 'string' || typeof r?.value !== 'number') {
        throw new Error(`${file}: entry ${k + 1} is not {"item": string, "value": number}`);
      }
      return { item: r.item, value: r.value };
    });
  }
  return text
    .split(/\r?\n/)
    .map((line, k) => ({ line: line.trim(), number: k + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      const comma = line.lastIndexOf(',');
      const value = Number(line.slice(comma + 1));
      if (comma <= 0 || !Number.isFinite(value)) throw new Error(`${file}:${number}: expected "item,value"`);
      return { item: line.slice(0, comma).trim(), value };
    });
}

async function titlesFrom(spec: string | undefined): Promise<Dataset | undefined> {
  return spec ? readDataSpec(spec) : undefined;
}
