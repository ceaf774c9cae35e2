import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  comparisonTable,
  type Evaluation,
  evaluate,
  evaluateFeatures,
  evaluateTuned,
  type FeatureFold,
  featureFolds,
  formatProtocol,
  implicitRmseNote,
  learningCurvesSvg,
  type ModelEvaluation,
  meanCurve,
  modelFamily,
  protocolFolds,
  tunableFamilies,
} from 'osusume';
import {
  chosenMetrics,
  chosenProtocol,
  chosenTask,
  featureEncoder,
  loadData,
  paramsFor,
  parseSeconds,
  withDataOptions,
  withFeatureOptions,
  withFitOptions,
  withMetricsOption,
  withProtocolOptions,
} from '../options.js';
import { Output } from '../output.js';
import { collectFile, readParamsFiles } from '../params-file.js';

export function compareCommand(program: Command): void {
  const command = program
    .command('compare')
    .description('run several models on the same folds; write a results table and learning curves')
    .requiredOption('--models <names>', 'comma-separated model families, e.g. biases,als,sgd or lr,irt,fm')
    .option('--out <dir>', 'where to write table.md, table.csv, table.json and curves.svg', 'compare-out')
    .option(
      '--params-file <file>',
      'parameters of one of the models, written by `osusume tune --out` (repeatable); --param overrides them',
      collectFile,
      [],
    )
    .option(
      '--tune <seconds>',
      'first search each model’s parameters on each training fold, for this many seconds (as osusume tune; --param values stay fixed)',
      parseSeconds('--tune'),
    );
  withFitOptions(withFeatureOptions(withMetricsOption(withProtocolOptions(withDataOptions(command))))).action(
    async (options) => {
      const out = new Output(Boolean(options.json));
      const names = String(options.models)
        .split(',')
        .map((name) => name.trim());
      const families = names.map(modelFamily);
      const tunable = tunableFamilies().map((f) => f.name);
      const untunable = names.filter((name) => !tunable.includes(name));
      if (options.tune !== undefined && untunable.length > 0) {
        throw new Error(
          `--tune: ${untunable.join(', ')} cannot be tuned; tunable models: ${tunable.join(', ')}`,
        );
      }
      const fromFiles = await readParamsFiles(options.paramsFile, names);
      const { data, test, skipped } = await loadData(options);
      if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
      const protocol = chosenProtocol(options, data);
      const metrics = chosenMetrics(
        options,
        protocol,
        families.filter((f) => f.features).map((f) => f.name),
      );
      for (const family of families) {
        const note = family.features ? undefined : implicitRmseNote(family);
        if (note && metrics.names.some((metric) => metric === 'rmse' || metric === 'mae')) out.note(note);
      }
      const folds = protocolFolds(protocol, data, options.seed, test);
      // The feature models see the same folds as feature rows, encoded once for all of them.
      let rows: FeatureFold[] | undefined;
      const task = chosenTask(options, data);
      const results: ModelEvaluation[] = [];
      for (const family of families) {
        const { name } = family;
        const params = { ...fromFiles.get(name), ...paramsFor(family, options.param) };
        const tick = out.progress(name, folds.length);
        const common = {
          seed: options.seed,
          threads: options.threads,
          onFold: (done: number, _total: number, figures: Record<string, number>) =>
            tick(
              done,
              figures.auc !== undefined ? `auc ${figures.auc.toFixed(4)}` : `rmse ${figures.rmse.toFixed(4)}`,
            ),
        };
        let evaluation: Evaluation;
        if (family.features) {
          rows ??= featureFolds(
            folds,
            data,
            featureEncoder(options, data),
            protocol.kind === 'given' ? (test ?? data.test) : undefined,
          );
          evaluation = await evaluateFeatures(family.features, params, rows, {
            ...common,
            task,
          });
        } else {
          const settings = {
            ...common,
            seedTable: protocol.kind === 'seedtable',
            itemTags: data.tags,
            rankAt: metrics.ks,
            curves: true,
          };
          evaluation =
            options.tune === undefined
              ? await evaluate(family, params, folds, settings)
              : await evaluateTuned(family, params, folds, {
                  ...settings,
                  tune: { budgetSeconds: options.tune },
                });
        }
        out.done();
        results.push({ data: options.data, protocol: formatProtocol(protocol), ...evaluation });
      }
      // Asked-for figures (or a rank: protocol's) lead the table, then the times; else the default columns.
      const columns =
        metrics.ks.length || options.metrics !== undefined
          ? [...metrics.names, 'fitSeconds', 'epochSeconds']
          : undefined;
      const table = comparisonTable(results, columns);
      const svg = learningCurvesSvg(
        results.map((r) => ({ name: r.model, values: meanCurve(r.curves ?? []) })),
        {
          title: `Test RMSE per epoch — ${options.data}, ${formatProtocol(protocol)}`,
          xLabel: 'epoch',
          yLabel: 'RMSE',
        },
      );
      await mkdir(options.out, { recursive: true });
      await writeFile(join(options.out, 'table.md'), table.markdown);
      await writeFile(join(options.out, 'table.csv'), table.csv);
      await writeFile(join(options.out, 'table.json'), `${JSON.stringify(table.json, null, 2)}\n`);
      await writeFile(join(options.out, 'curves.svg'), svg);
      out.result(table.json);
      out.line(table.markdown);
      out.line(`written to ${options.out}/ (table.md, table.csv, table.json, curves.svg)`);
    },
  );
}
