/*
 * Image decoding for the detection engine (sharp): PNG or JPEG judged by content, a pixel limit against
 * decompression bombs, EXIF orientation applied, sRGB without alpha, resized to the working resolution.
 */
import sharp, { type Sharp } from 'sharp';
import { imageFormatOf } from '../../util/imageFormat.js';

/** Largest decoded image accepted (pixels); Lookout for Vision's own limit is 4096×4096 ≈ 16.8 M. */
export const MAX_INPUT_PIXELS = 4096 * 4096;

export class ImageFormatError extends Error {
  override readonly name = 'ImageFormatError';
}

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB. */
  data: Uint8Array;
}

function open(bytes: Uint8Array): Sharp {
  if (!imageFormatOf(bytes)) throw new ImageFormatError('the image is neither PNG nor JPEG');
  return sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
}

async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ImageFormatError) throw error;
    throw new ImageFormatError(`the image cannot be decoded: ${(error as Error).message}`);
  }
}

/** Width and height after EXIF orientation, without decoding the pixels. */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  return run(async () => {
    const meta = await open(bytes).metadata();
    if (!meta.width || !meta.height) throw new ImageFormatError('the image has no size');
    const swap = (meta.orientation ?? 1) >= 5;
    return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  });
}

/** Decodes to 8-bit RGB, upright, resized (stretched) to width×height when given. */
export async function decodeRgb(bytes: Uint8Array, size?: { width: number; height: number }): Promise<RgbImage> {
  return run(async () => {
    let pipeline = open(bytes).rotate().toColourspace('srgb').removeAlpha();
    if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageFormatError(`unexpected ${info.channels} channels after decoding`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  });
}

/** Mean and standard deviation of 8-bit pixel values. */
export interface IntensityTarget {
  mean: number;
  sd: number;
}

/**
 * Maps an image's pixel values linearly (all channels together) to the target mean and standard deviation,
 * in place, rounded and clipped to 0..255: each image's exposure and contrast stop mattering. A flat image
 * (no spread) is only shifted to the target mean.
 */
export function standardizeIntensity(image: RgbImage, target: IntensityTarget): RgbImage {
  const data = image.data;
  let sum = 0;
  let squares = 0;
  for (const v of data) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / data.length;
  const sd = Math.sqrt(Math.max(0, squares / data.length - mean * mean));
  const gain = sd > 1e-3 ? target.sd / sd : 1;
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(target.mean + (data[i]! - mean) * gain)));
  return image;
}

/** A "#rrggbb" colour as [r, g, b]. */
export function parseHexColor(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/**
 * Decodes a segmentation mask to class indices at the given size (nearest-neighbour): 0 = background
 * (transparent, black, white or an unknown colour), k = the class whose colour (`colors[k - 1]`) the pixel
 * matches (nearest within a tolerance, so anti-aliased edges of an opaque-enough pixel still count).
 */
export async function decodeClassMask(bytes: Uint8Array, size: { width: number; height: number }, colors: readonly string[]): Promise<Uint8Array> {
  const palette = colors.map(parseHexColor);
  return run(async () => {
    const { data } = await open(bytes).rotate().toColourspace('srgb').ensureAlpha().resize(size.width, size.height, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
    const out = new Uint8Array(size.width * size.height);
    for (let i = 0; i < out.length; i++) {
      const a = data[i * 4 + 3]!;
      if (a < 128) continue;
      const r = data[i * 4]!;
      const g = data[i * 4 + 1]!;
      const b = data[i * 4 + 2]!;
      let best = 0;
      let bestD = 60 * 60 * 3;
      palette.forEach(([pr, pg, pb], k) => {
        const d = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
        if (d < bestD) {
          bestD = d;
          best = k + 1;
        }
      });
      out[i] = best;
    }
    return out;
  });
}

/** RGB bytes → float RGB in [0, 1] (the backbone rescales to its own input range). */
export function toUnitFloat(image: RgbImage): Float32Array {
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i]! / 255;
  return out;
}

/** Encodes an RGB image as PNG. */
export async function encodeRgbPng(image: RgbImage): Promise<Uint8Array> {
  const buffer = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A view of a normal training image added to the memory bank: a symmetry of the square, or a small tilt in degrees. */
export type Augmentation = 'none' | 'flipH' | 'flipV' | 'rot90' | 'rot180' | 'rot270' | 'transpose' | 'transverse' | `tilt${number}`;

/** The 8 symmetries of the square (flips and 90° rotations): parts that appear in any orientation. */
export const ALL_AUGMENTATIONS: readonly Augmentation[] = ['none', 'flipH', 'flipV', 'rot90', 'rot180', 'rot270', 'transpose', 'transverse'];

/** The image and its tilts by ±5° and ±10°: parts placed at slightly varying angles. */
export const TILT_AUGMENTATIONS: readonly Augmentation[] = ['none', 'tilt-10', 'tilt-5', 'tilt5', 'tilt10'];

/** Applies a flip / 90° rotation (which swaps width and height) or a tilt to an RGB image. */
export function augment(image: RgbImage, a: Augmentation): RgbImage {
  if (a === 'none') return image;
  if (a.startsWith('tilt')) return tilt(image, Number(a.slice(4)));
  const { width: w, height: h, data } = image;
  const swap = a === 'rot90' || a === 'rot270' || a === 'transpose' || a === 'transverse';
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let sx: number;
      let sy: number;
      switch (a) {
        case 'flipH':
          sx = w - 1 - x;
          sy = y;
          break;
        case 'flipV':
          sx = x;
          sy = h - 1 - y;
          break;
        case 'rot180':
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;
        case 'rot90':
          sx = y;
          sy = h - 1 - x;
          break; // clockwise
        case 'rot270':
          sx = w - 1 - y;
          sy = x;
          break;
        case 'transpose':
          sx = y;
          sy = x;
          break;
        default:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break; // transverse
      }
      const s = (sy * w + sx) * 3;
      const d = (y * ow + x) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: ow, height: oh, data: out };
}

/**
 * Rotates by a small angle (degrees, clockwise) about the centre, same size, bilinear; pixels from outside
 * the image repeat its nearest edge (a plain background stays plain).
 */
export function tilt(image: RgbImage, degrees: number): RgbImage {
  const { width: w, height: h, data } = image;
  const cos = Math.cos((degrees * Math.PI) / 180);
  const sin = Math.sin((degrees * Math.PI) / 180);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Source of output pixel (x, y): the inverse rotation, clamped to the image.
      const sx = Math.min(w - 1, Math.max(0, cos * (x - cx) + sin * (y - cy) + cx));
      const sy = Math.min(h - 1, Math.max(0, -sin * (x - cx) + cos * (y - cy) + cy));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = (1 - fx) * data[(y0 * w + x0) * 3 + c]! + fx * data[(y0 * w + x1) * 3 + c]!;
        const bottom = (1 - fx) * data[(y1 * w + x0) * 3 + c]! + fx * data[(y1 * w + x1) * 3 + c]!;
        out[(y * w + x) * 3 + c] = Math.round((1 - fy) * top + fy * bottom);
      }
    }
  }
  return { width: w, height: h, data: out };
}
