import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import {
  decodeModelFile,
  encodeModelFile,
  inspectModelFile,
  loadModelFile,
  ModelFileError,
  type ModelFileInfo,
  readSafetensorsFile,
  saveModelFile,
  writeSafetensorsFile,
} from '../src/io/model-file.js';
import {
  decodeSafetensors,
  decodeSafetensorsHeader,
  encodeSafetensors,
  SAFETENSORS_DTYPES,
  SafetensorsError,
  type Tensor,
  toFloat32Array,
  toFloat64Array,
} from '../src/io/safetensors.js';

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));
const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return Array.from(b);
};
const f32 = (...xs: number[]) => Array.from(new Uint8Array(new Float32Array(xs).buffer));

/** A file built by hand: length prefix, the header text as given, the data bytes. */
function handMade(header: string, data: number[] = []): Uint8Array {
  const h = ascii(header);
  return new Uint8Array([...u64(h.length), ...h, ...data]);
}

/** Fills a tensor of the given dtype and shape with distinct values. */
function sample(dtype: (typeof SAFETENSORS_DTYPES)[number], shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (dtype) {
    case 'F32':
      return { dtype, shape, data: Float32Array.from({ length: n }, (_, i) => i * 0.5 - 1.25) };
    case 'C64':
      return { dtype, shape, data: Float32Array.from({ length: 2 * n }, (_, i) => i - 0.75) };
    case 'F64':
      return { dtype, shape, data: Float64Array.from({ length: n }, (_, i) => Math.PI * (i - 2)) };
    case 'I64':
      return {
        dtype,
        shape,
        data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * -(2n ** 60n) + 7n),
      };
    case 'U64':
      return { dtype, shape, data: BigUint64Array.from({ length: n }, (_, i) => 2n ** 63n + BigInt(i)) };
    case 'I32':
      return { dtype, shape, data: Int32Array.from({ length: n }, (_, i) => (i - 3) * 100_000_007) };
    case 'U32':
      return { dtype, shape, data: Uint32Array.from({ length: n }, (_, i) => 4_000_000_000 + i) };
    case 'I16':
      return { dtype, shape, data: Int16Array.from({ length: n }, (_, i) => -30000 + i) };
    case 'U16':
    case 'F16':
    case 'BF16':
      return { dtype, shape, data: Uint16Array.from({ length: n }, (_, i) => 0x3c00 + i) };
    case 'I8':
      return { dtype, shape, data: Int8Array.from({ length: n }, (_, i) => -128 + i) };
    case 'BOOL':
      return { dtype, shape, data: Uint8Array.from({ length: n }, (_, i) => i % 2) };
    case 'F4':
      return { dtype, shape, data: Uint8Array.from({ length: n / 2 }, (_, i) => 0x10 + i) };
    case 'F6_E2M3':
    case 'F6_E3M2':
      return { dtype, shape, data: Uint8Array.from({ length: (n * 3) / 4 }, (_, i) => 0xa0 + i) };
    default:
      return { dtype, shape, data: Uint8Array.from({ length: n }, (_, i) => 250 - i) } as Tensor;
  }
}

