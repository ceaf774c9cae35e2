import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  comparisonTable,
  evaluate,
  formatProtocol,
  learningCurvesSvg,
  type ModelEvaluation,
  meanCurve,
  modelFamily,
  protocolFolds,
} from 'osusume';
import {
  chosenProtocol,
  loadData,
  paramsFor,
  withDataOptions,
  withFitOptions,
  withProtocolOptions,
} from '../options.js';
import { Output } from '../output.js';

export function compareCommand(program: Command): void {
  const command = program
    .command('compare')
    .description('run several models on the same folds; write a results table and learning curves')
    .requiredOption('--models <names>', 'comma-separated model families, e.g. biases,als,sgd')
    .option('--out <dir>', 'where to write table.md, table.csv, table.json and curves.svg', 'compare-out');
  withFitOptions(withProtocolOptions(withDataOptions(command))).action(async (options) => {
    const out = new Output(Boolean(options.json));
    const families = String(options.models)
      .split(',')
      .map((name) => modelFamily(name.trim()));
    const { data, test, skipped } = await loadData(options);
    if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
    const protocol = chosenProtocol(options, data);
    const folds = protocolFolds(protocol, data, options.seed, test);
    const results: ModelEvaluation[] = [];
    for (const family of families) {
      const tick = out.progress(`${family.name}`, folds.length);
      const evaluation = await evaluate(family, paramsFor(family.name, options.param), folds, {
        seed: options.seed,
        threads: options.threads,
        seedTable: protocol.kind === 'seedtable',
        itemTags: data.tags,
        curves: true,
        onFold: (done, _total, figures) => tick(done, `rmse ${figures.rmse.toFixed(4)}`),
      });
      out.done();
      results.push({ data: options.data, protocol: formatProtocol(protocol), ...evaluation });
    }
    const table = comparisonTable(results);
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
  });
}
