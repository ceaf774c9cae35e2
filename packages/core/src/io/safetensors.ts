/**
 * The safetensors layout (huggingface's public spec), read and written without dependencies:
 *
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   UTF-8 JSON object: tensor name → { dtype, shape, data_offsets: [begin, end) },
 *             plus an optional "__metadata__" object of string values; padded with trailing spaces
 *   the rest  the tensors' raw little-endian bytes, row-major, contiguous, covering the buffer exactly
 *
 * We write the layout the reference implementation writes: tensors ordered by element size, largest first
 * (then by name), so each is aligned; "__metadata__" first in the header; the header padded with spaces so
 * the data starts at a multiple of 8. We read anything the spec allows: any key order, any whitespace
 * padding, no padding at all (older writers; unaligned tensors are then copied).
 */

/** Every dtype of the safetensors spec. */
export type Dtype =
  | 'BOOL'
  | 'F4'
  | 'F6_E2M3'
  | 'F6_E3M2'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'F8_E8M0'
  | 'F8_E4M3FNUZ'
  | 'F8_E5M2FNUZ'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'C64'
  | 'F64'
  | 'I64'
  | 'U64';

/**
 * The typed array holding each dtype's elements. Types JavaScript has no array for keep their raw bits:
 * F16 and BF16 as Uint16Array (see `toFloat32Array`), the 8-bit floats as Uint8Array, the packed 4- and
 * 6-bit floats as their Uint8Array bytes, C64 as interleaved (real, imaginary) Float32Array pairs.
 * BOOL is a Uint8Array of 0/1.
 */
