import type { Command } from 'commander';
import {
  defaultThreads,
  evaluate,
  type Fold,
  formatProtocol,
  loadSplits,
  MODEL_FAMILIES,
  modelFamily,
  PROTOCOL_SYNTAX,
  parseProtocol,
  protocolFolds,
  Split,
  saveSplits,
} from 'osusume';
import { collectParam, loadData, parseWholeNumber } from '../options.js';
import { Output } from '../output.js';

export const DATA_SPEC_HELP =
  'ml100k:<dir> | anime:<dir> | csv:<file>[?sep=<c>&user=<col>&item=<col>&rating=<col>&header=0|1]';

/** The model families and their parameters, for --help. */
export function modelsHelp(): string {
  const lines = ['', 'Models and their parameters (--param key=value):'];
  for (const family of MODEL_FAMILIES) {
    lines.push(`  ${family.name}: ${family.description}`);
    for (const p of family.params) {
      const range = p.type === 'enum' ? ` (${p.values.join('|')})` : '';
      lines.push(`      ${p.name}=${String(p.default)}${range}  ${p.description}`);
    }
  }
  return lines.join('\n');
}

export function evalCommand(program: Command): void {
  program
    .command('eval')
    .description('fit a model on each training fold and report its errors on the test folds')
    .requiredOption('--data <spec>', DATA_SPEC_HELP)
    .requiredOption('--model <name>', `model family: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}`)
    .option('--param <key=value>', 'model parameter (repeatable)', collectParam, {})
    .option('--protocol <p>', `${PROTOCOL_SYNTAX}; default folds when the data has them, else kfold:5`)
    .option('--folds <n>', 'random splits for holdout and seedtable', parseWholeNumber('--folds', 1), 1)
    .option('--test <file>', 'test file in the same format as --data (protocol given)')
    .option('--tags <file>', 'item tags file (item tag [weight])')
    .option('--splits <file>', 'reuse the splits saved in this file')
    .option('--save-splits <file>', 'save the random splits used, to reuse them later')
    .option('--seed <n>', 'random seed', parseWholeNumber('--seed'), 0)
    .option('--threads <n>', 'worker threads', parseWholeNumber('--threads', 1), defaultThreads())
    .option('--skip-bad', 'skip malformed lines (and count them) instead of stopping')
    .option('--json', 'print one JSON object')
    .addHelpText('after', modelsHelp())
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const family = modelFamily(options.model);
      const { data, test, skipped } = await loadData(options);
      if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
      const protocolText =
        options.protocol ?? (data.folds?.length ? 'folds' : options.test ? 'given' : 'kfold:5');
      const protocol = parseProtocol(protocolText, options.folds);
      const folds: Fold[] = options.splits
        ? await loadSplits(options.splits, data.ratings)
        : protocolFolds(protocol, data, options.seed, test);
      if (options.saveSplits) {
        const random = folds.filter((f): f is Split => f instanceof Split);
        if (random.length === 0) throw new Error(`protocol ${protocolText} has no random splits to save`);
        await saveSplits(options.saveSplits, random, data.ratings);
      }
      const tick = out.progress(`${family.name} on ${folds.length} fold(s)`, folds.length);
      const evaluation = await evaluate(family, options.param, folds, {
        seed: options.seed,
        threads: options.threads,
        seedTable: protocol.kind === 'seedtable',
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
