import type { Command } from 'commander';
import {
  evaluate,
  type Fold,
  formatProtocol,
  modelFamily,
  type ParamValue,
  protocolFolds,
  searchDimensions,
  tunableFamilies,
  tune,
  writeFileAtomic,
} from 'osusume';
import {
  chosenProtocol,
  loadData,
  parseSeconds,
  parseWholeNumber,
  withDataOptions,
  withFitOptions,
  withProtocolOptions,
} from '../options.js';
import { Output } from '../output.js';

export function tuneCommand(program: Command): void {
  const names = tunableFamilies().map((f) => f.name);
  const command = program
    .command('tune')
    .description(
      "search a model's parameters by cross-validation on the first fold's training ratings; report the best and its held-out RMSE",
    )
    .requiredOption('--model <name>', `model family: ${names.join(', ')}`)
    .option(
      '--budget <seconds>',
      'the whole run ends within about this many seconds (the search stops starting fits in time)',
      parseSeconds('--budget'),
      120,
    )
    .option(
      '--trials <n>',
      'at most this many settings, the defaults included',
      parseWholeNumber('--trials', 1),
    )
    .option('--inner-folds <k>', 'inner cross-validation folds', parseWholeNumber('--inner-folds', 2), 5)
    .option('--out <file>', 'write {"model", "params", "cv", "heldOut", …} here, for eval --params-file');
  withFitOptions(withProtocolOptions(withDataOptions(command)))
    .addHelpText('after', searchHelp())
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const family = modelFamily(options.model);
      if (!names.includes(family.name)) {
        throw new Error(
          `--model ${family.name} has no parameters to tune; tunable models: ${names.join(', ')}`,
        );
      }
      const { data, test, skipped } = await loadData(options);
      if (skipped > 0) out.note(`skipped ${skipped} malformed line(s)`);
      const protocol = chosenProtocol(options, data);
      // One fold: the search sees only its training ratings; its test ratings give the held-out score.
      const fold: Fold = protocolFolds(protocol, data, options.seed, test)[0];
      const tick = out.progress(`tuning ${family.name}`, Math.ceil(options.budget));
      const started = performance.now();
      // The budget covers the whole run (performance.now() counts from the process's start): reading the
      // data, the search and the two held-out fits.
      const budgetSeconds = Math.max(0, options.budget - started / 1000);
      const result = await tune(family, fold.train, {
        seed: options.seed,
        threads: options.threads,
        budgetSeconds,
        finalFits: 2,
        trials: options.trials,
        folds: options.innerFolds,
        fixed: options.param,
        itemTags: data.tags,
        onFit: (trial, fits) => {
          const elapsed = Math.floor((performance.now() - started) / 1000);
          tick(Math.min(options.budget, elapsed), `${fits} fits, last cv ${trial.cv.toFixed(4)}`);
        },
      });
      out.done();
      const heldOut = async (params: Record<string, ParamValue | undefined>) =>
        (
          await evaluate(family, params, [fold], {
            seed: options.seed,
            threads: options.threads,
            itemTags: data.tags,
          })
        ).mean.rmse;
      const tuned = await heldOut(result.params);
      const defaults = {
        params: result.trials[0].params,
        cv: result.trials[0].cv,
        heldOut: await heldOut(options.param),
      };
      const summary = {
        model: family.name,
        params: result.params,
        cv: result.cv,
        cvFolds: result.cvFolds,
        heldOut: tuned,
        default: defaults,
        data: options.data,
        protocol: formatProtocol(protocol),
        fold: fold.name,
        seed: options.seed,
      };
      if (options.out) await writeFileAtomic(options.out, `${JSON.stringify(summary, null, 2)}\n`);
      out.result({
        ...summary,
        trials: result.trials,
        fits: result.fits,
        seconds: result.seconds,
        stopped: result.stopped,
        budget: options.budget,
        threads: options.threads,
        skipped,
      });
      const searched = searchDimensions(family.params, options.param).map((d) => d.name);
      out.line(
        `${family.name} on ${options.data}: searched ${searched.join(', ')} on the training ratings of ${summary.fold} ` +
          `(${fold.train.length} ratings, ${options.innerFolds} inner folds)`,
      );
      out.line(
        `  ${result.trials.length} settings, ${result.fits} fits in ${result.seconds.toFixed(1)} s` +
          (result.stopped === 'budget' ? ' (budget spent)' : ''),
      );
      out.line(`  best: ${searched.map((name) => `${name}=${String(result.params[name])}`).join('  ')}`);
      out.line(
        `  inner CV RMSE ${result.cv.toFixed(4)} (${result.cvFolds} folds); defaults ${defaults.cv.toFixed(4)}`,
      );
      out.line(
        `  held-out RMSE on the test ratings of ${summary.fold} (${fold.test.length}): ${tuned.toFixed(4)}; ` +
          `defaults ${defaults.heldOut.toFixed(4)}`,
      );
      if (options.out) out.line(`written to ${options.out} (use with eval --params-file)`);
    });
}

/** The searched parameters and their ranges, for --help. */
function searchHelp(): string {
  const lines = ['', 'Searched parameters (fix one with --param key=value; docs/tuning.md):'];
  for (const family of tunableFamilies()) {
    const ranges = searchDimensions(family.params).map((d) =>
      d.type === 'int' || d.type === 'number'
        ? `${d.name} ${d.search.min}..${d.search.max}${d.search.log ? ' (log)' : ''}`
        : d.name,
    );
    lines.push(`  ${family.name}: ${ranges.join(', ')}`);
  }
  return lines.join('\n');
}