export interface DtypeArrays {
  BOOL: Uint8Array;
  F4: Uint8Array;
  F6_E2M3: Uint8Array;
  F6_E3M2: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  F8_E5M2: Uint8Array;
  F8_E4M3: Uint8Array;
  F8_E8M0: Uint8Array;
  F8_E4M3FNUZ: Uint8Array;
  F8_E5M2FNUZ: Uint8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  C64: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

/** A tensor: dtype, row-major shape (`[]` for a scalar) and its elements. */
export type Tensor<D extends Dtype = Dtype> = {
  [K in D]: { dtype: K; shape: number[]; data: DtypeArrays[K] };
}[D];

/** What decoding returns. */
export interface Safetensors {
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__` (empty when the file has none). */
  metadata: Record<string, string>;
}

/** A tensor's entry in the header, as validated. */
export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

/** The parsed header of a safetensors file, before any tensor data is read. */
export interface SafetensorsHeader {
  /** Header entries in data order. */
  tensors: Record<string, TensorInfo>;
  metadata: Record<string, string>;
  /** N, the JSON header's length in bytes. */
  headerLength: number;
  /** 8 + N: where the data buffer starts in the file. */
  dataStart: number;
  /** Length of the data buffer: the end offset of the last tensor. */
  dataLength: number;
}

/** A file that is not valid safetensors: says which file and what is wrong with it. */
export class SafetensorsError extends Error {
  readonly file: string;
  readonly reason: string;
  /** 'truncated' when the file ends too early (an interrupted copy), 'corrupt' for anything else. */
  readonly code: 'truncated' | 'corrupt';

  constructor(file: string, reason: string, code: 'truncated' | 'corrupt' = 'corrupt') {
    super(`${file}: ${reason}`);
    this.name = 'SafetensorsError';
    this.file = file;
    this.reason = reason;
    this.code = code;
  }
}

/** Headers larger than this are refused, as the reference implementation does. */
export const MAX_HEADER_LENGTH = 100_000_000;

const METADATA_KEY = '__metadata__';
const IN_MEMORY = '(in-memory safetensors)';

interface DtypeSpec {
  /** Bits per element. */
  bits: number;
  /** Elements of the JavaScript array per tensor element (2 for complex). */
  lanes: number;
  array: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): DtypeArrays[Dtype] } & {
    new (length: number): DtypeArrays[Dtype];
    readonly BYTES_PER_ELEMENT: number;
  };
}

const DTYPES: Record<Dtype, DtypeSpec> = {
  BOOL: { bits: 8, lanes: 1, array: Uint8Array },
  F4: { bits: 4, lanes: 1, array: Uint8Array },
  F6_E2M3: { bits: 6, lanes: 1, array: Uint8Array },
  F6_E3M2: { bits: 6, lanes: 1, array: Uint8Array },
  U8: { bits: 8, lanes: 1, array: Uint8Array },
  I8: { bits: 8, lanes: 1, array: Int8Array },
  F8_E5M2: { bits: 8, lanes: 1, array: Uint8Array },
  F8_E4M3: { bits: 8, lanes: 1, array: Uint8Array },
  F8_E8M0: { bits: 8, lanes: 1, array: Uint8Array },
  F8_E4M3FNUZ: { bits: 8, lanes: 1, array: Uint8Array },
  F8_E5M2FNUZ: { bits: 8, lanes: 1, array: Uint8Array },
  I16: { bits: 16, lanes: 1, array: Int16Array },
  U16: { bits: 16, lanes: 1, array: Uint16Array },
  F16: { bits: 16, lanes: 1, array: Uint16Array },
  BF16: { bits: 16, lanes: 1, array: Uint16Array },
  I32: { bits: 32, lanes: 1, array: Int32Array },
  U32: { bits: 32, lanes: 1, array: Uint32Array },
  F32: { bits: 32, lanes: 1, array: Float32Array },
  C64: { bits: 64, lanes: 2, array: Float32Array },
  F64: { bits: 64, lanes: 1, array: Float64Array },
  I64: { bits: 64, lanes: 1, array: BigInt64Array },
  U64: { bits: 64, lanes: 1, array: BigUint64Array },
} as unknown as Record<Dtype, DtypeSpec>;

/** All dtypes of the spec, in the order of the reference implementation. */
export const SAFETENSORS_DTYPES = Object.keys(DTYPES) as readonly Dtype[];

/** Whether `s` names a dtype of the spec. */
export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.hasOwn(DTYPES, s);
}

/** Bytes a tensor of this dtype and shape takes in the file (throws when packed bits do not fill a byte). */
export function tensorByteLength(dtype: Dtype, shape: readonly number[]): number {
  const bits = elementCount(shape) * DTYPES[dtype].bits;
  if (bits % 8 !== 0) throw new RangeError(`${shape.length} elements of ${dtype} do not fill whole bytes`);
  return bits / 8;
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

let littleEndian: boolean | undefined;

/** Typed arrays are viewed in the platform's byte order, and the format is little-endian. */
function assertLittleEndian(): void {
  littleEndian ??= new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (!littleEndian) throw new Error('osusume model files need a little-endian platform');
}

// ---------------------------------------------------------------------------------------------------
// Writing

/**
 * The file as a list of chunks: the length prefix and padded header, then each tensor's bytes as a view
 * of its data (no copy). Concatenated, they are exactly `encodeSafetensors(tensors, metadata)`.
 */
export function encodeSafetensorsChunks(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array[] {
  assertLittleEndian();
  const entries = Object.entries(tensors).map(([name, t]) => {
    checkTensor(name, t);
    return { name, t, bytes: tensorBytes(t), size: DTYPES[t.dtype].array.BYTES_PER_ELEMENT };
  });
  // Largest elements first keeps every tensor aligned to its element size; names break ties (by code
  // point, so the order does not depend on the locale).
  entries.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: [string, unknown][] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new TypeError('safetensors metadata must be an object of strings');
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new TypeError(`safetensors metadata values must be strings; "${key}" is ${typeof value}`);
      }
    }
    header.push([METADATA_KEY, metadata]);
  }
  let offset = 0;
  for (const { name, t, bytes } of entries) {
    header.push([name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] }]);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_LENGTH) {
    throw new RangeError(
      `safetensors header would be ${headerLength} bytes, over the ${MAX_HEADER_LENGTH}-byte limit readers enforce`,
    );
  }
  const head = new Uint8Array(8 + headerLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerLength), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.length);
  return [head, ...entries.map((e) => e.bytes)];
}

/** Encodes tensors (and optional string metadata) as one safetensors byte buffer. */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const chunks = encodeSafetensorsChunks(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function checkTensor(name: string, t: Tensor): void {
  if (name === METADATA_KEY) throw new TypeError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
  if (t === null || typeof t !== 'object') throw new TypeError(`tensor "${name}" is not a tensor`);
  if (!isDtype(t.dtype)) throw new TypeError(`tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new TypeError(`tensor "${name}" has an invalid shape ${JSON.stringify(t.shape)}`);
  }
  const spec = DTYPES[t.dtype];
  if (!(t.data instanceof spec.array)) {
    const got = t.data?.constructor?.name ?? typeof t.data;
    throw new TypeError(`tensor "${name}" of dtype ${t.dtype} needs a ${spec.array.name}, got ${got}`);
  }
  const n = elementCount(t.shape);
  if (!Number.isSafeInteger(n * spec.bits)) throw new RangeError(`tensor "${name}" is too large`);
  const expected = spec.bits < 8 ? (n * spec.bits) / 8 : n * spec.lanes;
  if (!Number.isInteger(expected)) {
    throw new RangeError(`tensor "${name}": ${n} elements of ${t.dtype} do not fill whole bytes`);
  }
  if (t.data.length !== expected) {
    throw new RangeError(
      `tensor "${name}" has shape [${t.shape.join(', ')}] (${expected} ${spec.array.name} elements) but ${t.data.length} elements of data`,
    );
  }
}

