/**
 * The osusume model file: a safetensors file whose `__metadata__` says what the tensors are.
 *
 *   format           "osusume-model"
 *   format_version   "1"
 *   model            the model family's name ("als", "fm", ...)
 *   params           JSON object of hyper-parameters
 *   seed             JSON number                    (optional)
 *   users, items     JSON arrays of external ids: row i of a user/item tensor is the i-th id (optional)
 *   fingerprint      the training data's fingerprint (optional)
 *   metrics          JSON object of evaluation figures; NaN and ±Infinity as the strings "NaN", ... (optional)
 *   extra            JSON object, anything else a model needs (optional)
 *   map              JSON object, the map layout's method, seed, time and labelled clusters; its positions
 *                    are the tensors map.xy and map.cluster (optional; models/map-layout.ts)
 *   created          ISO 8601 date
 *   library_version  the osusume version that wrote it
 *
 * Every value is a string, as the safetensors spec requires, so Python reads the file with
 * `safetensors.safe_open(path, "np").metadata()` and `json.loads` on the structured values.
 */

import { readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import {
  type DecodeOptions,
  type Dtype,
  decodeSafetensorsData,
  decodeSafetensorsHeader,
  encodeSafetensors,
  encodeSafetensorsChunks,
  MAX_HEADER_LENGTH,
  type Safetensors,
  SafetensorsError,
  type SafetensorsHeader,
  type Tensor,
  type TensorInfo,
} from './safetensors.js';

/** The `format` value of an osusume model file. */
export const MODEL_FILE_FORMAT = 'osusume-model';
/** The format version this library writes; it reads this one and older ones. */
export const MODEL_FILE_VERSION = 1;

/** What a model saves besides its tensors. */
export interface ModelFileInfo {
  /** The model family's name, checked on load ("als", "fm", ...). */
  model: string;
  /** Hyper-parameters, JSON-serializable. */
  params: Record<string, unknown>;
  seed?: number;
  /** User ids in row order (the id map). */
  users?: string[];
  /** Item ids in row order (the id map). */
  items?: string[];
  /** Fingerprint of the training data. */
  fingerprint?: string;
  /** Evaluation figures (rmse, auc, ...). */
  metrics?: Record<string, number>;
  /** Anything else the model needs to come back, JSON-serializable. */
  extra?: Record<string, unknown>;
  /** The map layout's description (models/map-layout.ts), JSON-serializable. */
  map?: Record<string, unknown>;
  /** When the model was made; defaults to now. Fix it to get byte-identical files. */
  created?: Date;
}

/** The metadata of a model file, parsed back to typed values. */
export interface ModelFileHeader extends Omit<ModelFileInfo, 'created'> {
  formatVersion: number;
  created?: Date;
  libraryVersion?: string;
}

/** A loaded model file. */
export interface ModelFile {
  header: ModelFileHeader;
  tensors: Record<string, Tensor>;
  /** The raw `__metadata__` strings, as Python sees them. */
  metadata: Record<string, string>;
}

/** A model file's header and tensor layout, read without the tensor data. */
export interface ModelFileSummary {
  header: ModelFileHeader;
  tensors: Record<string, TensorInfo>;
  metadata: Record<string, string>;
  /** File size in bytes. */
  size: number;
}

/**
 * What a loader expects of a tensor: its dtype (or one of several) and shape, where a dimension is a number,
 * 'users' or 'items' (the length of that id map), or null for any size.
 */
export interface TensorExpectation {
  dtype?: Dtype | readonly Dtype[];
  shape?: readonly (number | 'users' | 'items' | null)[];
}

/** Options of `loadModelFile` and `decodeModelFile`. */
export interface LoadModelOptions extends DecodeOptions {
  /** Fail unless the file holds this model family. */
  expectModel?: string;
  /** Fail unless these tensors are present with these dtypes and shapes. */
  expectTensors?: Record<string, TensorExpectation>;
}

export type ModelFileErrorCode =
  | 'not-found'
  | 'truncated'
  | 'corrupt'
  | 'not-a-model'
  | 'newer-version'
  | 'wrong-model'
  | 'wrong-tensors';

/** A model file that cannot be loaded: says which file, why, and a code to act on. */
export class ModelFileError extends Error {
  readonly file: string;
  readonly code: ModelFileErrorCode;

  constructor(file: string, code: ModelFileErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelFileError';
    this.file = file;
    this.code = code;
  }
}

const IN_MEMORY = '(in-memory model file)';

// ---------------------------------------------------------------------------------------------------
// Writing

/** The `__metadata__` strings for a model. Throws a TypeError for values JSON cannot hold faithfully. */
export function modelMetadata(info: ModelFileInfo): Record<string, string> {
  if (typeof info.model !== 'string' || info.model === '') throw new TypeError('model name must be a string');
  if (info.params === null || typeof info.params !== 'object' || Array.isArray(info.params)) {
    throw new TypeError('model params must be an object');
  }
  const meta: Record<string, string> = {
    format: MODEL_FILE_FORMAT,
    format_version: String(MODEL_FILE_VERSION),
    model: info.model,
    params: strictJson(info.params, 'params'),
  };
  if (info.seed !== undefined) {
    if (!Number.isFinite(info.seed)) throw new TypeError(`seed must be a finite number, got ${info.seed}`);
    meta.seed = JSON.stringify(info.seed);
  }
  if (info.users !== undefined) meta.users = idsJson(info.users, 'users');
  if (info.items !== undefined) meta.items = idsJson(info.items, 'items');
  if (info.fingerprint !== undefined) {
    if (typeof info.fingerprint !== 'string') throw new TypeError('fingerprint must be a string');
    meta.fingerprint = info.fingerprint;
  }
  if (info.metrics !== undefined) {
    const metrics: Record<string, number | string> = {};
    for (const [key, value] of Object.entries(info.metrics)) {
      if (typeof value !== 'number')
        throw new TypeError(`metrics.${key} must be a number, got ${typeof value}`);
      metrics[key] = Number.isFinite(value) ? value : String(value);
    }
    meta.metrics = JSON.stringify(metrics);
  }
  if (info.extra !== undefined) meta.extra = strictJson(info.extra, 'extra');
  if (info.map !== undefined) meta.map = strictJson(info.map, 'map');
  const created = info.created ?? new Date();
  if (Number.isNaN(created.getTime())) throw new TypeError('created is an invalid date');
  meta.created = created.toISOString();
  meta.library_version = libraryVersion();
  return meta;
}

/** Encodes a model file in memory. */
export function encodeModelFile(info: ModelFileInfo, tensors: Record<string, Tensor>): Uint8Array {
  return encodeSafetensors(tensors, modelMetadata(info));
}

/** Writes a model file atomically: a crash or a failure never leaves a partial file at `path`. */
export async function saveModelFile(
  path: string,
  info: ModelFileInfo,
  tensors: Record<string, Tensor>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensorsChunks(tensors, modelMetadata(info)));
}

