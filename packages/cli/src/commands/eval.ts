import type { Command } from 'commander';
import {
  evaluate,
  type Fold,
  formatProtocol,
  loadSplits,
  MODEL_FAMILIES,
  modelFamily,
  protocolFolds,
  Split,
  saveSplits,
} from 'osusume';
import {
  chosenProtocol,
  loadData,
  withDataOptions,
  withFitOptions,
  withProtocolOptions,
} from '../options.js';
import { Output } from '../output.js';

export function evalCommand(program: Command): void {
  const command = program
    .command('eval')
    .description('fit a model on each training fold and report its errors on the test folds')
    .requiredOption('--model <name>', `model family: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`)
    .option('--splits <file>', 'reuse the splits saved in this file')
    .option('--save-splits <file>', 'save the random splits used, to reuse them later');
  withFitOptions(withProtocolOptions(withDataOptions(command))).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const family = modelFamily(options.model);
    const { data, test, skipped } = await loadData(options);
    if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
    const protocol = chosenProtocol(options, data);
    const folds: Fold[] = options.splits
      ? await loadSplits(options.splits, data.ratings)
      : protocolFolds(protocol, data, options.seed, test);
    if (options.saveSplits) {
      const random = folds.filter((f): f is Split => f instanceof Split);
      if (random.length === 0)
        throw new Error(`protocol ${formatProtocol(protocol)} has no random splits to save`);
      await saveSplits(options.saveSplits, random, data.ratings);
    }
    const tick = out.progress(`${family.name} on ${folds.length} fold(s)`, folds.length);
    const evaluation = await evaluate(family, options.param, folds, {
      seed: options.seed,
      threads: options.threads,
      seedTable: protocol.kind === 'seedtable',
      itemTags: data.tags,
      onFold: (done, _total, figures) => tick(done, `rmse ${figures.rmse.toFixed(4)}`),
    });
    out.done();
    out.result({
      data: options.data,
      model: evaluation.model,
      params: evaluation.params,
      protocol: options.splits ? `splits:${options.splits}` : formatProtocol(protocol),
      seed: options.seed,
      threads: options.threads,
      skipped,
      folds: evaluation.folds,
      mean: evaluation.mean,
    });
    out.line(`${family.name} on ${options.data}, ${formatProtocol(protocol)}, ${folds.length} fold(s)`);
    evaluation.folds.forEach((f, k) => {
      out.line(
        `  fold ${k + 1}: rmse ${f.rmse.toFixed(4)}  mae ${f.mae.toFixed(4)}  fit ${f.fitSeconds.toFixed(2)} s  epoch ${(f.epochSeconds * 1000).toFixed(1)} ms`,
      );
    });
    const m = evaluation.mean;
    out.line(`  mean:   rmse ${m.rmse.toFixed(4)}  mae ${m.mae.toFixed(4)}`);
    if (m.rmseLeastRated !== undefined) {
      out.line(`  least rated: ${m.rmseLeastRated.toFixed(4)}  cold start: ${m.rmseColdStart?.toFixed(4)}`);
    }
  });
}
