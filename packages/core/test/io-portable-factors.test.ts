import { describe, expect, it } from 'vitest';
import { fromFloat16, toFloat16 } from '../src/io/float16.js';
import { decodePortableFactors, encodePortableFactors } from '../src/io/portable-factors.js';
import { fitAls } from '../src/models/als.js';
import { lowRankRatings } from './synthetic.js';

describe('binary16', () => {
  it('rounds to the nearest half-precision value, ties to even', () => {
    expect(toFloat16(1)).toBe(0x3c00);
    expect(toFloat16(-2)).toBe(0xc000);
    expect(toFloat16(0.1)).toBe(0x2e66);
    expect(toFloat16(65504)).toBe(0x7bff);
    expect(toFloat16(65520)).toBe(0x7c00); // halfway to the next binade: infinity
    expect(toFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie, down to even
    expect(toFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, up to even
    expect(toFloat16(2 ** -14)).toBe(0x0400); // smallest normal
    expect(toFloat16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16(2 ** -25)).toBe(0x0000); // tie, down to even (zero)
    expect(toFloat16(3 * 2 ** -25)).toBe(0x0002);
    expect(toFloat16(-0)).toBe(0x8000);
    expect(toFloat16(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(toFloat16(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(fromFloat16(toFloat16(Number.NaN)))).toBe(true);
  });

  it('gives back every half-precision value it reads', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00 && bits & 0x3ff) continue; // NaNs
      expect(toFloat16(fromFloat16(bits))).toBe(bits);
    }
  });

  it('errs by at most half a unit in the last place', () => {
    for (let k = 0; k < 10000; k++) {
      const x = Math.fround(Math.sin(k) * 3);
      expect(Math.abs(fromFloat16(toFloat16(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
    }
  });
});

describe('portable factor models', async () => {
  const data = lowRankRatings({ users: 60, items: 40, rank: 3, density: 0.4, biases: true, noise: 0.1 });
  const { model } = await fitAls(data, { factors: 6, epochs: 8 }, { seed: 1 });

  it('fold in, rank and explain as the model they come from, within binary16 rounding', () => {
    const bytes = encodePortableFactors(model, { note: 'kept' });
    const { model: portable, extra } = decodePortableFactors(bytes);
    expect(extra).toEqual({ note: 'kept' });
    expect(portable.items.toArray()).toEqual(model.items.toArray());
    expect(portable.ratingCounts()).toEqual(model.ratingCounts());
    const ratings = model.items
      .toArray()
      .slice(0, 8)
      .map((item, i) => ({ item, value: (i % 5) - 1 }));
    const [a, b] = [model.foldIn(ratings), portable.foldIn(ratings)];
    for (const item of model.items.toArray()) {
      expect(Math.abs(portable.predict(b, item) - model.predict(a, item))).toBeLessThan(2e-3);
      // The explanation solves in f64 what fold-in solved in f32 (WebAssembly): equal to float precision.
      expect(portable.explain(b, item).score).toBeCloseTo(portable.predict(b, item), 5);
    }
    expect(portable.recommend(b, { n: 5, minRatings: 3 }).map((s) => s.item)).toEqual(
      model.recommend(a, { n: 5, minRatings: 3 }).map((s) => s.item),
    );
  });

  it('refuses bytes that are not a portable model, saying why', () => {
    const bytes = encodePortableFactors(model);
    expect(() => decodePortableFactors(bytes.subarray(0, 2))).toThrow(/too short/);
    expect(() => decodePortableFactors(bytes.subarray(0, bytes.length - 10))).toThrow(/cut short/);
    const other = bytes.slice();
    other[3] = 0xff; // the header length's high byte
    expect(() => decodePortableFactors(other)).toThrow(/header runs past the end/);
    const json = new TextEncoder().encode('{"format":2}');
    const wrong = new Uint8Array(4 + json.length);
    new DataView(wrong.buffer).setUint32(0, json.length, true);
    wrong.set(json, 4);
    expect(() => decodePortableFactors(wrong)).toThrow(/format 2/);
  });
});
