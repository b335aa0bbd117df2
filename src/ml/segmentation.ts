/*
 * Segmentation: the binary anomaly mask is the smoothed anomaly map above the pixel threshold; each
 * anomalous region's pixels are named by the class of the nearest labeled anomalous patch (from the
 * masked training anomalies). Output in Lookout for Vision's shape: `Anomalies` (background first) with
 * each class's area fraction and manifest colour, and an RGB PNG of the input's size.
 */

import sharp from 'sharp';
import type { ScoreMap } from './anomalyMap.js';
import type { FeatureMap } from './components/backbone.js';
import { encodeRgbPng, parseHexColor } from './components/image.js';
import { type Bank, makeBank, nearest } from './components/nearest.js';
import { Rng } from './components/random.js';

export interface AnomalyClass {
  name: string;
  /** "#rrggbb" as in the manifest's internal-color-map. */
  color: string;
}

export const BACKGROUND_NAME = 'background';
export const BACKGROUND_COLOR = '#FFFFFF';

/** Labeled anomalous patches: vectors with their class (1-based index into the class table). */
export interface ClassBank {
  bank: Bank;
  labels: Uint8Array;
}

/** The class of each grid cell of a training mask (nearest pixel to the cell centre). */
export function cellClasses(mask: Uint8Array, maskWidth: number, maskHeight: number, gridWidth: number, gridHeight: number): Uint8Array {
  const out = new Uint8Array(gridWidth * gridHeight);
  for (let y = 0; y < gridHeight; y++) {
    const my = Math.min(maskHeight - 1, Math.floor(((y + 0.5) * maskHeight) / gridHeight));
    for (let x = 0; x < gridWidth; x++) {
      const mx = Math.min(maskWidth - 1, Math.floor(((x + 0.5) * maskWidth) / gridWidth));
      out[y * gridWidth + x] = mask[my * maskWidth + mx]!;
    }
  }
  return out;
}

/** Collects up to `perClass` labeled patches per class from masked training anomalies. */
export function buildClassBank(samples: ReadonlyArray<{ features: FeatureMap; cells: Uint8Array }>, classCount: number, perClass = 512, seed = 0): ClassBank | undefined {
  const byClass: number[][] = Array.from({ length: classCount + 1 }, () => []);
  const refs: Array<[number, number]> = [];
  samples.forEach((s, k) => {
    s.cells.forEach((c, i) => {
      if (c > 0 && c <= classCount) {
        byClass[c]!.push(refs.length);
        refs.push([k, i]);
      }
    });
  });
  const rng = new Rng(seed);
  const picked: number[] = [];
  for (let c = 1; c <= classCount; c++) picked.push(...rng.shuffle(byClass[c]!).slice(0, perClass));
  if (picked.length === 0) return undefined;
  const dim = samples[0]!.features.channels;
  const vectors = new Float32Array(picked.length * dim);
  const labels = new Uint8Array(picked.length);
  picked.forEach((r, j) => {
    const [k, i] = refs[r]!;
    vectors.set(samples[k]!.features.data.subarray(i * dim, (i + 1) * dim), j * dim);
    labels[j] = samples[k]!.cells[i]!;
  });
  return { bank: makeBank(vectors, dim), labels };
}

export interface SegmentationResult {
  /** Class index per working-resolution pixel (0 = background). */
  classMap: Uint8Array;
  anomalies: Array<{ name: string; color: string; totalPercentageArea: number }>;
}

/**
 * Classes per pixel of the working-resolution map: background below `threshold`, otherwise the class of
 * the nearest labeled patch to the pixel's grid cell (the only class when there is one).
 */
export async function segment(map: ScoreMap, features: FeatureMap, threshold: number, classes: readonly AnomalyClass[], classBank: ClassBank | undefined, threads = 1): Promise<SegmentationResult> {
  const { width, height } = map;
  const classMap = new Uint8Array(width * height);
  const cellOf = (x: number, y: number): number =>
    Math.min(features.height - 1, Math.floor((y * features.height) / height)) * features.width + Math.min(features.width - 1, Math.floor((x * features.width) / width));
  const cellClass = new Int16Array(features.width * features.height).fill(-1);
  const needed: number[] = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      if (map.data[y * width + x]! < threshold) continue;
      const c = cellOf(x, y);
      if (cellClass[c] === -1) {
        cellClass[c] = 0;
        needed.push(c);
      }
    }
  if (needed.length && classes.length) {
    if (classes.length === 1 || !classBank) {
      for (const c of needed) cellClass[c] = 1;
    } else {
      const dim = features.channels;
      const q = new Float32Array(needed.length * dim);
      needed.forEach((c, j) => q.set(features.data.subarray(c * dim, (c + 1) * dim), j * dim));
      const { index } = await nearest(q, classBank.bank, { threads });
      needed.forEach((c, j) => (cellClass[c] = classBank.labels[index[j]!]!));
    }
  }
  const counts = new Float64Array(classes.length + 1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const k = map.data[i]! >= threshold ? Math.max(0, cellClass[cellOf(x, y)]!) : 0;
      classMap[i] = k;
      counts[k]!++;
    }
  const total = width * height;
  return {
    classMap,
    anomalies: [
      { name: BACKGROUND_NAME, color: BACKGROUND_COLOR, totalPercentageArea: counts[0]! / total },
      ...classes.map((c, k) => ({ name: c.name, color: c.color.toUpperCase(), totalPercentageArea: counts[k + 1]! / total })).filter((a) => a.totalPercentageArea > 0),
    ],
  };
}

/** The RGB mask PNG at the input image's size: background white, each class in its colour. */
export async function maskPng(classMap: Uint8Array, width: number, height: number, classes: readonly AnomalyClass[], outWidth: number, outHeight: number): Promise<Uint8Array> {
  const palette = [parseHexColor(BACKGROUND_COLOR), ...classes.map((c) => parseHexColor(c.color))];
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < classMap.length; i++) {
    const [r, g, b] = palette[classMap[i]!]!;
    rgb[i * 3] = r;
    rgb[i * 3 + 1] = g;
    rgb[i * 3 + 2] = b;
  }
  if (width === outWidth && height === outHeight) return encodeRgbPng({ width, height, data: rgb });
  const buffer = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(outWidth, outHeight, { fit: 'fill', kernel: 'nearest' })
    .png()
    .toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