/** Writes a plain safetensors file atomically (for other tools; no osusume metadata is added). */
export async function writeSafetensorsFile(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensorsChunks(tensors, metadata));
}

function strictJson(value: unknown, what: string): string {
  return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const where = key === '' ? what : `${what}.${key}`;
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new TypeError(`${where} is ${v}, which JSON cannot hold`);
    if (typeof v === 'bigint') throw new TypeError(`${where} is a bigint, which JSON cannot hold`);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const proto = Object.getPrototypeOf(v);
      const plain = proto === Object.prototype || proto === null;
      if (!plain && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
        throw new TypeError(
          `${where} is a ${proto?.constructor?.name ?? 'object'}; store plain objects and arrays`,
        );
      }
    }
    return v;
  });
}

function idsJson(ids: unknown, what: string): string {
  if (!Array.isArray(ids)) throw new TypeError(`${what} must be an array of string ids`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (typeof id !== 'string')
      throw new TypeError(`${what} must be an array of string ids, found ${typeof id}`);
    if (seen.has(id)) throw new TypeError(`${what} has the id ${JSON.stringify(id)} twice`);
    seen.add(id);
  }
  return JSON.stringify(ids);
}

let cachedVersion: string | undefined;

/** The version in osusume's package.json (dist/src/io → the package root). */
function libraryVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
      cachedVersion = pkg?.name === 'osusume' && typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion as string;
}

// ---------------------------------------------------------------------------------------------------
// Reading

/**
 * Decodes a model file held in memory. `source` names it in errors. Tensors are views of `bytes` where
 * aligned (pass `copy: true` to detach them).
 */
