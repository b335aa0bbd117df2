/*
 * From image bytes to patch features: decode, resize to the project's working resolution, optional
 * flip / 90° rotation, backbone. The working resolution is chosen once per project from its images' size
 * so that a defect keeps the same scale in every image of the project.
 */
import type { Backbone, FeatureMap } from './backbone.js';
import { augment, decodeRgb, imageSize, toUnitFloat, type Augmentation, type RgbImage } from './image.js';

export interface Preprocessing {
  /** Working resolution every image is resized to (multiples of the backbone's size multiple). */
  width: number;
  height: number;
}

export interface ResolutionOptions {
  /** Longer side of the working resolution; default: half the images' longer side, within [288, 672]. */
  longSide?: number;
  sizeMultiple: number;
}

/** The working resolution for images of (typically) width×height. */
export function chooseResolution(width: number, height: number, options: ResolutionOptions): Preprocessing {
  const long = Math.max(width, height);
  const target = options.longSide ?? Math.min(672, Math.max(288, long / 2));
  const scale = target / long;
  const m = options.sizeMultiple;
  const round = (v: number): number => Math.max(m, Math.round((v * scale) / m) * m);
  return { width: round(width), height: round(height) };
}

/** The median width and height of a set of images (read from headers only). */
export async function typicalSize(images: readonly Uint8Array[]): Promise<{ width: number; height: number }> {
  const sizes = await Promise.all(images.map((b) => imageSize(b)));
  const median = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return { width: median(sizes.map((s) => s.width)), height: median(sizes.map((s) => s.height)) };
}

/** Decodes at the working resolution. */
export function decodeForModel(bytes: Uint8Array, prep: Preprocessing): Promise<RgbImage> {
  return decodeRgb(bytes, { width: prep.width, height: prep.height });
}

/** Backbone features of a decoded working-resolution image, optionally flipped / rotated first. */
export async function featuresOf(backbone: Backbone, image: RgbImage, augmentation: Augmentation = 'none'): Promise<FeatureMap> {
  const view = augment(image, augmentation);
  return backbone.extract(toUnitFloat(view), view.height, view.width);
}
