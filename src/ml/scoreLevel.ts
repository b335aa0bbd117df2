/*
 * Each image's patch scores measured from the image's own level: the grid's median cell is subtracted from every
 * cell. On textured surfaces an image's grain and exposure raise or lower all of its patch scores together, so
 * the largest patch score ranks images by how unusual their texture is overall rather than by their most unusual
 * spot. A defect covers a small part of the image and leaves the median where the texture puts it. Opt-in
 * (DEFAULT_LEVEL_SCORES in training/options.ts has the figures that decided it).
 */
import type { ScoreMap } from './anomalyMap.js';

/** The median cell score of a grid. */
export function scoreLevel(grid: ScoreMap): number {
  const sorted = Float32Array.from(grid.data).sort();
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Subtracts the grid's median cell score from every cell, in place. */
export function subtractScoreLevel(grid: ScoreMap): void {
  const level = scoreLevel(grid);
  for (let i = 0; i < grid.data.length; i++) grid.data[i]! -= level;
}