export function decodeModelFile(
  bytes: Uint8Array,
  options: LoadModelOptions & { source?: string } = {},
): ModelFile {
  const source = options.source ?? IN_MEMORY;
  const header = wrapFormatErrors(source, () => decodeSafetensorsHeader(bytes, source));
  const parsed = parseModelHeader(header, source, options);
  const tensors = decodeSafetensorsData(bytes, header, options);
  return { header: parsed, tensors, metadata: header.metadata };
}

/** Loads a model file, checking that it is one, that this version can read it, and what it holds. */
export async function loadModelFile(path: string, options: LoadModelOptions = {}): Promise<ModelFile> {
  const bytes = await readWhole(path, 'model file');
  return decodeModelFile(bytes, { ...options, source: path });
}

/** Reads a model file's header and tensor layout only (cheap, for listing and inspection). */
export async function inspectModelFile(
  path: string,
  options: LoadModelOptions = {},
): Promise<ModelFileSummary> {
  const { head, size } = await readHead(path);
  const header = wrapFormatErrors(path, () => decodeSafetensorsHeader(head, path, size));
  const parsed = parseModelHeader(header, path, options);
  return { header: parsed, tensors: header.tensors, metadata: header.metadata, size };
}

/**
 * Reads any safetensors file, with or without osusume metadata: the way in for factors trained elsewhere
 * (numpy, PyTorch, Spark through Python). Errors are ModelFileErrors naming the file.
 */
export async function readSafetensorsFile(path: string, options: DecodeOptions = {}): Promise<Safetensors> {
  const bytes = await readWhole(path, 'safetensors file');
  return wrapFormatErrors(path, () => {
    const header = decodeSafetensorsHeader(bytes, path);
    return { tensors: decodeSafetensorsData(bytes, header, options), metadata: header.metadata };
  });
}

function wrapFormatErrors<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ModelFileError(source, e.code, e.message, { cause: e });
    throw e;
  }
}

function parseModelHeader(
  header: SafetensorsHeader,
  source: string,
  options: LoadModelOptions,
): ModelFileHeader {
  const meta = header.metadata;
  if (meta.format !== MODEL_FILE_FORMAT) {
    throw new ModelFileError(
      source,
      'not-a-model',
      `not an osusume model file (no format=${MODEL_FILE_FORMAT} in its metadata): ${source}`,
    );
  }
  function corrupt(reason: string): never {
    throw new ModelFileError(source, 'corrupt', `${source}: corrupt model file: ${reason}`);
  }
  const versionText = meta.format_version;
  if (versionText === undefined) corrupt('no format_version in its metadata');
  const version = /^[1-9][0-9]{0,8}$/.test(versionText) ? Number(versionText) : Number.NaN;
  if (Number.isNaN(version)) corrupt(`format_version ${JSON.stringify(versionText)} is not a version number`);
  if (version > MODEL_FILE_VERSION) {
    throw new ModelFileError(
      source,
      'newer-version',
      `${source}: written by a newer osusume (format_version ${version}); upgrade osusume to read it (this one reads format_version ${MODEL_FILE_VERSION})`,
    );
  }
  const model = meta.model;
  if (typeof model !== 'string' || model === '') corrupt('no model name in its metadata');
  if (options.expectModel !== undefined && model !== options.expectModel) {
    throw new ModelFileError(
      source,
      'wrong-model',
      `${source}: holds a "${model}" model, not the expected "${options.expectModel}"`,
    );
  }

  const json = (key: string): unknown => {
    const text = meta[key];
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return corrupt(`${key} is not valid JSON`);
    }
  };
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);

  const params = json('params');
  if (!isObject(params))
    corrupt(params === undefined ? 'no params in its metadata' : 'params is not an object');
  const out: ModelFileHeader = { formatVersion: version, model, params: params as Record<string, unknown> };

  const seed = json('seed');
  if (seed !== undefined) {
    if (typeof seed !== 'number') corrupt('seed is not a number');
    out.seed = seed as number;
  }
  for (const key of ['users', 'items'] as const) {
    const ids = json(key);
    if (ids === undefined) continue;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      corrupt(`${key} is not an array of string ids`);
    }
    if (new Set(ids as string[]).size !== (ids as string[]).length) corrupt(`${key} has repeated ids`);
    out[key] = ids as string[];
  }
  if (meta.fingerprint !== undefined) out.fingerprint = meta.fingerprint;
  const metrics = json('metrics');
  if (metrics !== undefined) {
    if (!isObject(metrics)) corrupt('metrics is not an object');
    const values: Record<string, number> = {};
    for (const [key, v] of Object.entries(metrics as Record<string, unknown>)) {
      if (typeof v === 'number') values[key] = v;
      else if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') values[key] = Number(v);
      else corrupt(`metrics.${key} is not a number`);
    }
    out.metrics = values;
  }
  const extra = json('extra');
  if (extra !== undefined) {
    if (!isObject(extra)) corrupt('extra is not an object');
    out.extra = extra as Record<string, unknown>;
  }
  const map = json('map');
  if (map !== undefined) {
    if (!isObject(map)) corrupt('map is not an object');
    out.map = map as Record<string, unknown>;
  }
  if (meta.created !== undefined) {
    const created = new Date(meta.created);
    if (Number.isNaN(created.getTime())) corrupt(`created ${JSON.stringify(meta.created)} is not a date`);
    out.created = created;
  }
  if (meta.library_version !== undefined) out.libraryVersion = meta.library_version;

  if (options.expectTensors) checkTensors(header.tensors, options.expectTensors, out, source);
  return out;
}

