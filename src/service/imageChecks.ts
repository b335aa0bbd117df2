import sharp from 'sharp';
import { type ImageFormat, imageFormatOf } from '../util/imageFormat.js';
import type { MaskClass } from './manifestLine.js';

/** Lookout for Vision's limits on dataset images (https://docs.aws.amazon.com/lookout-for-vision/latest/developer-guide/limits.html). */
export const IMAGE_LIMITS = { minSide: 64, maxSide: 4096, maxBytes: 8 * 1024 * 1024, maxClassesPerMask: 20 } as const;

export class ImageCheckError extends Error {
  override readonly name = 'ImageCheckError';
}

/** Checks a dataset image: format, byte size, a decodable header, and 64..4096 pixels a side. */
export async function checkImage(bytes: Buffer): Promise<{ format: ImageFormat; width: number; height: number }> {
  if (bytes.length > IMAGE_LIMITS.maxBytes) throw new ImageCheckError(`is ${bytes.length} bytes; images may be at most 8 MB`);
  const format = imageFormatOf(bytes);
  if (!format) throw new ImageCheckError('is neither a PNG nor a JPEG image');
  // libpng decodes a PNG cut just before IEND without complaint; such a file is still a truncated one.
  if (format === 'png' && !pngIsComplete(bytes)) throw new ImageCheckError('cannot be decoded: the PNG data ends before its IEND chunk');
  const { width, height } = await dimensions(bytes);
  const { minSide, maxSide } = IMAGE_LIMITS;
  if (width < minSide || height < minSide || width > maxSide || height > maxSide) {
    throw new ImageCheckError(`is ${width}×${height} pixels; images must be ${minSide} to ${maxSide} pixels a side`);
  }
  return { format, width, height };
}

/**
 * Decodes every pixel of an image that passed checkImage, as training will, and throws
 * ImageCheckError when it cannot be decoded (truncated data, a corrupt chunk): the header alone says
 * nothing about the rest. The same strictness as the detection engine's decoder (failOn 'error');
 * the result is shrunk to a few pixels so that a large image costs little memory. sharp decodes on
 * libuv's thread pool, so the event loop is not held; callers bound how many run at once.
 */
export async function checkDecodes(bytes: Buffer): Promise<void> {
  try {
    await sharp(bytes, { limitInputPixels: IMAGE_LIMITS.maxSide ** 2, failOn: 'error' })
      .rotate()
      .resize(8, 8, { fit: 'fill' })
      .raw()
      .toBuffer();
  } catch {
    throw new ImageCheckError('cannot be decoded');
  }
}

/**
 * Checks a segmentation mask against its image and colour map: a PNG of the image's size whose
 * pixels are background (transparent, black, or a BACKGROUND colour of the map) or a class colour
 * of the map, with at most 20 classes present. Returns the classes the mask actually shows.
 */
export async function checkMask(bytes: Buffer, image: { width: number; height: number }, colorMap: { classes: MaskClass[]; backgroundColors: string[] }): Promise<MaskClass[]> {
  if (bytes.length > IMAGE_LIMITS.maxBytes) throw new ImageCheckError(`is ${bytes.length} bytes; masks may be at most 8 MB`);
  if (imageFormatOf(bytes) !== 'png') throw new ImageCheckError('is not a PNG image; masks must be PNG');
  const { width, height } = await dimensions(bytes);
  if (width !== image.width || height !== image.height) {
    throw new ImageCheckError(`is ${width}×${height} pixels but its image is ${image.width}×${image.height}`);
  }
  if (!pngIsComplete(bytes)) throw new ImageCheckError('cannot be decoded: the PNG data ends before its IEND chunk');
  const { data } = await sharp(bytes, { limitInputPixels: IMAGE_LIMITS.maxSide ** 2 })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch(() => {
      throw new ImageCheckError('cannot be decoded');
    });
  const classByColor = new Map(colorMap.classes.map((c) => [parseInt(c.hexColor.slice(1), 16), c]));
  const background = new Set([0, ...colorMap.backgroundColors.map((c) => parseInt(c.slice(1), 16))]);
  const present = new Set<MaskClass>();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    if (background.has(rgb)) continue;
    const found = classByColor.get(rgb);
    if (!found) throw new ImageCheckError(`has colour #${rgb.toString(16).padStart(6, '0')}, which is not in its color map`);
    present.add(found);
  }
  if (present.size > IMAGE_LIMITS.maxClassesPerMask) {
    throw new ImageCheckError(`shows ${present.size} anomaly classes; a mask may show at most ${IMAGE_LIMITS.maxClassesPerMask}`);
  }
  return [...present];
}

/** Whether a PNG's chunks (length, type, data, CRC) run whole from the signature up to an IEND chunk. */
function pngIsComplete(bytes: Buffer): boolean {
  let offset = 8;
  while (offset + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > bytes.length) return false;
    if (bytes.toString('latin1', offset + 4, offset + 8) === 'IEND') return true;
    offset = end;
  }
  return false;
}

async function dimensions(bytes: Buffer): Promise<{ width: number; height: number }> {
  try {
    // Only the header is read here; the side check below refuses oversized images before any decode.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    // EXIF orientations 5-8 swap the sides as the image is shown.
    const swapped = (metadata.orientation ?? 1) >= 5;
    const width = metadata.width ?? 0;
    const height = metadata.height ?? 0;
    return swapped ? { width: height, height: width } : { width, height };
  } catch {
    throw new ImageCheckError('cannot be decoded');
  }
}