function tensorBytes(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

// ---------------------------------------------------------------------------------------------------
// Reading

/**
 * Parses and validates the header of a safetensors file. `bytes` needs to hold at least the first
 * 8 + N bytes; `fileLength` is the whole file's length (defaults to `bytes.length`), against which the
 * tensors' offsets are checked.
 */
export function decodeSafetensorsHeader(
  bytes: Uint8Array,
  source: string = IN_MEMORY,
  fileLength: number = bytes.length,
): SafetensorsHeader {
  function fail(reason: string, code: 'truncated' | 'corrupt' = 'corrupt'): never {
    throw new SafetensorsError(source, reason, code);
  }
  if (fileLength < 8) {
    fail(
      `not a safetensors file: ${fileLength} bytes, shorter than the 8-byte header length prefix (truncated or empty)`,
      'truncated',
    );
  }
  if (bytes.length < 8) throw new RangeError('decodeSafetensorsHeader needs the whole header in `bytes`');
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_LENGTH)) {
    fail(`not a safetensors file: its header length prefix says ${n64} bytes (over the 100 MB limit)`);
  }
  const n = Number(n64);
  if (n < 2) fail(`not a safetensors file: its header length prefix says ${n} bytes`);
  if (8 + n > fileLength) {
    fail(
      `truncated or not a safetensors file: its header length prefix says ${n} bytes but only ${fileLength - 8} follow`,
      'truncated',
    );
  }
  if (8 + n > bytes.length) throw new RangeError('decodeSafetensorsHeader needs the whole header in `bytes`');
  const raw = bytes.subarray(8, 8 + n);
  if (raw[0] !== 0x7b) fail('not a safetensors file: the header does not start with "{"');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    fail('not a safetensors file: the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`not a safetensors file: the header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail('not a safetensors file: the header is not a JSON object');
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) fail(`invalid header: key ${JSON.stringify(duplicate)} appears twice`);

  let metadata: Record<string, string> = {};
  const infos: [string, TensorInfo][] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        fail(`invalid header: "${METADATA_KEY}" must be an object of strings`);
      }
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') {
          fail(`invalid header: "${METADATA_KEY}" value "${key}" is ${jsonType(v)}, not a string`);
        }
      }
      metadata = Object.fromEntries(Object.entries(value as Record<string, string>));
      continue;
    }
    infos.push([name, parseTensorInfo(name, value, fail)]);
  }

  infos.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let end = 0;
  for (const [name, info] of infos) {
    const [begin, stop] = info.dataOffsets;
    if (begin < end) {
      const other = infos.find(
        ([, o]) => o !== info && o.dataOffsets[0] <= begin && o.dataOffsets[1] > begin,
      );
      fail(`invalid header: tensor "${name}" at [${begin}, ${stop}) overlaps tensor "${other?.[0]}"`);
    }
    if (begin > end) {
      fail(
        `invalid header: ${begin - end} bytes before tensor "${name}" belong to no tensor (a gap at ${end})`,
      );
    }
    end = stop;
  }
  const dataStart = 8 + n;
  if (dataStart + end > fileLength) {
    fail(
      `truncated: the tensors need ${end} bytes of data after the ${dataStart}-byte header but only ${fileLength - dataStart} are there (file is ${fileLength} bytes, expected ${dataStart + end})`,
      'truncated',
    );
  }
  if (dataStart + end < fileLength) {
    fail(`invalid file: ${fileLength - dataStart - end} bytes after the last tensor belong to no tensor`);
  }
  return { tensors: Object.fromEntries(infos), metadata, headerLength: n, dataStart, dataLength: end };
}

