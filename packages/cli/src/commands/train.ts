import type { Command } from 'commander';
import { familyParams, MODEL_FAMILIES, modelFamily, rmse, saveRecommender } from 'osusume';
import { loadData, withDataOptions, withFeatureOptions, withFitOptions } from '../options.js';
import { Output } from '../output.js';

export function trainCommand(program: Command): void {
  const command = program
    .command('train')
    .description('fit a model on all the ratings and save it as a model file (safetensors layout)')
    .requiredOption('--model <name>', `model family: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`)
    .requiredOption('--out <file>', 'where to write the model');
  withFitOptions(withFeatureOptions(withDataOptions(command))).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const family = modelFamily(options.model);
    if (!family.features && (options.task !== undefined || options.features !== undefined)) {
      throw new Error(`--task and --features are for the models on feature rows, not ${family.name}`);
    }
    // The feature models take them as parameters (as OSUSUME_MODEL=fm:features=irt+tags does).
    const params = {
      ...options.param,
      ...(options.features !== undefined ? { features: options.features } : {}),
      ...(options.task !== undefined ? { task: options.task } : {}),
    };
    const { data, skipped } = await loadData(options);
    if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
    const ratings = data.ratings;
    let tick: (value: number, detail?: string) => void = () => {};
    const { model, report } = await family.fit(ratings, params, {
      seed: options.seed,
      threads: options.threads,
      itemTags: data.tags,
      itemInfo: data.items,
      onProgress: (p) => {
        if (p.epoch === 1) tick = out.progress(`training ${family.name}`, p.epochs);
        tick(p.epoch, `${p.elapsedSeconds.toFixed(1)} s`);
      },
    });
    out.done();
    const trainRmse = rmse(model.predictIndices(ratings.user, ratings.item), ratings.value);
    await saveRecommender(options.out, model, {
      model: family.name,
      params: familyParams(family, params),
      seed: options.seed,
      fingerprint: ratings.fingerprint(),
      metrics: { trainRmse, fitSeconds: report.fitSeconds },
    });
    out.result({
      model: family.name,
      out: options.out,
      users: ratings.users.size,
      items: ratings.items.size,
      ratings: ratings.length,
      skipped,
      fitSeconds: report.fitSeconds,
      epochs: report.epochSeconds.length,
      trainRmse,
    });
    out.line(
      `${family.name}: ${ratings.length} ratings, ${ratings.users.size} users, ${ratings.items.size} items; ` +
        `fit in ${report.fitSeconds.toFixed(2)} s, ${family.implicit ? 'scores, not ratings' : `training RMSE ${trainRmse.toFixed(4)}`} → ${options.out}`,
    );
  });
}
