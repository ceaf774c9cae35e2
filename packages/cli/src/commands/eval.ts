import type { Command } from 'commander';
import {
  type Evaluation,
  evaluate,
  evaluateFeatures,
  FEATURE_MODEL_FAMILIES,
  type Fold,
  featureFolds,
  formatFeatureTerm,
  formatProtocol,
  implicitRmseNote,
  loadSplits,
  MODEL_FAMILIES,
  modelFamily,
  protocolFolds,
  Split,
  saveSplits,
  summarizeByKey,
} from 'osusume';
import {
  chosenMetrics,
  chosenProtocol,
  chosenTask,
  featureEncoder,
  loadData,
  withDataOptions,
  withFeatureOptions,
  withFitOptions,
  withMetricsOption,
  withProtocolOptions,
} from '../options.js';
import { Output } from '../output.js';
import { collectFile, readParamsFiles } from '../params-file.js';

export function evalCommand(program: Command): void {
  const names = MODEL_FAMILIES.map((f) => f.name).join(', ');
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
  withFitOptions(withFeatureOptions(withMetricsOption(withProtocolOptions(withDataOptions(command))))).action(
    async (options) => {
      const out = new Output(Boolean(options.json));
      const family = modelFamily(options.model);
      // The models on feature rows are measured on encoded rows, with --task and --features.
      const onRows = family.features;
      const onFeatures = onRows !== undefined;
      if (!onFeatures && (options.task !== undefined || options.features !== undefined)) {
        throw new Error(
          `--task and --features are for the models on feature rows (${FEATURE_MODEL_FAMILIES.map((f) => f.name).join(', ')}), not ${options.model}`,
        );
      }
      const fromFile = await readParamsFiles(options.paramsFile, [family.name]);
      const params = { ...fromFile.get(family.name), ...options.param };
      const { data, test, skipped } = await loadData(options);
      if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
      // The task and the features are checked before any split is drawn.
      const task = onFeatures ? chosenTask(options, data) : undefined;
      const encoder = onFeatures ? featureEncoder(options, data) : undefined;
      const protocol = chosenProtocol(options, data);
      const metrics = chosenMetrics(options, protocol, onFeatures ? [options.model] : []);
      const rmseNote = onFeatures ? undefined : implicitRmseNote(family);
      if (rmseNote && metrics.names.some((name) => name === 'rmse' || name === 'mae')) out.note(rmseNote);
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
      if (onRows && task && encoder) {
        features = encoder.terms.map(formatFeatureTerm).join(',');
        const given = protocol.kind === 'given' && !options.splits ? (test ?? data.test) : undefined;
        evaluation = await evaluateFeatures(onRows, params, featureFolds(folds, data, encoder, given), {
          task,
          seed: options.seed,
          threads: options.threads,
          onFold,
        });
      } else {
        evaluation = await evaluate(family, params, folds, {
          seed: options.seed,
          threads: options.threads,
          seedTable: protocol.kind === 'seedtable',
          itemTags: data.tags,
          rankAt: metrics.ks,
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
        ...(options.metrics !== undefined ? { metrics: metrics.names } : {}),
        folds: evaluation.folds,
        mean: evaluation.mean,
        spread: spreadOf(evaluation.folds),
      });
      const about = task ? `, ${task} on ${features}` : '';
      out.line(
        `${family.name} on ${options.data}${about}, ${formatProtocol(protocol)}, ${folds.length} fold(s)`,
      );
      const shown = task ? undefined : metrics.names;
      for (const [k, f] of evaluation.folds.entries()) out.line(`  fold ${k + 1}: ${figuresText(f, shown)}`);
      const m = evaluation.mean;
      out.line(`  mean:   ${figuresText(m, shown, false)}`);
      if (m.rankedUsers !== undefined) {
        const skippedUsers =
          m.skippedUsers !== undefined ? `, ${m.skippedUsers} skipped (too few positives)` : '';
        out.line(`  ranked users: ${m.rankedUsers} per fold (with a positive test rating)${skippedUsers}`);
      }
      if (m.rmseLeastRated !== undefined) {
        out.line(`  least rated: ${m.rmseLeastRated.toFixed(4)}  cold start: ${m.rmseColdStart?.toFixed(4)}`);
      }
    },
  );
}

/**
 * The spread of each figure across folds, beside the JSON's mean: sample sd (null for one fold), min, max
 * and the number of folds with a value.
 */
function spreadOf(folds: readonly Record<string, number>[]) {
  return Object.fromEntries(
    Object.entries(summarizeByKey(folds)).map(([key, { sd, n }]) => {
      const values = folds.map((f) => f[key]).filter((v) => typeof v === 'number' && !Number.isNaN(v));
      return [
        key,
        {
          sd: Number.isFinite(sd) ? sd : null,
          min: n ? Math.min(...values) : null,
          max: n ? Math.max(...values) : null,
          n,
        },
      ];
    }),
  );
}

/** One line of figures: the ones asked for (rating models) or the task's, then (per fold) the times. */
function figuresText(f: Record<string, number>, names: readonly string[] | undefined, times = true): string {
  const scores = names
    ? names.map((name) => `${name} ${f[name].toFixed(4)}`).join('  ')
    : f.auc !== undefined
      ? `auc ${f.auc.toFixed(4)}  logloss ${f.logloss.toFixed(4)}  accuracy ${f.accuracy.toFixed(4)}`
      : `rmse ${f.rmse.toFixed(4)}  mae ${f.mae.toFixed(4)}`;
  if (!times) return scores;
  const epoch = Number.isFinite(f.epochSeconds) ? `  epoch ${(f.epochSeconds * 1000).toFixed(1)} ms` : '';
  // What the fit chose for itself (ALS's pruning), per fold.
  const kept = f.factors !== undefined ? `  factors kept ${f.factors}` : '';
  const penalty = f.lambda !== undefined ? ` (lambda ${f.lambda})` : '';
  return `${scores}  fit ${f.fitSeconds.toFixed(2)} s${epoch}${kept}${penalty}`;
}
