import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { IdMap, ItemTag, TagSource } from 'osusume';
import { decodeImage, type ImageFit, imageToTensor, type Normalization } from './image.js';
import { checkTagNames, readTagNames } from './tag-files.js';

/** Poster file extensions, in order of preference when an item has several. */
export const POSTER_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** ImageNet statistics on [0, 1] pixels, RGB: what most torchvision-trained models expect. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** The input size used when the model's input has symbolic height and width and none is given. */
export const DEFAULT_INPUT_SIZE = 224;

export interface OnnxPosterOptions {
  /** The ONNX model file: one image input (float32, NCHW, 3 channels), one output of one score per tag. */
  model: string;
  /** The tag of each output column, in order: the names, or a file (one per line, or a JSON array). */
  tags: readonly string[] | string;
  /** The poster directory: files `<itemId>.png`, `.jpg` or `.jpeg` (extension in any case). */
  posters: string;
  /** Input width and height (one number for a square). Default: the model's, when fixed; else 224. */
  inputSize?: number | readonly [width: number, height: number];
  /** Pixels are scaled to [0, range] before normalization (default 1; Caffe models usually take 255). */
  range?: number;
  /** Per-channel mean, in the model's channel order and in `range` units (default: ImageNet's, RGB). */
  mean?: readonly [number, number, number];
  /** Per-channel standard deviation, as `mean` (default: ImageNet's; Caffe models usually [1, 1, 1]). */
  std?: readonly [number, number, number];
  /** Channel order of the model's input (default 'rgb'; Caffe models usually 'bgr'). */
  channels?: 'rgb' | 'bgr';
  /** Stretch the poster to the input size (default) or crop its centre to the input's aspect first. */
  fit?: ImageFit;
  /** Keep the tags scoring at least this much (default 0.5, for probabilities; -Infinity keeps all). */
  threshold?: number;
  /** Keep at most this many tags per poster, the highest scoring (after the threshold; default: all). */
  topK?: number;
  /** Posters per inference run (default 8; 1 when the model's batch dimension is fixed at 1). */
  batchSize?: number;
  /** The input to feed, when the model has several (default: its only one). */
  inputName?: string;
  /** The output to read (default: the model's first). */
  outputName?: string;
  /** Threads of the ONNX runtime within one run (default: its own choice). */
  threads?: number;
  /** Count a poster that cannot be read or decoded in the report and go on, instead of throwing. */
  skipUnreadable?: boolean;
  /** The source's name (default 'posters'). */
  name?: string;
  /** Called after each batch with the posters done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** What a run over the posters found. */
export interface PosterReport {
  /** Items asked about. */
  items: number;
  /** Items with a poster file. */
  posters: number;
  /** Items without one (they get no tags), and the first ten of their ids. */
  missing: number;
  missingIds: string[];
  /** Posters that could not be read or decoded (only with `skipUnreadable`; otherwise the first throws). */
  unreadable: { file: string; reason: string }[];
  /** Items given at least one tag, and the tags given in all. */
  tagged: number;
  tagsKept: number;
  /** Inference runs, the batch size used, the input size (width, height), seconds in all. */
  batches: number;
  batchSize: number;
  inputSize: [number, number];
  seconds: number;
}

/** How many missing item ids a report lists. */
const MISSING_LISTED = 10;

/**
 * Item tags from posters: each item's poster (`<posters>/<itemId>.png|.jpg|.jpeg`) is decoded in
 * JavaScript, resized (bilinear) to the model's input, normalized, and scored by an ONNX image model
 * run with onnxruntime-node on the CPU, in batches; an item's tags are the model's tags that score at
 * least `threshold` (at most `topK` of them), weighted by their scores. Items without a poster get no
 * tags; `report` says how many. The model is opened for each `tags` call and closed when it is done.
 */
export class OnnxPosterTags implements TagSource {
  readonly name: string;
  private readonly options: OnnxPosterOptions;
  private last: PosterReport | undefined;

  constructor(options: OnnxPosterOptions) {
    checkOptions(options);
    this.options = { ...options };
    this.name = options.name ?? 'posters';
  }

  /** The report of the last `tags` call (undefined before the first one ends). */
  get report(): PosterReport | undefined {
    return this.last;
  }

