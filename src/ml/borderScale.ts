/*
 * Border cells of the patch-score grid scored on their own scale. Near an image's edge the backbone sees
 * padding, and on cropped surfaces (textures) the edge often cuts through features no other image has at that
 * spot, so held-out normal images reach their largest patch scores there: on magtile-dev the top cell of 30 of
 * 30 held-out normals lay within 16 px of the edge, drowning the defects. Each ring of cells next to the edge
 * (BORDER_RINGS of them) is divided by how much noisier it is than the interior on the held-out normals (the
 * ratio of their 99th-percentile cell scores), never multiplied: quiet borders (parts on a plain background)
 * are left as they are. Opt-in (DEFAULT_BORDER_SCALE in training/options.ts has the figures that decided it).
 */
import type { ScoreMap } from './anomalyMap.js';

/** Rings of cells along the edge that get their own scale. */
export const BORDER_RINGS = 2;
const QUANTILE = 0.99;

/** Distance of a cell from the grid's nearest edge, in cells, capped at BORDER_RINGS (the interior). */
function ringOf(x: number, y: number, width: number, height: number): number {
  return Math.min(x, y, width - 1 - x, height - 1 - y, BORDER_RINGS);
}

function quantile(values: number[], q: number): number {
  const sorted = values.sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Per ring: max(1, its 99th-percentile cell score / the interior's), over held-out normal grids. */
export function fitBorderScale(normalGrids: readonly ScoreMap[]): number[] {
  const rings: number[][] = Array.from({ length: BORDER_RINGS + 1 }, () => []);
  for (const g of normalGrids) {
    for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) rings[ringOf(x, y, g.width, g.height)]!.push(g.data[y * g.width + x]!);
  }
  const interior = rings[BORDER_RINGS]!;
  if (interior.length === 0) return Array.from({ length: BORDER_RINGS }, () => 1);
  const reference = quantile(interior, QUANTILE);
  return rings.slice(0, BORDER_RINGS).map((r) => (r.length && reference > 0 ? Math.max(1, quantile(r, QUANTILE) / reference) : 1));
}

/** Divides the border rings' cells by their scale, in place. */
export function applyBorderScale(grid: ScoreMap, scale: readonly number[]): void {
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      const r = ringOf(x, y, grid.width, grid.height);
      if (r < scale.length && scale[r] !== 1) grid.data[y * grid.width + x]! /= scale[r]!;
    }
  }
}
