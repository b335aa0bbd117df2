/*
 * The anomaly map as an image (Vigil's DetectAnomalies extension, x-vigil-anomaly-map): an 8-bit grayscale PNG
 * at the input image's size whose level is 255 · min(1, s / 2t), s the smoothed anomaly map and t the model's
 * pixel threshold, so level 128 is the threshold (a segmentation model paints a pixel from there up) and 255
 * twice it. Classification models have the same map and threshold; Lookout for Vision returned them nothing.
 */
import sharp from 'sharp';
import type { ScoreMap } from './anomalyMap.js';

/** Level of the pixel threshold in the PNG. */
export const THRESHOLD_LEVEL = 128;

/** Map levels 0..255 at the map's own resolution; a threshold that is not positive is replaced by the map's largest value. */
export function anomalyLevels(map: ScoreMap, pixelThreshold: number): Uint8Array {
  let threshold = pixelThreshold;
  if (!(threshold > 0)) {
    threshold = 0;
    for (const s of map.data) if (s > threshold) threshold = s;
  }
  const levels = new Uint8Array(map.data.length);
  if (!(threshold > 0)) return levels;
  const scale = THRESHOLD_LEVEL / threshold;
  for (let i = 0; i < levels.length; i++) levels[i] = Math.max(0, Math.min(255, Math.round(map.data[i]! * scale)));
  return levels;
}

/** The levels as a grayscale PNG of outWidth × outHeight (bilinear: the map is smooth). */
export async function anomalyLevelsPng(map: ScoreMap, pixelThreshold: number, outWidth: number, outHeight: number): Promise<Uint8Array> {
  let image = sharp(anomalyLevels(map, pixelThreshold), { raw: { width: map.width, height: map.height, channels: 1 } });
  if (map.width !== outWidth || map.height !== outHeight) image = image.resize(outWidth, outHeight, { fit: 'fill', kernel: 'linear' });
  const buffer = await image.toColourspace('b-w').png().toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
