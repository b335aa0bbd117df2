/*
 * From image bytes to patch features: decode, resize to the project's working resolution, optional
 * flip / 90° rotation, backbone. The working resolution is chosen once per project from its images' size
 * so that a defect keeps the same scale in every image of the project.
 *
 * Tiles: a working image larger than TILE_MAX on a side (large photos whose defects would be lost by
 * downscaling them further) goes through the backbone in overlapping tiles; each tile's feature grid keeps
 * its interior (cells at least `margin` pixels from an inner tile edge, split at the middle of the overlap)
 * and the interiors are stitched into one grid, equal in layout to a single pass over the whole image.
 * Tiles bound the backbone's working memory and keep one input shape per project (the runtime prepares
 * its kernels once). With margin 48 px the stitched features differ from a whole-image pass by ~1e-2 (RMS) of
 * their scale (the stride-16 layer sees a little past the margin); see test/ml/tiles.test.ts.
 */
import type { Backbone, FeatureMap } from './components/backbone.js';
import { type Augmentation, augment, decodeRgb, type IntensityTarget, imageSize, type RgbImage, standardizeIntensity, toUnitFloat } from './components/image.js';

export interface Preprocessing {
  /** Working resolution every image is resized to (multiples of the backbone's size multiple). */
  width: number;
  height: number;
  /** Overlapping tiles for working images above TILE_MAX (absent: one pass; artifacts before format 2). */
  tiles?: TileLayout;
  /** Every working image's pixel values mapped to this mean and spread (textures; absent: as decoded). */
  intensity?: IntensityTarget;
}

/** Largest backbone input side done in one pass; larger working images are tiled. */
export const TILE_MAX = 768;
/** Pixels of context kept on each inner tile edge (a multiple of 16). */
export const TILE_MARGIN = 48;

/** Tiles along each axis: start offsets (pixels) and the tile size; the grid cell ranges each tile keeps. */
export interface TileLayout {
  /** Largest side done in one pass (the rule the layout was made with). */
  max: number;
  tileWidth: number;
  tileHeight: number;
  margin: number;
  /** Tile start offsets in working pixels. */
  xs: number[];
  ys: number[];
}

interface AxisTiles {
  size: number;
  starts: number[];
}

function axisTiles(length: number, max: number, margin: number, multiple: number): AxisTiles {
  if (length <= max) return { size: length, starts: [0] };
  // n equal tiles, just large enough that consecutive ones overlap by at least 2 margins.
  const n = Math.ceil((length - 2 * margin) / (max - 2 * margin));
  const size = Math.min(length, Math.ceil((length + 2 * margin * (n - 1)) / n / multiple) * multiple);
  const starts = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Math.round((i * (length - size)) / (n - 1) / multiple) * multiple));
  return { size, starts };
}

/** The tile layout for a working resolution (undefined when one pass will do). */
export function tileLayout(width: number, height: number, sizeMultiple: number, max = TILE_MAX, margin = TILE_MARGIN): TileLayout | undefined {
  if (width <= max && height <= max) return undefined;
  const x = axisTiles(width, max, margin, sizeMultiple);
  const y = axisTiles(height, max, margin, sizeMultiple);
  return { max, tileWidth: x.size, tileHeight: y.size, margin, xs: x.starts, ys: y.starts };
}

/**
 * For each grid cell along an axis, the tile it is taken from: the boundary between consecutive tiles
 * lies in the middle of their overlap (rounded to a cell), so every kept cell is ≥ margin from an inner edge.
 */
function cellOwners(starts: readonly number[], size: number, cells: number, stride: number): Int32Array {
  const owner = new Int32Array(cells);
  for (let c = 0; c < cells; c++) {
    let t = 0;
    while (t + 1 < starts.length && c * stride >= Math.round((starts[t + 1]! + starts[t]! + size) / 2 / stride) * stride) t++;
    owner[c] = t;
  }
  return owner;
}

/** Crops an RGB [0,1] float image (NHWC). */
function cropFloat(rgb: Float32Array, width: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(rgb.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x0 + w) * 3), y * w * 3);
  return out;
}

/** Backbone features of a whole image, in tiles when a layout is given. */
export async function extractTiled(backbone: Backbone, rgb: Float32Array, height: number, width: number, layout: TileLayout | undefined): Promise<FeatureMap> {
  if (!layout || (layout.xs.length === 1 && layout.ys.length === 1 && layout.tileWidth === width && layout.tileHeight === height)) return backbone.extract(rgb, height, width);
  const stride = backbone.info.stride;
  const gw = width / stride;
  const gh = height / stride;
  const ownerX = cellOwners(layout.xs, layout.tileWidth, gw, stride);
  const ownerY = cellOwners(layout.ys, layout.tileHeight, gh, stride);
  let out: FeatureMap | undefined;
  for (const [ty, y0] of layout.ys.entries()) {
    for (const [tx, x0] of layout.xs.entries()) {
      const tile = await backbone.extract(cropFloat(rgb, width, x0, y0, layout.tileWidth, layout.tileHeight), layout.tileHeight, layout.tileWidth);
      const c = tile.channels;
      out ??= { width: gw, height: gh, channels: c, data: new Float32Array(gw * gh * c) };
      for (let cy = 0; cy < gh; cy++) {
        if (ownerY[cy] !== ty) continue;
        const ly = cy - y0 / stride;
        for (let cx = 0; cx < gw; cx++) {
          if (ownerX[cx] !== tx) continue;
          const lx = cx - x0 / stride;
          out.data.set(tile.data.subarray((ly * tile.width + lx) * c, (ly * tile.width + lx + 1) * c), (cy * gw + cx) * c);
        }
      }
    }
  }
  return out!;
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
  const w = round(width);
  const h = round(height);
  const tiles = tileLayout(w, h, m);
  return tiles ? { width: w, height: h, tiles } : { width: w, height: h };
}

/** The median width and height of a set of images (read from headers only, one image at a time). */
export async function typicalSize(images: Iterable<() => Promise<Uint8Array>>): Promise<{ width: number; height: number }> {
  const sizes: Array<{ width: number; height: number }> = [];
  for (const read of images) sizes.push(await imageSize(await read()));
  const median = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return { width: median(sizes.map((s) => s.width)), height: median(sizes.map((s) => s.height)) };
}

/** Decodes at the working resolution, intensity standardised when the model says so. */
export async function decodeForModel(bytes: Uint8Array, prep: Preprocessing): Promise<RgbImage> {
  const image = await decodeRgb(bytes, { width: prep.width, height: prep.height });
  return prep.intensity ? standardizeIntensity(image, prep.intensity) : image;
}

/** Backbone features of a decoded working-resolution image, optionally flipped / rotated first (tiled per `prep`). */
export async function featuresOf(backbone: Backbone, image: RgbImage, augmentation: Augmentation = 'none', prep?: Preprocessing): Promise<FeatureMap> {
  const view = augment(image, augmentation);
  // A 90° rotation swaps the sides: its tiles are laid out for the rotated size.
  const layout = prep?.tiles && (view.width !== prep.width ? tileLayout(view.width, view.height, backbone.info.sizeMultiple, prep.tiles.max, prep.tiles.margin) : prep.tiles);
  return extractTiled(backbone, toUnitFloat(view), view.height, view.width, layout);
}
