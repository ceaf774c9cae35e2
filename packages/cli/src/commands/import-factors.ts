import { join } from 'node:path';
import type { Command } from 'commander';
import { readDataSpec, saveRecommender } from 'osusume';
import { DATA_SPEC_HELP, parseNumber } from '../options.js';
import { Output } from '../output.js';
import { readSparkFactors } from '../spark/factor-parquet.js';
import { readSparkIds } from '../spark/spark-ids.js';
import { sparkFactorModel } from '../spark/spark-model.js';

/** Spark ALS's default regParam. */
const SPARK_REG_PARAM = 0.1;

export function importFactorsCommand(program: Command): void {
  program
    .command('import-factors')
    .description(
      'turn the user and item factors of Spark MLlib’s ALS (Parquet: id, features) into a model file for recommend, explain, similar and the service',
    )
    .option('--users <path>', 'model.userFactors: a Parquet file, or the directory of part files Spark wrote')
    .option('--items <path>', 'model.itemFactors: a Parquet file or a directory')
    .option('--spark-model <dir>', 'a directory ALSModel.save wrote: its userFactors/ and itemFactors/')
    .requiredOption('--out <file>', 'where to write the model')
    .option(
      '--ratings <spec>',
      `the ratings Spark trained on, to leave out what each user rated, count ratings per item (--min-ratings) and clip to the rating scale: ${DATA_SPEC_HELP}`,
    )
    .option('--ids <file>', 'the id mapping `osusume export --parquet` wrote when it numbered the ids')
    .option(
      '--reg-param <x>',
      'the regParam Spark trained with, for the fold-in of new users and explain',
      parseNumber('--reg-param', 0),
      SPARK_REG_PARAM,
    )
    .option(
      '--mean <x>',
      'added to every score (0: Spark predicts the plain dot product)',
      parseNumber('--mean'),
      0,
    )
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const paths = factorPaths(options);
      const [users, items] = await Promise.all([
        readSparkFactors(paths.users),
        readSparkFactors(paths.items),
      ]);
      const ids = options.ids ? await readSparkIds(options.ids) : undefined;
      const ratings = options.ratings
        ? { spec: String(options.ratings), data: await readDataSpec(options.ratings) }
        : undefined;
      const model = sparkFactorModel(users, items, {
        ids,
        ratings,
        regParam: options.regParam,
        mean: options.mean,
      });
      await saveRecommender(options.out, model, {
        model: 'spark-als',
        params: { rank: users.rank, regParam: options.regParam, mean: options.mean },
        fingerprint: ratings?.data.ratings.fingerprint(),
      });
      const summary = {
        out: options.out,
        users: model.users.size,
        items: model.items.size,
        rank: users.rank,
        ratings: model.train.indices.length,
        mean: options.mean,
        regParam: options.regParam,
        scale: model.scale ?? null,
      };
      out.result(summary);
      out.line(
        `spark-als: ${summary.users} users, ${summary.items} items, rank ${summary.rank}, ` +
          `${summary.ratings} training ratings → ${options.out}`,
      );
      if (!ratings) {
        out.note(
          'no --ratings: rated items are not left out, and every item has 0 training ratings (recommend needs --min-ratings 0)',
        );
      }
    });
}

/** --users and --items, or both from --spark-model. */
function factorPaths(options: { users?: string; items?: string; sparkModel?: string }): {
  users: string;
  items: string;
} {
  if (options.sparkModel !== undefined) {
    if (options.users !== undefined || options.items !== undefined) {
      throw new Error('give either --spark-model or --users and --items, not both');
    }
    return { users: join(options.sparkModel, 'userFactors'), items: join(options.sparkModel, 'itemFactors') };
  }
  if (options.users === undefined || options.items === undefined) {
    throw new Error('say where the factors are: --users <path> and --items <path>, or --spark-model <dir>');
  }
  return { users: options.users, items: options.items };
}
