import type { Command } from 'commander';
import { DATA_SPEC_HELP, loadData, parseNumber, parseWholeNumber } from '../options.js';
import { Output } from '../output.js';

export function postersCommand(program: Command): void {
  program
    .command('posters')
    .description(
      'tag the works of a data set from their posters with an ONNX image model, and write an item tags file for --tags',
    )
    .requiredOption('--data <spec>', `${DATA_SPEC_HELP} (the works to tag)`)
    .requiredOption('--model <file>', 'ONNX image model: float32 NCHW RGB input, one score per tag out')
    .requiredOption(
      '--labels <file>',
      "the model's tag names in output order (one per line, or a JSON array)",
    )
    .requiredOption('--posters <dir>', 'poster files named <workId>.png, .jpg or .jpeg')
    .requiredOption('--out <file>', 'item tags file to write (item, tag, weight; tab-separated)')
    .option('--threshold <x>', 'keep tags scoring at least this', parseNumber('--threshold'), 0.5)
    .option('--top-k <n>', 'keep at most this many tags per work', parseWholeNumber('--top-k', 1))
    .option(
      '--input-size <n>',
      "input width and height when the model's are not fixed",
      parseWholeNumber('--input-size', 1),
    )
    .option(
      '--range <x>',
      'pixels scaled to [0, range] before normalization (Caffe models: 255)',
      parseNumber('--range'),
    )
    .option(
      '--mean <r,g,b>',
      "per-channel mean, in the model's channel order (default ImageNet's)",
      parseTriple('--mean'),
    )
    .option('--std <r,g,b>', "per-channel standard deviation (default ImageNet's)", parseTriple('--std'))
    .option('--bgr', 'the model takes BGR channels (Caffe models)')
    .option('--crop', "crop the poster's centre to the input's aspect instead of stretching it")
    .option('--batch-size <n>', 'posters per inference run', parseWholeNumber('--batch-size', 1))
    .option('--skip-unreadable', 'count posters that cannot be decoded and go on, instead of stopping')
    .option('--skip-bad', 'skip malformed data lines (and count them) instead of stopping')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const out = new Output(Boolean(options.json));
      const { data } = await loadData(options);
      // Loaded on demand: the ONNX runtime is only needed here.
      const { posterTags, writeItemTagsFile } = await import('@osusume/posters');
      const items = data.ratings.items.toArray();
      const progress = out.progress('posters', items.length);
      const { tags, report } = await posterTags(items, {
        model: options.model,
        tags: options.labels,
        posters: options.posters,
        threshold: options.threshold,
        topK: options.topK,
        inputSize: options.inputSize,
        range: options.range,
        mean: options.mean,
        std: options.std,
        channels: options.bgr ? 'bgr' : 'rgb',
        fit: options.crop ? 'crop' : 'stretch',
        batchSize: options.batchSize,
        skipUnreadable: Boolean(options.skipUnreadable),
        onProgress: (done) => progress(done),
      });
      out.done();
      const lines = await writeItemTagsFile(options.out, tags);
      out.result({ data: options.data, out: options.out, lines, ...report });
      out.line(`${report.posters} posters for ${report.items} works (${report.missing} without one)`);
      out.line(`  ${report.tagged} works tagged, ${report.tagsKept} tags, in ${report.seconds.toFixed(1)} s`);
      if (report.unreadable.length) out.line(`  ${report.unreadable.length} posters could not be decoded`);
      out.line(`  written to ${options.out}; use it with --tags ${options.out}`);
    });
}

function parseTriple(name: string): (value: string) => [number, number, number] {
  return (value) => {
    const parts = value.split(',').map(Number);
    if (parts.length !== 3 || !parts.every(Number.isFinite))
      throw new Error(`${name} must be three numbers separated by commas, got "${value}"`);
    return [parts[0], parts[1], parts[2]];
  };
}
