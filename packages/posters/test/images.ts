// Tiny generated posters for the tests.
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

export type Rgba = [number, number, number, number];

/** RGBA pixels of a width × height image, each from `colour(x, y)`. */
export function pixels(width: number, height: number, colour: (x: number, y: number) => Rgba): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 4);
  }
  return data;
}

export function pngBytes(width: number, height: number, colour: (x: number, y: number) => Rgba): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(pixels(width, height, colour));
  return PNG.sync.write(png);
}

export function jpegBytes(width: number, height: number, colour: (x: number, y: number) => Rgba): Buffer {
  return encodeJpeg({ width, height, data: pixels(width, height, colour) }, 95).data;
}

export const RED: Rgba = [255, 0, 0, 255];
export const GREEN: Rgba = [0, 255, 0, 255];
export const BLUE: Rgba = [0, 0, 255, 255];
export const WHITE: Rgba = [255, 255, 255, 255];
