import { IdMap } from '../data/id-map.js';
import { factorLayout, setFixedSlots } from '../models/factor-layout.js';
import { FactorModel, type Regularization } from '../models/factor-model.js';
import { fromFloat16, toFloat16 } from './float16.js';

/**
 * A factor model's item side, small enough for a browser to download and fold visitors in itself
 * (docs/web.md, "Private mode"): item ids, training ratings per item, item biases (f32) and item factors
 * (binary16), with the mean, penalties and scale that fold-in and scoring need. No user rows and no
 * training ratings leave the server. Layout: a little-endian u32 header length, the header (JSON),
 * padding to 4 bytes, then counts (i32 × items), biases (f32 × items), factors (u16 × items × factors).
 */
export const PORTABLE_FORMAT = 1;

interface Header {
  format: number;
  items: string[];
  factors: number;
  biases: boolean;
  mean: number;
  regularization: Regularization;
  scale: { min: number; max: number } | null;
  extra: Record<string, unknown>;
}

/** The portable bytes of `model`'s item side, with `extra` (JSON) carried in the header. */
export function encodePortableFactors(model: FactorModel, extra: Record<string, unknown> = {}): Uint8Array {
  const { factors, biases, stride, itemBiasSlot } = model.layout;
  const count = model.items.size;
  const header: Header = {
    format: PORTABLE_FORMAT,
    items: model.items.toArray(),
    factors,
    biases,
    mean: model.mean,
    regularization: model.regularization,
    scale: model.scale ?? null,
    extra,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((4 + json.length) / 4) * 4;
  const bytes = new Uint8Array(start + count * 8 + count * factors * 2 + ((count * factors) % 2) * 2);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, json.length, true);
  bytes.set(json, 4);
  const counts = model.ratingCounts();
  for (let j = 0; j < count; j++) {
    view.setInt32(start + 4 * j, counts[j], true);
    view.setFloat32(start + 4 * (count + j), biases ? model.itemRows[j * stride + itemBiasSlot] : 0, true);
    for (let c = 0; c < factors; c++) {
      view.setUint16(
        start + 8 * count + 2 * (j * factors + c),
        toFloat16(model.itemRows[j * stride + c]),
        true,
      );
    }
  }
  return bytes;
}

/** The model that portable bytes stand for (no users), and the header's `extra`. */
export function decodePortableFactors(bytes: Uint8Array): {
  model: FactorModel;
  extra: Record<string, unknown>;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => new Error(`not a portable factor model: ${why}`);
  if (bytes.length < 4) throw fail('too short');
  const length = view.getUint32(0, true);
  if (4 + length > bytes.length) throw fail('the header runs past the end');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as Header;
  } catch {
    throw fail('the header is not JSON');
  }
  if (header.format !== PORTABLE_FORMAT) throw fail(`format ${header.format}, expected ${PORTABLE_FORMAT}`);
  const count = header.items.length;
  const { factors } = header;
  const start = Math.ceil((4 + length) / 4) * 4;
  if (bytes.length < start + count * 8 + count * factors * 2) throw fail('the arrays are cut short');
  const layout = factorLayout(factors, header.biases);
  const itemRows = new Float32Array(count * layout.stride);
  const counts = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    counts[j] = view.getInt32(start + 4 * j, true);
    if (header.biases)
      itemRows[j * layout.stride + layout.itemBiasSlot] = view.getFloat32(start + 4 * (count + j), true);
    for (let c = 0; c < factors; c++) {
      itemRows[j * layout.stride + c] = fromFloat16(
        view.getUint16(start + 8 * count + 2 * (j * factors + c), true),
      );
    }
  }
  setFixedSlots(itemRows, layout, 'item');
  const model = new FactorModel({
    layout,
    mean: header.mean,
    users: new IdMap(),
    items: IdMap.from(header.items),
    userRows: new Float32Array(0),
    itemRows,
    regularization: header.regularization,
    scale: header.scale ?? undefined,
    train: { indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float64Array(0) },
    counts,
  });
  return { model, extra: header.extra };
}
