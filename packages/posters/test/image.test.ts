import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageFormat, imageToTensor, type Normalization, resizeBilinear } from '../src/image.js';
import { BLUE, jpegBytes, pngBytes, RED } from './images.js';

const RAW: Normalization = { range: 1, mean: [0, 0, 0], std: [1, 1, 1], channels: 'rgb' };

describe('decodeImage', () => {
  it('decodes PNG and JPEG by their signatures, whatever the file is called', () => {
    const png = pngBytes(3, 2, (x) => (x === 0 ? RED : BLUE));
    expect(imageFormat(png)).toBe('png');
    const image = decodeImage(png);
    expect([image.width, image.height]).toEqual([3, 2]);
    expect([...image.data.subarray(0, 8)]).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);

    const jpg = jpegBytes(16, 16, () => BLUE);
    expect(imageFormat(jpg)).toBe('jpeg');
    const decoded = decodeImage(jpg);
    expect([decoded.width, decoded.height]).toEqual([16, 16]);
    // Lossy, but a flat colour stays close.
    expect(decoded.data[0]).toBeLessThan(10);
    expect(decoded.data[2]).toBeGreaterThan(245);
  });

  it('expands grey PNGs to RGBA', () => {
    const png = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 0, inputHasAlpha: false });
    png.data = Buffer.from([10, 200]);
    const image = decodeImage(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
    expect([...image.data]).toEqual([10, 10, 10, 255, 200, 200, 200, 255]);
  });

  it('rejects bytes that are no image, and truncated images', () => {
    expect(() => decodeImage(new TextEncoder().encode('hello, world'))).toThrow(/not a PNG or JPEG/);
    const png = pngBytes(8, 8, () => RED);
    expect(() => decodeImage(png.subarray(0, 40))).toThrow();
    const jpg = jpegBytes(8, 8, () => RED);
    expect(() => decodeImage(jpg.subarray(0, 30))).toThrow();
  });
});

describe('resizeBilinear', () => {
  it('interpolates with half-pixel centres and clamps at the edges', () => {
    const src = Float32Array.from([0, 0, 0, 100, 100, 100]); // 2 × 1, grey 0 and 100
    const out = resizeBilinear(src, 2, 1, 4, 1);
    expect([...out].filter((_, i) => i % 3 === 0)).toEqual([0, 25, 75, 100]);
  });

  it('leaves an image of the right size as it is', () => {
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(resizeBilinear(src, 2, 1, 2, 1)).toBe(src);
  });
});

describe('imageToTensor', () => {
  const image = (width: number, height: number, data: Uint8Array) => ({ width, height, data });

  it('writes NCHW planes normalized per channel, in RGB or BGR order', () => {
    const red = image(1, 1, Uint8Array.from([255, 0, 0, 255]));
    const out = new Float32Array(3 * 4);
    imageToTensor(
      red,
      2,
      2,
      { range: 1, mean: [0.5, 0, 0], std: [0.25, 1, 1], channels: 'rgb' },
      'stretch',
      out,
    );
    expect([...out]).toEqual([2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Caffe style: 0..255, BGR, mean subtracted.
    const bgr = new Float32Array(3 * 4);
    imageToTensor(
      red,
      2,
      2,
      { range: 255, mean: [10, 20, 30], std: [1, 1, 1], channels: 'bgr' },
      'stretch',
      bgr,
    );
    expect([...bgr]).toEqual([-10, -10, -10, -10, -20, -20, -20, -20, 225, 225, 225, 225]);
  });

  it('writes at an offset in a batch', () => {
    const blue = image(1, 1, Uint8Array.from([0, 0, 255, 255]));
    const out = new Float32Array(2 * 3);
    imageToTensor(blue, 1, 1, RAW, 'stretch', out, 3);
    expect([...out]).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('composites transparent pixels over white', () => {
    const clear = image(1, 1, Uint8Array.from([0, 0, 0, 0]));
    const half = image(1, 1, Uint8Array.from([0, 0, 0, 255 / 5]));
    const out = new Float32Array(3);
    imageToTensor(clear, 1, 1, RAW, 'stretch', out);
    expect([...out]).toEqual([1, 1, 1]);
    imageToTensor(half, 1, 1, RAW, 'stretch', out);
    for (const v of out) expect(v).toBeCloseTo(0.8, 6);
  });

  it('averages boxes when shrinking, so a fine checkerboard becomes flat grey', () => {
    const board = new Uint8Array(16 * 16 * 4);
    for (let p = 0; p < 256; p++) {
      const v = ((p % 16) + Math.floor(p / 16)) % 2 === 0 ? 255 : 0;
      board.set([v, v, v, 255], p * 4);
    }
    const out = new Float32Array(3 * 3 * 3);
    imageToTensor(image(16, 16, board), 3, 3, RAW, 'stretch', out);
    // 16 / 3 → boxes of 5 × 5 (13 of one colour, 12 of the other), then bilinear: close to 0.5 everywhere.
    for (const v of out) expect(Math.abs(v - 0.5)).toBeLessThan(0.03);
  });

  it('crops the centre to the input aspect with fit=crop', () => {
    // 3 × 1: red | blue | red. Cropped to a square, only the blue centre is left.
    const strip = image(3, 1, Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255, 255, 0, 0, 255]));
    const out = new Float32Array(3);
    imageToTensor(strip, 1, 1, RAW, 'crop', out);
    expect([...out]).toEqual([0, 0, 1]);
    imageToTensor(strip, 1, 1, RAW, 'stretch', out);
    expect(out[0]).toBeCloseTo(2 / 3, 6);
  });
});