function parseTensorInfo(name: string, value: unknown, fail: (reason: string) => never): TensorInfo {
  const where = `invalid header: tensor "${name}"`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`${where} is ${jsonType(value)}, not an object with dtype, shape and data_offsets`);
  }
  const v = value as Record<string, unknown>;
  if (!isDtype(v.dtype)) {
    fail(
      v.dtype === undefined
        ? `${where} has no dtype`
        : `${where} has unknown dtype ${JSON.stringify(v.dtype)}`,
    );
  }
  const dtype = v.dtype as Dtype;
  const isCount = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(v.shape) || !v.shape.every(isCount)) {
    fail(`${where} has an invalid shape ${JSON.stringify(v.shape)} (want an array of non-negative integers)`);
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`${where} has invalid data_offsets ${JSON.stringify(offsets)} (want [begin, end], begin <= end)`);
  }
  const shape = v.shape as number[];
  const [begin, end] = offsets as [number, number];
  const bits = elementCount(shape) * DTYPES[dtype].bits;
  if (!Number.isSafeInteger(bits) || bits !== (end - begin) * 8) {
    const need = bits % 8 === 0 ? `${bits / 8} bytes` : `${bits} bits, not a whole number of bytes`;
    fail(
      `${where}: shape [${shape.join(', ')}] of ${dtype} needs ${need} but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { dtype, shape: [...shape], dataOffsets: [begin, end] };
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The first object key that repeats within one object of a valid JSON text (JSON.parse keeps the last). */
function findDuplicateKey(json: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  const n = json.length;
  let i = 0;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === 0x7b) {
      stack.push(new Set());
      i++;
    } else if (c === 0x5b) {
      stack.push(null);
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      i++;
    } else if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (let d = json.charCodeAt(j); d !== 0x22; d = json.charCodeAt(j)) {
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else j++;
      }
      const start = i;
      i = j + 1;
      const top = stack[stack.length - 1];
      if (!top) continue;
      let k = i;
      for (let d = json.charCodeAt(k); d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d; ) {
        d = json.charCodeAt(++k);
      }
      if (json.charCodeAt(k) !== 0x3a) continue;
      const key = escaped ? (JSON.parse(json.slice(start, j + 1)) as string) : json.slice(start + 1, j);
      if (top.has(key)) return key;
      top.add(key);
    } else i++;
  }
  return undefined;
}

/** Options of `decodeSafetensors`. */
export interface DecodeOptions {
  /**
   * Copy every tensor out of `bytes`. By default a tensor whose data is aligned for its element size is a
   * view of `bytes` (no copy; it shares memory with it), and only unaligned tensors are copied.
   */
  copy?: boolean;
}

/**
 * Decodes a whole safetensors file. Errors name `source` (the file path, when there is one) and say what
 * is wrong: too short, truncated, not JSON, unknown dtype, offsets that disagree with shapes, overlap or
 * leave gaps, metadata that is not strings.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source: string = IN_MEMORY,
  options: DecodeOptions = {},
): Safetensors {
  const header = decodeSafetensorsHeader(bytes, source);
  return { tensors: decodeSafetensorsData(bytes, header, options), metadata: header.metadata };
}

/** The tensors of a file whose header `decodeSafetensorsHeader` has already read and validated. */
export function decodeSafetensorsData(
  bytes: Uint8Array,
  header: SafetensorsHeader,
  options: DecodeOptions = {},
): Record<string, Tensor> {
  assertLittleEndian();
  if (bytes.length < header.dataStart + header.dataLength) {
    throw new RangeError('decodeSafetensorsData needs the whole file in `bytes`');
  }
  const tensors: [string, Tensor][] = [];
  for (const [name, info] of Object.entries(header.tensors)) {
    tensors.push([name, tensorAt(bytes, header.dataStart, info, options.copy === true)]);
  }
  return Object.fromEntries(tensors);
}

/** The tensor described by `info`, from a buffer whose data part starts at `dataStart`. */
function tensorAt(bytes: Uint8Array, dataStart: number, info: TensorInfo, copy = false): Tensor {
  const spec = DTYPES[info.dtype];
  const [begin, end] = info.dataOffsets;
  const byteOffset = bytes.byteOffset + dataStart + begin;
  const length = (end - begin) / spec.array.BYTES_PER_ELEMENT;
  let data: DtypeArrays[Dtype];
  if (!copy && byteOffset % spec.array.BYTES_PER_ELEMENT === 0) {
    data = new spec.array(bytes.buffer, byteOffset, length);
  } else {
    data = new spec.array(length);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
  }
  return { dtype: info.dtype, shape: [...info.shape], data } as Tensor;
}

// ---------------------------------------------------------------------------------------------------
// Converting

/**
 * The tensor's values as a Float32Array, whatever its real dtype: floats, integers (64-bit ones through
 * Number, exact up to 2^53), BOOL, and the raw F16 and BF16 bits decoded. Returns `data` itself when the
 * tensor is already F32. Throws for the 8-, 6- and 4-bit floats and for complex numbers.
 */
export function toFloat32Array(t: Tensor): Float32Array {
  if (t.dtype === 'F32') return t.data;
  return toFloats(t, new Float32Array(t.data.length));
}

/** Like `toFloat32Array`, as a Float64Array (`data` itself when the tensor is already F64). */
export function toFloat64Array(t: Tensor): Float64Array {
  if (t.dtype === 'F64') return t.data;
  return toFloats(t, new Float64Array(t.data.length));
}

function toFloats<A extends Float32Array | Float64Array>(t: Tensor, out: A): A {
  switch (t.dtype) {
    case 'F16':
      for (let i = 0; i < t.data.length; i++) out[i] = halfToNumber(t.data[i]);
      return out;
    case 'BF16': {
      const bits = new Uint32Array(t.data.length);
      for (let i = 0; i < t.data.length; i++) bits[i] = t.data[i] << 16;
      out.set(new Float32Array(bits.buffer));
      return out;
    }
    case 'I64':
    case 'U64':
      for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
      return out;
    case 'BOOL':
    case 'U8':
    case 'I8':
    case 'I16':
    case 'U16':
    case 'I32':
    case 'U32':
    case 'F32':
    case 'F64':
      out.set(t.data);
      return out;
    default:
      throw new TypeError(`cannot convert a ${t.dtype} tensor to numbers`);
  }
}

/** IEEE 754 half precision bits to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