function checkTensors(
  tensors: Record<string, TensorInfo>,
  expected: Record<string, TensorExpectation>,
  header: ModelFileHeader,
  source: string,
): void {
  function fail(message: string): never {
    throw new ModelFileError(source, 'wrong-tensors', `${source}: ${message}`);
  }
  for (const [name, want] of Object.entries(expected)) {
    const info = Object.hasOwn(tensors, name) ? tensors[name] : undefined;
    if (info === undefined) {
      const present = Object.keys(tensors);
      fail(
        `no tensor "${name}" (it has ${present.length ? present.map((p) => `"${p}"`).join(', ') : 'none'})`,
      );
    }
    if (want.dtype !== undefined) {
      const dtypes: readonly Dtype[] = typeof want.dtype === 'string' ? [want.dtype] : want.dtype;
      if (!dtypes.includes(info.dtype))
        fail(`tensor "${name}" is ${info.dtype}, expected ${dtypes.join(' or ')}`);
    }
    if (want.shape !== undefined) {
      const dims = want.shape.map((d) => {
        if (d === 'users' || d === 'items') {
          const ids = header[d];
          if (ids === undefined) fail(`tensor "${name}" is sized by ${d}, but the file has no ${d} id map`);
          return { size: ids.length, label: `${ids.length} (${d})` };
        }
        return { size: d, label: d === null ? 'any' : String(d) };
      });
      const ok =
        dims.length === info.shape.length &&
        dims.every((d, i) => d.size === null || d.size === info.shape[i]);
      if (!ok) {
        fail(
          `tensor "${name}" has shape [${info.shape.join(', ')}], expected [${dims.map((d) => d.label).join(', ')}]`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Files

async function readWhole(path: string, what: string): Promise<Uint8Array> {
  const handle = await openForReading(path, what);
  try {
    const { size } = await handle.stat();
    // Unpooled, so the data starts at byte 0 of its buffer and tensors at aligned offsets are views of it.
    const bytes = Buffer.allocUnsafeSlow(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}

async function readHead(path: string): Promise<{ head: Uint8Array; size: number }> {
  const handle = await openForReading(path, 'model file');
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(Math.min(8, size));
    await handle.read(prefix, 0, prefix.length, 0);
    let want = prefix.length;
    if (prefix.length === 8) {
      const n = prefix.readBigUInt64LE(0);
      if (n <= BigInt(MAX_HEADER_LENGTH)) want = Math.min(size, 8 + Number(n));
    }
    const head = Buffer.alloc(want);
    let at = 0;
    while (at < want) {
      const { bytesRead } = await handle.read(head, at, want - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return { head: head.subarray(0, at), size };
  } finally {
    await handle.close();
  }
}

async function openForReading(path: string, what: string) {
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new ModelFileError(path, 'not-found', `${path}: is a directory, not a ${what}`);
    }
    return await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelFileError(path, 'not-found', `no such ${what}: ${path}`, { cause: e });
    }
    throw e;
  }
}