  async tags(items: IdMap): Promise<Map<string, ItemTag[]>> {
    const { tags, report } = await posterTags(items.toArray(), this.options);
    this.last = report;
    return tags;
  }
}

/** The tags of `items` from their posters (see `OnnxPosterTags`), with the report of the run. */
export async function posterTags(
  items: Iterable<string>,
  options: OnnxPosterOptions,
): Promise<{ tags: Map<string, ItemTag[]>; report: PosterReport }> {
  checkOptions(options);
  const started = performance.now();
  const names = typeof options.tags === 'string' ? await readTagNames(options.tags) : [...options.tags];
  if (typeof options.tags !== 'string') checkTagNames(names);

  const ids = [...new Set(items)];
  const files = await posterFiles(options.posters);
  const todo: { id: string; file: string }[] = [];
  const missingIds: string[] = [];
  let missing = 0;
  for (const id of ids) {
    const file = files.get(id);
    if (file !== undefined) todo.push({ id, file });
    else if (++missing <= MISSING_LISTED) missingIds.push(id);
  }

  const session = await openModel(options.model);
  try {
    const io = modelIo(session, options, names.length);
    const [width, height] = io.inputSize;
    const norm: Normalization = {
      range: options.range ?? 1,
      mean: options.mean ?? IMAGENET_MEAN,
      std: options.std ?? IMAGENET_STD,
      channels: options.channels ?? 'rgb',
    };
    const fit = options.fit ?? 'stretch';
    const threshold = options.threshold ?? 0.5;
    const topK = options.topK ?? Number.POSITIVE_INFINITY;
    const batchSize = io.fixedBatch ?? Math.min(options.batchSize ?? 8, Math.max(1, todo.length));
    const plane = 3 * width * height;

    const tags = new Map<string, ItemTag[]>();
    const unreadable: { file: string; reason: string }[] = [];
    let batches = 0;
    let tagsKept = 0;
    // The next batch's files are read while the current one is decoded and run.
    const read = (start: number) => readPosters(todo.slice(start, start + batchSize));
    let next = read(0);
    for (let start = 0; start < todo.length; start += batchSize) {
      const posters = await next;
      next = read(start + batchSize);
      // Decode what can be; with skipUnreadable the rest is reported and left out of the batch.
      const batch: { id: string; file: string }[] = [];
      const input = new Float32Array((io.fixedBatch ?? posters.length) * plane);
      for (const poster of posters) {
        let reason: string | undefined;
        if (poster.bytes instanceof Error) reason = poster.bytes.message;
        else {
          try {
            imageToTensor(decodeImage(poster.bytes), width, height, norm, fit, input, batch.length * plane);
          } catch (error) {
            reason = `cannot decode: ${(error as Error).message}`;
          }
        }
        if (reason === undefined) batch.push(poster);
        else if (options.skipUnreadable) unreadable.push({ file: poster.file, reason });
        else throw new Error(`poster "${poster.file}": ${reason}`);
      }
      if (batch.length > 0) {
        const n = io.fixedBatch ?? batch.length;
        const feed = new Tensor('float32', input.subarray(0, n * plane), [n, 3, height, width]);
        const scores = await runBatch(session, io, feed, n, names.length, options.model);
        batches++;
        batch.forEach(({ id, file }, b) => {
          const kept = keptTags(scores, b * names.length, names, threshold, topK, file);
          if (kept.length > 0) {
            tags.set(id, kept);
            tagsKept += kept.length;
          }
        });
      }
      options.onProgress?.(Math.min(start + batchSize, todo.length), todo.length);
    }
    return {
      tags,
      report: {
        items: ids.length,
        posters: todo.length,
        missing,
        missingIds,
        unreadable,
        tagged: tags.size,
        tagsKept,
        batches,
        batchSize,
        inputSize: [width, height],
        seconds: (performance.now() - started) / 1000,
      },
    };
  } finally {
    await session.release();
  }
}

function checkOptions(options: OnnxPosterOptions): void {
  const positiveInt = (value: number | undefined, what: string) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1))
      throw new Error(`${what} must be a whole number ≥ 1, got ${value}`);
  };
  if (typeof options.model !== 'string' || options.model === '') throw new Error('no model file given');
  if (typeof options.posters !== 'string' || options.posters === '')
    throw new Error('no poster directory given');
  const size = options.inputSize;
  if (size !== undefined) {
    const [w, h] = typeof size === 'number' ? [size, size] : size;
    positiveInt(w, 'input width');
    positiveInt(h, 'input height');
  }
  positiveInt(options.topK, 'topK');
  positiveInt(options.batchSize, 'batchSize');
  positiveInt(options.threads, 'threads');
  if (options.threshold !== undefined && Number.isNaN(options.threshold))
    throw new Error('threshold is not a number');
  if (options.range !== undefined && !(Number.isFinite(options.range) && options.range > 0))
    throw new Error(`range must be a number > 0, got ${options.range}`);
  for (const [what, values] of [
    ['mean', options.mean],
    ['std', options.std],
  ] as const) {
    if (values === undefined) continue;
    if (values.length !== 3 || !values.every(Number.isFinite))
      throw new Error(`${what} must be three numbers (one per channel), got [${values.join(', ')}]`);
  }
  if (options.std?.some((s) => s === 0)) throw new Error('std must not be 0');
  if (options.channels !== undefined && options.channels !== 'rgb' && options.channels !== 'bgr')
    throw new Error(`channels must be rgb or bgr, got ${options.channels}`);
  if (options.fit !== undefined && options.fit !== 'stretch' && options.fit !== 'crop')
    throw new Error(`fit must be stretch or crop, got ${options.fit}`);
}

