import type { Command } from 'commander';
import {
  type Evaluation,
  evaluate,
  evaluateFeatures,
  FEATURE_MODEL_FAMILIES,
  type Fold,
  featureFolds,
  featureModelFamily,
  formatFeatureTerm,
  formatProtocol,
  isFeatureModel,
  loadSplits,
  MODEL_FAMILIES,
  modelFamily,
  protocolFolds,
  Split,
  saveSplits,
} from 'osusume';
import {
  chosenProtocol,
  chosenTask,
  featureEncoder,
  loadData,
  withDataOptions,
  withFeatureOptions,
  withFitOptions,
  withProtocolOptions,
} from '../options.js';
import { Output } from '../output.js';
import { collectFile, readParamsFiles } from '../params-file.js';

export function evalCommand(program: Command): void {
  const names = [...MODEL_FAMILIES, ...FEATURE_MODEL_FAMILIES].map((f) => f.name).join(', ');
  const command = program
    .command('eval')
    .description('fit a model on each training fold and report its errors on the test folds')
    .requiredOption('--model <name>', `model family: ${names}`)
    .option('--splits <file>', 'reuse the splits saved in this file')
    .option('--save-splits <file>', 'save the random splits used, to reuse them later')
    .option(
      '--params-file <file>',
      'parameters written by `osusume tune --out` (the model must match); --param overrides them',
      collectFile,
      [],
    );
  withFitOptions(withFeatureOptions(withProtocolOptions(withDataOptions(command)))).action(
    async (options) => {
      const out = new Output(Boolean(options.json));
      const onFeatures = isFeatureModel(options.model);
      if (!onFeatures && (options.task !== undefined || options.features !== undefined)) {
        throw new Error(
          `--task and --features are for the models on feature rows (${FEATURE_MODEL_FAMILIES.map((f) => f.name).join(', ')}), not ${options.model}`,
        );
      }
      const family = onFeatures ? featureModelFamily(options.model) : modelFamily(options.model);
      const fromFile = await readParamsFiles(options.paramsFile, [family.name]);
      const params = { ...fromFile.get(family.name), ...options.param };
      const { data, test, skipped } = await loadData(options);
      if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
      // The task and the features are checked before any split is drawn.
      const task = onFeatures ? chosenTask(options, data) : undefined;
      const encoder = onFeatures ? featureEncoder(options, data) : undefined;
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
      const onFold = (done: number, _total: number, figures: Record<string, number>) =>
        tick(
          done,
          figures.auc !== undefined ? `auc ${figures.auc.toFixed(4)}` : `rmse ${figures.rmse.toFixed(4)}`,
        );
      let evaluation: Evaluation;
      let features: string | undefined;
      if (task && encoder) {
        features = encoder.terms.map(formatFeatureTerm).join(',');
        const given = protocol.kind === 'given' && !options.splits ? (test ?? data.test) : undefined;
        evaluation = await evaluateFeatures(
          featureModelFamily(options.model),
          params,
          featureFolds(folds, data, encoder, given),
          { task, seed: options.seed, threads: options.threads, onFold },
        );
      } else {
        evaluation = await evaluate(modelFamily(options.model), params, folds, {
          seed: options.seed,
          threads: options.threads,
          seedTable: protocol.kind === 'seedtable',
          itemTags: data.tags,
          onFold,
        });
      }
      out.done();
      out.result({
        data: options.data,
        model: evaluation.model,
        params: evaluation.params,
        ...(task ? { task, features } : {}),
        protocol: options.splits ? `splits:${options.splits}` : formatProtocol(protocol),
        seed: options.seed,
        threads: options.threads,
        skipped,
        folds: evaluation.folds,
        mean: evaluation.mean,
      });
      const about = task ? `, ${task} on ${features}` : '';
      out.line(
        `${family.name} on ${options.data}${about}, ${formatProtocol(protocol)}, ${folds.length} fold(s)`,
      );
      for (const [k, f] of evaluation.folds.entries()) out.line(`  fold ${k + 1}: ${figuresText(f)}`);
      const m = evaluation.mean;
      out.line(`  mean:   ${figuresText(m, false)}`);
      if (m.rmseLeastRated !== undefined) {
        out.line(`  least rated: ${m.rmseLeastRated.toFixed(4)}  cold start: ${m.rmseColdStart?.toFixed(4)}`);
      }
    },
  );
}

/** One line of figures: the errors or the binary scores, then (per fold) the times. */
function figuresText(f: Record<string, number>, times = true): string {
  const scores =
    f.auc !== undefined
      ? `auc ${f.auc.toFixed(4)}  logloss ${f.logloss.toFixed(4)}  accuracy ${f.accuracy.toFixed(4)}`
      : `rmse ${f.rmse.toFixed(4)}  mae ${f.mae.toFixed(4)}`;
  if (!times) return scores;
  return `${scores}  fit ${f.fitSeconds.toFixed(2)} s  epoch ${(f.epochSeconds * 1000).toFixed(1)} ms`;
}
