import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';

/** An 8-bit image, RGBA row-major (the decoders' layout). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The formats a poster may be in, told by their first bytes rather than by the file name. */
export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format of an encoded image from its signature, or undefined when it is neither PNG nor JPEG. */
export function imageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Limits for the JPEG decoder (it refuses larger images instead of exhausting memory). */
const JPEG_LIMITS = { maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 };

/**
 * Decodes a PNG or JPEG (pure JavaScript: pngjs, jpeg-js) to 8-bit RGBA; 16-bit PNGs are scaled to 8 bits,
 * grey and palette images expanded. Throws with the reason when the bytes are not a readable image.
 */
export function decodeImage(bytes: Uint8Array): RgbaImage {
  const format = imageFormat(bytes);
  if (format === undefined) throw new Error('not a PNG or JPEG image (unknown signature)');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const image =
    format === 'png'
      ? PNG.sync.read(buffer)
      : decodeJpeg(buffer, { useTArray: true, formatAsRGBA: true, ...JPEG_LIMITS });
  if (!(image.width > 0 && image.height > 0)) throw new Error(`empty ${format} image`);
  if (image.data.length < image.width * image.height * 4) throw new Error(`truncated ${format} image`);
  return { width: image.width, height: image.height, data: image.data };
}

/** How an image meets the model's input size: stretched to it, or its centre cropped to the input's aspect first. */
export type ImageFit = 'stretch' | 'crop';

/** How pixels become model inputs; see `OnnxPosterOptions`. */
export interface Normalization {
  /** Pixel values are first scaled to [0, range] (1 for most PyTorch models, 255 for Caffe ones). */
  range: number;
  /** Per channel, in the model's channel order. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** The model's channel order. */
  channels: 'rgb' | 'bgr';
}

/**
 * Writes `image`, resized to width × height, into `out` (one image of an NCHW float32 batch: three planes of
 * width × height) as (pixel · range / 255 − mean[c]) / std[c]. Transparent pixels are composited over white.
 *
 * Resizing is bilinear with half-pixel centres (as `align_corners=false`); when an image shrinks by two or
 * more, each output pixel first averages the box of source pixels under it (whole-pixel steps), so large
 * posters do not alias.
 */
export function imageToTensor(
  image: RgbaImage,
  width: number,
  height: number,
  norm: Normalization,
  fit: ImageFit,
  out: Float32Array,
  offset = 0,
): void {
  const rgb = toRgb(image);
  // The source rectangle: all of it, or the largest centred one with the input's aspect ratio.
  let x0 = 0;
  let y0 = 0;
  let w = image.width;
  let h = image.height;
  if (fit === 'crop') {
    if (image.width * height > image.height * width) {
      w = Math.max(1, Math.round((image.height * width) / height));
      x0 = Math.floor((image.width - w) / 2);
    } else {
      h = Math.max(1, Math.round((image.width * height) / width));
      y0 = Math.floor((image.height - h) / 2);
    }
  }
  // Box-reduce by whole factors first (anti-aliasing), then bilinear to the exact size.
  const fx = Math.max(1, Math.floor(w / width));
  const fy = Math.max(1, Math.floor(h / height));
  const src = boxReduce(rgb, image.width, x0, y0, w, h, fx, fy);
  const sw = Math.floor(w / fx);
  const sh = Math.floor(h / fy);
  const resized = resizeBilinear(src, sw, sh, width, height);
  const plane = width * height;
  const scale = norm.range / 255;
  for (let c = 0; c < 3; c++) {
    // Model channel c reads source channel c (RGB) or 2 − c (BGR).
    const from = norm.channels === 'rgb' ? c : 2 - c;
    const mean = norm.mean[c];
    const inv = 1 / norm.std[c];
    const base = offset + c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = (resized[p * 3 + from] * scale - mean) * inv;
  }
}

/** RGB as floats 0..255, alpha composited over white. */
function toRgb(image: RgbaImage): Float32Array {
  const n = image.width * image.height;
  const rgb = new Float32Array(n * 3);
  const d = image.data;
  for (let p = 0; p < n; p++) {
    const a = d[p * 4 + 3] / 255;
    const white = 255 * (1 - a);
    rgb[p * 3] = d[p * 4] * a + white;
    rgb[p * 3 + 1] = d[p * 4 + 1] * a + white;
    rgb[p * 3 + 2] = d[p * 4 + 2] * a + white;
  }
  return rgb;
}

/**
 * The rectangle (x0, y0, w, h) of an RGB image `stride` pixels wide, each fx × fy box averaged into one pixel:
 * floor(w / fx) × floor(h / fy) pixels (the rectangle itself when fx = fy = 1).
 */
function boxReduce(
  rgb: Float32Array,
  stride: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
  fx: number,
  fy: number,
): Float32Array {
  const ow = Math.floor(w / fx);
  const oh = Math.floor(h / fy);
  const out = new Float32Array(ow * oh * 3);
  const inv = 1 / (fx * fy);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < fy; dy++) {
        let s = ((y0 + oy * fy + dy) * stride + x0 + ox * fx) * 3;
        for (let dx = 0; dx < fx; dx++, s += 3) {
          r += rgb[s];
          g += rgb[s + 1];
          b += rgb[s + 2];
        }
      }
      const o = (oy * ow + ox) * 3;
      out[o] = r * inv;
      out[o + 1] = g * inv;
      out[o + 2] = b * inv;
    }
  }
  return out;
}

/**
 * Bilinear resize of an RGB float image (w × h) to width × height, half-pixel centres, edges clamped:
 * output pixel x samples source x' = (x + 0.5) · w / width − 0.5.
 */
export function resizeBilinear(
  rgb: Float32Array,
  w: number,
  h: number,
  width: number,
  height: number,
): Float32Array {
  if (w === width && h === height) return rgb;
  const out = new Float32Array(width * height * 3);
  const sx = w / width;
  const sy = h / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y1 = Math.floor(fy);
    const y2 = Math.min(y1 + 1, h - 1);
    const ty = fy - y1;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x1 = Math.floor(fx);
      const x2 = Math.min(x1 + 1, w - 1);
      const tx = fx - x1;
      const a = (y1 * w + x1) * 3;
      const b = (y1 * w + x2) * 3;
      const c = (y2 * w + x1) * 3;
      const d = (y2 * w + x2) * 3;
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        const top = rgb[a + k] + (rgb[b + k] - rgb[a + k]) * tx;
        const bottom = rgb[c + k] + (rgb[d + k] - rgb[c + k]) * tx;
        out[o + k] = top + (bottom - top) * ty;
      }
    }
  }
  return out;
}
