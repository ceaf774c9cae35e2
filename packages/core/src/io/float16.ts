// IEEE 754 half precision (binary16): 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. Used to
// ship item factors to browsers at half the bytes (docs/web.md, "Private mode").

const single = new Float32Array(1);
const singleBits = new Uint32Array(single.buffer);

/** The binary16 bits nearest to `x` (ties to even; beyond ±65504 infinity, NaN stays NaN). */
export function toFloat16(x: number): number {
  single[0] = x;
  const bits = singleBits[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const fraction = bits & 0x7fffff;
  if (exponent === 0xff - 127 + 15) return sign | 0x7c00 | (fraction ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    // Subnormal: the value in units of 2^-24, from the 24-bit significand.
    if (exponent < -10) return sign;
    return sign | roundShift(fraction | 0x800000, 14 - exponent);
  }
  // A carry out of the fraction moves into the exponent, which is the right rounding (up to infinity).
  return sign | roundShift((exponent << 23) | fraction, 13);
}

/** value >> shift, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The number binary16 `bits` stand for. */
export function fromFloat16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