/** Poster files by item id; with several for one id, the first of POSTER_EXTENSIONS wins. */
async function posterFiles(directory: string): Promise<Map<string, string>> {
  let entries: string[];
  try {
    entries = await readdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`poster directory "${directory}" not found`);
    if (code === 'ENOTDIR') throw new Error(`poster directory "${directory}" is not a directory`);
    throw new Error(`poster directory "${directory}": ${(error as Error).message}`);
  }
  const best = new Map<string, { rank: number; file: string }>();
  for (const entry of entries) {
    const dot = entry.lastIndexOf('.');
    if (dot <= 0) continue;
    const rank = POSTER_EXTENSIONS.indexOf(entry.slice(dot).toLowerCase());
    if (rank < 0) continue;
    const id = entry.slice(0, dot);
    const seen = best.get(id);
    if (seen === undefined || rank < seen.rank) best.set(id, { rank, file: join(directory, entry) });
  }
  return new Map([...best].map(([id, { file }]) => [id, file]));
}

/** Reads posters; a file that cannot be read comes back as its error rather than rejecting. */
function readPosters(
  posters: { id: string; file: string }[],
): Promise<{ id: string; file: string; bytes: Uint8Array | Error }[]> {
  return Promise.all(
    posters.map(async (poster) => {
      try {
        return { ...poster, bytes: new Uint8Array(await readFile(poster.file)) };
      } catch (error) {
        return { ...poster, bytes: new Error(`cannot read: ${(error as Error).message}`) };
      }
    }),
  );
}

async function openModel(file: string): Promise<InferenceSession> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error(`model file "${file}" is not a file`);
    size = info.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`model file "${file}" not found`);
    throw error;
  }
  if (size === 0) throw new Error(`model file "${file}" is empty`);
  try {
    return await InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new Error(`model file "${file}" is not a usable ONNX model: ${(error as Error).message}`);
  }
}

/** The input and output a run uses, checked against the tag list. */
interface ModelIo {
  input: string;
  output: string;
  inputSize: [number, number];
  /** The batch size when the model fixes it. */
  fixedBatch: number | undefined;
}