function expectSafetensorsError(f: () => unknown, pattern: RegExp, code?: 'truncated' | 'corrupt'): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error matching ${pattern}`).toBeInstanceOf(SafetensorsError);
  expect((error as Error).message).toMatch(pattern);
  if (code) expect((error as SafetensorsError).code).toBe(code);
}

describe('safetensors layout', () => {
  it('round-trips every dtype, scalars and empty tensors, with metadata', () => {
    const tensors: Record<string, Tensor> = {};
    for (const dtype of SAFETENSORS_DTYPES) {
      tensors[`t_${dtype}`] = sample(dtype, [2, 4]);
      if (!dtype.startsWith('F4') && !dtype.startsWith('F6')) tensors[`scalar_${dtype}`] = sample(dtype, []);
      tensors[`empty_${dtype}`] = sample(dtype, [3, 0]);
    }
    const metadata = { format: 'pt', ключ: 'значение ✓', empty: '', json: '{"a":[1,2]}' };
    const bytes = encodeSafetensors(tensors, metadata);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual(metadata);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const u = back.tensors[name];
      expect(u.dtype, name).toBe(t.dtype);
      expect(u.shape, name).toEqual(t.shape);
      expect(u.data.constructor, name).toBe(t.data.constructor);
      expect(Array.from(u.data as ArrayLike<unknown>), name).toEqual(
        Array.from(t.data as ArrayLike<unknown>),
      );
    }
    // The data starts at a multiple of 8 and every tensor is aligned for its element size.
    const header = decodeSafetensorsHeader(bytes);
    expect(header.dataStart % 8).toBe(0);
    for (const [name, t] of Object.entries(back.tensors)) {
      expect((t.data.byteOffset - header.dataStart) % t.data.BYTES_PER_ELEMENT, name).toBe(0);
      expect(t.data.buffer, name).toBe(bytes.buffer); // aligned, so a view and not a copy
    }
  });

  it('writes exactly the layout computed by hand', () => {
    // One F32 tensor: the header is 64 bytes of JSON, already a multiple of 8, so no padding.
    const bytes = encodeSafetensors({
      'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) },
    });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    expect(Array.from(bytes)).toEqual([...u64(64), ...ascii(json), ...f32(0, 1, 2, 3, 4, 5)]);

    // Shorter name: 59 bytes of JSON, padded with five spaces to 64.
    const padded = encodeSafetensors({ w: { dtype: 'F32', shape: [1, 2, 3], data: new Float32Array(6) } });
    const json2 = '{"w":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json2.length).toBe(59);
    expect(Array.from(padded)).toEqual([...u64(64), ...ascii(`${json2}     `), ...new Array(24).fill(0)]);

    // No tensors: "{}" padded to 8; metadata comes first in the header.
    expect(Array.from(encodeSafetensors({}))).toEqual([...u64(8), ...ascii('{}      ')]);
    const meta = '{"__metadata__":{"framework":"pt"}}';
    expect(Array.from(encodeSafetensors({}, { framework: 'pt' }))).toEqual([
      ...u64(40),
      ...ascii(`${meta}     `),
    ]);
  });

  it('orders tensors by element size, then name, so that every one stays aligned', () => {
    const bytes = encodeSafetensors({
      b: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
      z: { dtype: 'F64', shape: [1], data: new Float64Array([1.5]) },
      a: { dtype: 'F32', shape: [1], data: new Float32Array([2.5]) },
      c: { dtype: 'F32', shape: [2], data: new Float32Array([3.5, 4.5]) },
    });
    const json =
      '{"z":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
      '"c":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},"b":{"dtype":"U8","shape":[3],"data_offsets":[20,23]}}';
    const padding = (8 - (json.length % 8)) % 8;
    const data = [
      ...Array.from(new Uint8Array(new Float64Array([1.5]).buffer)),
      ...f32(2.5, 3.5, 4.5),
      1,
      2,
      3,
    ];
    expect(Array.from(bytes)).toEqual([
      ...u64(json.length + padding),
      ...ascii(json + ' '.repeat(padding)),
      ...data,
    ]);
  });

  it('reads a hand-made file: keys in another order, no metadata, unaligned data, other whitespace', () => {
    // Offsets listed out of order, fields in another order, 1-byte tensor first so the F32 is unaligned,
    // header length not a multiple of 8, padded with a newline and a tab.
    const header =
      '{ "w": {"data_offsets": [1, 9], "shape": [2], "dtype": "F32"},\n' +
      '  "flag": {"shape": [1], "data_offsets": [0, 1], "dtype": "BOOL"} }\n\t';
    const bytes = handMade(header, [1, ...f32(0.25, -8)]);
    const { tensors, metadata } = decodeSafetensors(bytes, 'hand.safetensors');
    expect(metadata).toEqual({});
    expect(tensors.flag).toEqual({ dtype: 'BOOL', shape: [1], data: new Uint8Array([1]) });
    expect(tensors.w.dtype).toBe('F32');
    expect(Array.from(tensors.w.data as Float32Array)).toEqual([0.25, -8]);
    expect(tensors.w.data.byteOffset % 4).toBe(0);

    // The same bytes at an odd offset of a larger buffer are copied into aligned arrays.
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const again = decodeSafetensors(shifted.subarray(3), 'shifted');
    expect(Array.from(again.tensors.w.data as Float32Array)).toEqual([0.25, -8]);
  });

  it('reads "__metadata__": null as no metadata, and ignores unknown fields of a tensor entry', () => {
    const bytes = handMade(
      '{"__metadata__":null,"x":{"dtype":"I32","shape":[],"data_offsets":[0,4],"note":"hi"}}',
      [7, 0, 0, 0],
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(tensors.x).toEqual({ dtype: 'I32', shape: [], data: new Int32Array([7]) });
  });

  it('copies every tensor out of the input with copy: true', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F64', shape: [2], data: new Float64Array([1, 2]) } });
    const shared = decodeSafetensors(bytes);
    const copied = decodeSafetensors(bytes, 'x', { copy: true });
    expect(shared.tensors.x.data.buffer).toBe(bytes.buffer);
    expect(copied.tensors.x.data.buffer).not.toBe(bytes.buffer);
    bytes.fill(0);
    expect(Array.from(copied.tensors.x.data as Float64Array)).toEqual([1, 2]);
  });

  it('writes tensors that are views into larger or shared buffers', () => {
    const big = new Float32Array(new SharedArrayBuffer(40));
    big.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const view = big.subarray(3, 7);
    const back = decodeSafetensors(encodeSafetensors({ v: { dtype: 'F32', shape: [2, 2], data: view } }));
    expect(Array.from(back.tensors.v.data as Float32Array)).toEqual([4, 5, 6, 7]);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /shape \[3\].*2 elements/,
    );
    expect(() =>
      encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float64Array(2) } as unknown as Tensor }),
    ).toThrow(/needs a Float32Array, got Float64Array/);
    expect(() =>
      encodeSafetensors({ x: { dtype: 'F12', shape: [1], data: new Uint8Array(1) } as unknown as Tensor }),
    ).toThrow(/unknown dtype "F12"/);
    expect(() => encodeSafetensors({ x: { dtype: 'U8', shape: [-1], data: new Uint8Array(1) } })).toThrow(
      /shape/,
    );
    expect(() =>
      encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [1], data: new Uint8Array(1) } }),
    ).toThrow(/reserved/);
    expect(() => encodeSafetensors({ x: { dtype: 'F4', shape: [3], data: new Uint8Array(1) } })).toThrow(
      /whole bytes/,
    );
    expect(() => encodeSafetensors({}, { n: 1 } as unknown as Record<string, string>)).toThrow(
      /"n" is number/,
    );
  });

  describe('rejects broken files with errors that name the file', () => {
    const good = encodeSafetensors(
      {
        f: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
        g: { dtype: 'I64', shape: [2], data: new BigInt64Array([1n, 2n]) },
      },
      { note: 'hello' },
    );
    const decode = (bytes: Uint8Array) => () => decodeSafetensors(bytes, 'm.safetensors');

    it('truncated at any point', () => {
      for (let cut = 0; cut < good.length; cut++) {
        expectSafetensorsError(decode(good.subarray(0, cut)), /^m\.safetensors: .*truncated/, 'truncated');
      }
      expectSafetensorsError(decode(good.subarray(0, 5)), /shorter than the 8-byte header length prefix/);
      expectSafetensorsError(decode(good.subarray(0, 30)), /header length prefix says \d+ bytes but only 22/);
      expectSafetensorsError(decode(good.subarray(0, good.length - 1)), /need 40 bytes .* only 39 are there/);
    });

    it('garbage, absurd header lengths and headers that are not JSON objects', () => {
      expectSafetensorsError(
        decode(new TextEncoder().encode('user,item,rating\n1,2,3\n')),
        /over the 100 MB/,
      );
      expectSafetensorsError(
        decode(new Uint8Array([...u64(100_000_001), 0x7b, 0x7d])),
        /over the 100 MB limit/,
      );
      expectSafetensorsError(decode(new Uint8Array([...u64(2 ** 40), 0x7b, 0x7d])), /over the 100 MB limit/);
      expectSafetensorsError(decode(new Uint8Array(8)), /header length prefix says 0 bytes/);
      expectSafetensorsError(decode(handMade('{"a": 1,')), /not valid JSON/);
      expectSafetensorsError(decode(handMade('{"a":1} x')), /not valid JSON/);
      expectSafetensorsError(decode(handMade('[1, 2, 3]')), /does not start with "\{"/);
      expectSafetensorsError(decode(handMade(' {}')), /does not start with "\{"/);
      expectSafetensorsError(decode(handMade('{}\0\0')), /not valid JSON/);
      expectSafetensorsError(decode(new Uint8Array([...u64(4), 0x7b, 0x22, 0xff, 0x7d])), /not valid UTF-8/);
      expectSafetensorsError(decode(handMade('{"a":"b"}')), /tensor "a" is a string, not an object/);
      expectSafetensorsError(decode(handMade('{"a":[]}')), /tensor "a" is an array/);
    });

    it('foreign or invalid tensor entries', () => {
      const entry = (e: string, data: number[] = []) => decode(handMade(`{"t":${e}}`, data));
      expectSafetensorsError(
        entry('{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}', [0]),
        /unknown dtype "Q8"/,
      );
      expectSafetensorsError(
        entry('{"dtype":"f32","shape":[1],"data_offsets":[0,4]}', [0, 0, 0, 0]),
        /"f32"/,
      );
      expectSafetensorsError(entry('{"shape":[1],"data_offsets":[0,1]}', [0]), /tensor "t" has no dtype/);
      expectSafetensorsError(
        entry('{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}', [0]),
        /invalid shape/,
      );
      expectSafetensorsError(entry('{"dtype":"U8","shape":"1","data_offsets":[0,1]}', [0]), /invalid shape/);
      expectSafetensorsError(
        entry('{"dtype":"U8","shape":[1],"data_offsets":[1,0]}', [0]),
        /invalid data_offsets/,
      );
      expectSafetensorsError(
        entry('{"dtype":"U8","shape":[1],"data_offsets":[0]}', [0]),
        /invalid data_offsets/,
      );
      expectSafetensorsError(
        entry('{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}', [0]),
        /invalid data_offsets/,
      );
      expectSafetensorsError(
        entry('{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}', new Array(20).fill(0)),
        /tensor "t": shape \[2, 3\] of F32 needs 24 bytes but data_offsets \[0, 20\] span 20/,
      );
      expectSafetensorsError(
        entry('{"dtype":"F4","shape":[3],"data_offsets":[0,1]}', [0]),
        /not a whole number/,
      );
      expectSafetensorsError(
        entry('{"dtype":"U8","shape":[1e300,1e300],"data_offsets":[0,1]}', [0]),
        /invalid shape|needs/,
      );
    });

    it('offsets that overlap, leave gaps, or leave bytes over', () => {
      const two = (a: string, b: string, n: number) =>
        decode(
          handMade(
            `{"a":{"dtype":"U8","shape":[2],"data_offsets":${a}},"b":{"dtype":"U8","shape":[2],"data_offsets":${b}}}`,
            new Array(n).fill(0),
          ),
        );
      expect(() => two('[0,2]', '[2,4]', 4)()).not.toThrow();
      expectSafetensorsError(two('[0,2]', '[1,3]', 3), /tensor "b" at \[1, 3\) overlaps tensor "a"/);
      expectSafetensorsError(two('[0,2]', '[0,2]', 2), /overlaps/);
      expectSafetensorsError(two('[0,2]', '[3,5]', 5), /1 bytes before tensor "b" belong to no tensor/);
      expectSafetensorsError(two('[1,3]', '[3,5]', 5), /before tensor "a" .*gap at 0/);
      expectSafetensorsError(two('[0,2]', '[2,4]', 6), /2 bytes after the last tensor/);
    });

    it('metadata that is not strings, and duplicate keys', () => {
      expectSafetensorsError(decode(handMade('{"__metadata__":{"n":1}}')), /"n" is a number, not a string/);
      expectSafetensorsError(
        decode(handMade('{"__metadata__":{"n":{"a":"b"}}}')),
        /"n" is an object, not a string/,
      );
      expectSafetensorsError(decode(handMade('{"__metadata__":["a"]}')), /must be an object of strings/);
      expectSafetensorsError(decode(handMade('{"__metadata__":"a"}')), /must be an object of strings/);
      expectSafetensorsError(
        decode(handMade('{"__metadata__":{"k":"1","\\u006b":"2"}}')),
        /key "k" appears twice/,
      );
      expectSafetensorsError(
        decode(
          handMade(
            '{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}',
            [0],
          ),
        ),
        /key "t" appears twice/,
      );
      // Keys equal to strings found in values are not duplicates.
      expect(decode(handMade('{"__metadata__":{"a":"b","b":"a"}}'))().metadata).toEqual({ a: 'b', b: 'a' });
    });
  });

  it('converts F16, BF16, integers and floats to Float32Array and Float64Array', () => {
    const half: Tensor = {
      dtype: 'F16',
      shape: [7],
      data: new Uint16Array([0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x3555, 0x0000]),
    };
    const h = toFloat64Array(half);
    expect(Array.from(h)).toEqual([1, -2, Infinity, -Infinity, 2 ** -24, 0.333251953125, 0]);
    expect(
      Number.isNaN(toFloat32Array({ dtype: 'F16', shape: [1], data: new Uint16Array([0x7e00]) })[0]),
    ).toBe(true);
    const bf: Tensor = { dtype: 'BF16', shape: [3], data: new Uint16Array([0x3f80, 0x4049, 0xbf00]) };
    expect(Array.from(toFloat32Array(bf))).toEqual([1, 3.140625, -0.5]);
    expect(
      Array.from(toFloat64Array({ dtype: 'I64', shape: [2], data: new BigInt64Array([-3n, 5n]) })),
    ).toEqual([-3, 5]);
    const same = new Float32Array([1, 2]);
    expect(toFloat32Array({ dtype: 'F32', shape: [2], data: same })).toBe(same);
    expect(() => toFloat32Array({ dtype: 'F8_E4M3', shape: [1], data: new Uint8Array(1) })).toThrow(
      /F8_E4M3/,
    );
  });
});

describe('model files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osusume-model-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const info: ModelFileInfo = {
    model: 'als',
    params: { k: 2, lambda: 0.1, biases: true, schedule: [1, 2], nested: { a: null } },
    seed: 42,
    users: ['alice', 'bob', 'ça va'],
    items: ['x', 'y'],
    fingerprint: 'sha256:abc',
    metrics: { rmse: 0.91, auc: Number.NaN, worst: Number.POSITIVE_INFINITY },
    extra: { mean: 3.5, notes: ['a'] },
    created: new Date('2024-05-06T07:08:09.010Z'),
  };
  const tensors: Record<string, Tensor> = {
    user_factors: { dtype: 'F32', shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    item_factors: { dtype: 'F32', shape: [2, 2], data: new Float32Array([0.5, -0.5, 1.5, -1.5]) },
    item_bias: { dtype: 'F64', shape: [2], data: new Float64Array([0.1, -0.2]) },
  };

  it('round-trips its header and tensors through a file', async () => {
    const path = join(dir, 'als.safetensors');
    await saveModelFile(path, info, tensors);
    const loaded = await loadModelFile(path, {
      expectModel: 'als',
      expectTensors: {
        user_factors: { dtype: 'F32', shape: ['users', null] },
        item_factors: { dtype: ['F32', 'F64'], shape: ['items', 2] },
        item_bias: { shape: ['items'] },
      },
    });
    const { created, ...rest } = info;
    expect(loaded.header).toEqual({ ...rest, formatVersion: 1, created, libraryVersion: expect.any(String) });
    expect(loaded.header.libraryVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number.isNaN(loaded.header.metrics?.auc)).toBe(true);
    for (const [name, t] of Object.entries(tensors)) expect(loaded.tensors[name]).toEqual(t);
    expect(await readdir(dir)).toEqual(['als.safetensors']);
  });

  it('stores string metadata that Python can read, JSON where structured', () => {
    const bytes = encodeModelFile(info, tensors);
    const { metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({
      format: 'osusume-model',
      format_version: '1',
      model: 'als',
      params: '{"k":2,"lambda":0.1,"biases":true,"schedule":[1,2],"nested":{"a":null}}',
      seed: '42',
      users: '["alice","bob","ça va"]',
      items: '["x","y"]',
      fingerprint: 'sha256:abc',
      metrics: '{"rmse":0.91,"auc":"NaN","worst":"Infinity"}',
      extra: '{"mean":3.5,"notes":["a"]}',
      created: '2024-05-06T07:08:09.010Z',
      library_version: expect.any(String),
    });
    // Same inputs, same bytes.
    expect(encodeModelFile(info, tensors)).toEqual(bytes);
    // In memory, as a server keeps it.
    const back = decodeModelFile(bytes, { expectModel: 'als' });
    expect(back.header.users).toEqual(info.users);
    expect(back.tensors.item_bias).toEqual(tensors.item_bias);
    expect(back.metadata.format).toBe('osusume-model');
  });

  it('keeps only what was given: a minimal model', () => {
    const bytes = encodeModelFile({ model: 'mean', params: {} }, {});
    const { header, tensors: t } = decodeModelFile(bytes);
    expect(header.model).toBe('mean');
    expect(header.params).toEqual({});
    expect(header.users).toBeUndefined();
    expect(header.seed).toBeUndefined();
    expect(header.created).toBeInstanceOf(Date);
    expect(t).toEqual({});
  });

  it('refuses metadata that JSON would silently change', () => {
    const bad = (patch: Partial<ModelFileInfo>) => () => encodeModelFile({ ...info, ...patch }, {});
    expect(bad({ params: { lambda: Number.POSITIVE_INFINITY } })).toThrow(/params.lambda is Infinity/);
    expect(bad({ params: { ids: new Map() } })).toThrow(/params.ids is a Map/);
    expect(bad({ params: { n: 10n } })).toThrow(/bigint/);
    expect(bad({ users: ['a', 'a'] })).toThrow(/"a" twice/);
    expect(bad({ users: [1] as unknown as string[] })).toThrow(/string ids/);
    expect(bad({ seed: Number.NaN })).toThrow(/seed/);
    expect(bad({ model: '' })).toThrow(/model name/);
  });

  it('reads the header alone', async () => {
    const path = join(dir, 'inspect.safetensors');
    await saveModelFile(path, info, tensors);
    const summary = await inspectModelFile(path);
    expect(summary.header.model).toBe('als');
    expect(summary.header.items).toEqual(['x', 'y']);
    expect(summary.tensors.user_factors).toEqual({
      dtype: 'F32',
      shape: [3, 2],
      dataOffsets: expect.any(Array),
    });
    expect(summary.size).toBe((await readFile(path)).length);
  });

  describe('fails to load with a clear message', () => {
    const load = async (path: string, options = {}) => {
      try {
        await loadModelFile(path, options);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelFileError);
        return e as ModelFileError;
      }
      throw new Error(`loading ${path} did not fail`);
    };
    const withMeta = async (name: string, patch: Record<string, string | undefined>) => {
      const meta = { ...decodeSafetensors(encodeModelFile(info, {})).metadata, ...patch };
      for (const k of Object.keys(meta)) if (meta[k] === undefined) delete meta[k];
      const path = join(dir, name);
      await writeSafetensorsFile(path, tensors, meta as Record<string, string>);
      return path;
    };

    it('a missing file or a directory', async () => {
      const missing = await load(join(dir, 'nope.safetensors'));
      expect(missing.message).toBe(`no such model file: ${join(dir, 'nope.safetensors')}`);
      expect(missing.code).toBe('not-found');
      expect((await load(dir)).message).toMatch(/is a directory, not a model file/);
    });

    it('garbage, empty and truncated files', async () => {
      const garbage = join(dir, 'ratings.csv');
      await writeFile(garbage, 'user,item,rating\nalice,x,4\n');
      expect((await load(garbage)).message).toMatch(/^.*ratings\.csv: not a safetensors file/);
      const empty = join(dir, 'empty.safetensors');
      await writeFile(empty, '');
      expect((await load(empty)).code).toBe('truncated');

      const bytes = encodeModelFile(info, tensors);
      for (const cut of [3, 8, 100, bytes.length - 17, bytes.length - 1]) {
        const path = join(dir, `cut-${cut}.safetensors`);
        await writeFile(path, bytes.subarray(0, cut));
        const e = await load(path);
        expect(e.code, `cut at ${cut}`).toBe('truncated');
        expect(e.message).toContain(path);
        expect(e.message).toMatch(/truncated/);
      }
      await expect(inspectModelFile(join(dir, 'cut-100.safetensors'))).rejects.toThrow(/truncated/);
      await expect(inspectModelFile(join(dir, `cut-${bytes.length - 1}.safetensors`))).rejects.toThrow(
        /truncated/,
      );
    });

    it('a plain safetensors file, which readSafetensorsFile still reads', async () => {
      const path = join(dir, 'spark-factors.safetensors');
      await writeSafetensorsFile(path, { userFactors: tensors.user_factors }, { source: 'spark' });
      const e = await load(path);
      expect(e.message).toBe(`not an osusume model file (no format=osusume-model in its metadata): ${path}`);
      expect(e.code).toBe('not-a-model');
      const foreign = await readSafetensorsFile(path);
      expect(foreign.metadata).toEqual({ source: 'spark' });
      expect(foreign.tensors.userFactors).toEqual(tensors.user_factors);
      await expect(readSafetensorsFile(join(dir, 'ratings.csv'))).rejects.toThrow(ModelFileError);
      await expect(readSafetensorsFile(join(dir, 'none'))).rejects.toThrow(/no such safetensors file/);
    });

    it('a newer format version, or a broken one', async () => {
      const e = await load(await withMeta('v2.safetensors', { format_version: '2' }));
      expect(e.message).toMatch(/: written by a newer osusume \(format_version 2\); upgrade/);
      expect(e.code).toBe('newer-version');
      expect((await load(await withMeta('v0.safetensors', { format_version: '0' }))).code).toBe('corrupt');
      expect((await load(await withMeta('vx.safetensors', { format_version: 'x' }))).message).toMatch(
        /format_version "x" is not a version number/,
      );
      expect((await load(await withMeta('nov.safetensors', { format_version: undefined }))).code).toBe(
        'corrupt',
      );
    });

    it('another model than expected', async () => {
      const path = join(dir, 'sgd.safetensors');
      await saveModelFile(path, { ...info, model: 'sgd' }, tensors);
      const e = await load(path, { expectModel: 'als' });
      expect(e.message).toBe(`${path}: holds a "sgd" model, not the expected "als"`);
      expect(e.code).toBe('wrong-model');
    });

    it('corrupt metadata values', async () => {
      const cases: [Record<string, string | undefined>, RegExp][] = [
        [{ params: '{k:2' }, /params is not valid JSON/],
        [{ params: '[1]' }, /params is not an object/],
        [{ params: undefined }, /no params/],
        [{ model: undefined }, /no model name/],
        [{ users: '["a", 1]' }, /users is not an array of string ids/],
        [{ items: '["a","a"]' }, /items has repeated ids/],
        [{ seed: '"x"' }, /seed is not a number/],
        [{ metrics: '{"rmse":"low"}' }, /metrics.rmse is not a number/],
        [{ created: 'yesterday' }, /created "yesterday" is not a date/],
      ];
      for (const [i, [patch, pattern]] of cases.entries()) {
        const e = await load(await withMeta(`corrupt-${i}.safetensors`, patch));
        expect(e.code).toBe('corrupt');
        expect(e.message).toMatch(pattern);
      }
    });

    it('tensors that do not match what the model expects', async () => {
      const path = join(dir, 'shapes.safetensors');
      await saveModelFile(path, info, tensors);
      const expectTensors = (expectTensors: object) => load(path, { expectTensors });
      expect((await expectTensors({ user_factors: { shape: ['items', 2] } })).message).toMatch(
        /tensor "user_factors" has shape \[3, 2\], expected \[2 \(items\), 2\]/,
      );
      expect((await expectTensors({ item_bias: { dtype: 'F32' } })).message).toMatch(/is F64, expected F32/);
      expect((await expectTensors({ bias: {} })).message).toMatch(/no tensor "bias" \(it has /);
      expect((await expectTensors({ item_bias: { shape: [2, 1] } })).code).toBe('wrong-tensors');
      const noIds = join(dir, 'no-ids.safetensors');
      await saveModelFile(noIds, { model: 'als', params: {} }, tensors);
      expect(
        (await load(noIds, { expectTensors: { user_factors: { shape: ['users', 2] } } })).message,
      ).toMatch(/has no users id map/);
    });
  });
});

describe('writeFileAtomic', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osusume-atomic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates and replaces a file, leaving no temporary file', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(path, [new Uint8Array([4]), new Uint8Array(0), new Uint8Array([5, 6])]);
    expect(Array.from(await readFile(path))).toEqual([4, 5, 6]);
    await writeFileAtomic(path, 'text ✓');
    expect(await readFile(path, 'utf8')).toBe('text ✓');
    expect(await readdir(dir)).toEqual(['a.bin']);
  });

  it('leaves the old file whole when writing fails midway, and removes the temporary file', async () => {
    const path = join(dir, 'keep.bin');
    await writeFileAtomic(path, new Uint8Array([9, 9, 9]));
    const failing = [new Uint8Array(100_000), null] as unknown as Uint8Array[];
    await expect(writeFileAtomic(path, failing)).rejects.toThrow();
    expect(Array.from(await readFile(path))).toEqual([9, 9, 9]);
    expect((await readdir(dir)).filter((f) => f.includes('keep'))).toEqual(['keep.bin']);
  });

  it('fails cleanly when the target is a directory or its directory does not exist', async () => {
    const target = join(dir, 'is-a-dir');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'x');
    await expect(writeFileAtomic(target, new Uint8Array([1]))).rejects.toThrow();
    expect((await lstat(target)).isDirectory()).toBe(true);
    expect(await readdir(target)).toEqual(['inside']);
    expect((await readdir(dir)).filter((f) => f.includes('is-a-dir'))).toEqual(['is-a-dir']);

    const gone = join(dir, 'removed', 'model.safetensors');
    await expect(writeFileAtomic(gone, new Uint8Array([1]))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readdir(join(dir, 'removed'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.runIf(process.platform !== 'win32')(
    'keeps the permissions of a replaced file and follows links',
    async () => {
      const path = join(dir, 'private.bin');
      await writeFile(path, 'old');
      await chmod(path, 0o600);
      const link = join(dir, 'link.bin');
      await symlink(path, link);
      await writeFileAtomic(link, 'new');
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readFile(path, 'utf8')).toBe('new');
      expect((await lstat(path)).mode & 0o777).toBe(0o600);
    },
  );
});