function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.join(', ')}]`;
}

function modelIo(session: InferenceSession, options: OnnxPosterOptions, tagCount: number): ModelIo {
  const model = options.model;
  const inputs = session.inputNames;
  const input = options.inputName ?? (inputs.length === 1 ? inputs[0] : undefined);
  if (input === undefined)
    throw new Error(`model "${model}" has ${inputs.length} inputs (${inputs.join(', ')}): give inputName`);
  if (!inputs.includes(input))
    throw new Error(`model "${model}" has no input "${input}" (it has ${inputs.join(', ')})`);
  const output = options.outputName ?? session.outputNames[0];
  if (output === undefined || !session.outputNames.includes(output))
    throw new Error(`model "${model}" has no output "${output}" (it has ${session.outputNames.join(', ')})`);

  const given = options.inputSize;
  let size: [number, number] | undefined =
    given === undefined ? undefined : typeof given === 'number' ? [given, given] : [given[0], given[1]];
  let fixedBatch: number | undefined;
  const inMeta = session.inputMetadata[inputs.indexOf(input)];
  if (inMeta?.isTensor) {
    const shape = inMeta.shape;
    if (inMeta.type !== 'float32')
      throw new Error(`model "${model}": input "${input}" is ${inMeta.type}, expected float32 (NCHW)`);
    if (shape.length > 0) {
      const [n, c, h, w] = shape;
      if (shape.length !== 4 || (typeof c === 'number' && c !== 3))
        throw new Error(
          `model "${model}": input "${input}" has shape ${shapeText(shape)}, expected [batch, 3, height, width]`,
        );
      if (typeof n === 'number' && n > 0) fixedBatch = n;
      if (typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0) {
        if (size !== undefined && (size[0] !== w || size[1] !== h))
          throw new Error(
            `model "${model}": input "${input}" is ${w}×${h} (shape ${shapeText(shape)}), inputSize says ${size[0]}×${size[1]}`,
          );
        size = [w, h];
      }
    }
  }
  const outMeta = session.outputMetadata[session.outputNames.indexOf(output)];
  if (outMeta?.isTensor && outMeta.shape.length > 0) {
    // A symbolic width is checked on the first run instead.
    const width = outMeta.shape.slice(1);
    if (outMeta.shape.length >= 2 && width.every((d) => typeof d === 'number')) {
      const scores = (width as number[]).reduce((a, b) => a * b, 1);
      if (scores !== tagCount)
        throw new Error(
          `model "${model}": output "${output}" has shape ${shapeText(outMeta.shape)}, ${scores} scores per image, but the tag list has ${tagCount} tags`,
        );
    }
    if (outMeta.type !== 'float32' && outMeta.type !== 'float64')
      throw new Error(`model "${model}": output "${output}" is ${outMeta.type}, expected float32 scores`);
  }
  return { input, output, inputSize: size ?? [DEFAULT_INPUT_SIZE, DEFAULT_INPUT_SIZE], fixedBatch };
}

/** Runs one batch; the scores, n × tagCount, row-major. Checks the output's shape against the tag list. */
async function runBatch(
  session: InferenceSession,
  io: ModelIo,
  feed: Tensor,
  n: number,
  tagCount: number,
  model: string,
): Promise<Float32Array | Float64Array> {
  let results: InferenceSession.ReturnType;
  try {
    results = await session.run({ [io.input]: feed }, [io.output]);
  } catch (error) {
    throw new Error(`model "${model}": inference failed: ${(error as Error).message}`);
  }
  const out = results[io.output];
  for (const value of Object.values(results)) if (value !== out) value.dispose();
  const dims = out.dims;
  const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length < 2 || dims[0] !== n || perImage !== tagCount) {
    throw new Error(
      `model "${model}": output "${io.output}" has shape ${shapeText(dims)} for a batch of ${n}, ` +
        `but the tag list has ${tagCount} tags (expected [${n}, ${tagCount}])`,
    );
  }
  const data = out.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array))
    throw new Error(`model "${model}": output "${io.output}" is ${out.type}, expected float32 scores`);
  return data;
}

/** The tags of one image: scores ≥ threshold, highest first, at most topK. */
function keptTags(
  scores: Float32Array | Float64Array,
  offset: number,
  names: readonly string[],
  threshold: number,
  topK: number,
  file: string,
): ItemTag[] {
  const kept: ItemTag[] = [];
  for (let t = 0; t < names.length; t++) {
    const score = scores[offset + t];
    if (!Number.isFinite(score))
      throw new Error(`poster "${file}": the model gave tag "${names[t]}" the score ${score}`);
    if (score >= threshold) kept.push({ tag: names[t], weight: score });
  }
  kept.sort((a, b) => b.weight - a.weight);
  return kept.length > topK ? kept.slice(0, topK) : kept;
}
