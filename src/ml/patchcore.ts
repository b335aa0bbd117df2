/*
 * PatchCore (Roth et al., 2022) on precomputed feature maps: a memory bank of normal patch features
 * reduced by greedy coreset selection, patch score = distance to the nearest bank entry, image score =
 * the largest patch score.
 */
import type { ScoreMap } from './anomalyMap.js';
import type { FeatureMap } from './backbone.js';
import { greedyCoreset, projectForCoreset } from './coreset.js';
import { makeBank, nearest, type Bank } from './nearest.js';
import { Rng } from './random.js';

export interface BankOptions {
  /** Fraction of all patches kept (PatchCore: 1–10 %; small datasets need ~10 %). */
  coresetRatio: number;
  /** Upper bound of the bank size, whatever the ratio (bounds scoring time). */
  maxBankSize: number;
  /** Lower bound of the bank size (small training sets). */
  minBankSize: number;
  /** Random projection dimension for the coreset distances. */
  projectionDim: number;
  /** Patches drawn at random before the coreset when there are more (bounds training time). */
  maxCandidates: number;
  /** Patch count the ratio applies to (default: all patches; augmented training passes twice the originals). */
  ratioBasis?: number;
  seed: number;
}

export const DEFAULT_BANK_OPTIONS: BankOptions = {
  coresetRatio: 0.1,
  maxBankSize: 16384,
  minBankSize: 1024,
  projectionDim: 128,
  maxCandidates: 200_000,
  seed: 0,
};

export interface MemoryBank {
  bank: Bank;
  /** For each bank entry, the index of the training image it came from. */
  source: Int32Array;
}

/** Gathers the patches with the given global indices (in order) from a list of maps. */
export function gatherPatches(maps: readonly FeatureMap[], sources: readonly number[], indices: ArrayLike<number>): { data: Float32Array; source: Int32Array; dim: number } {
  const dim = maps[0]?.channels ?? 0;
  const starts: number[] = [];
  let total = 0;
  for (const m of maps) {
    starts.push(total);
    total += m.width * m.height;
  }
  const data = new Float32Array(indices.length * dim);
  const source = new Int32Array(indices.length);
  let map = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (i < starts[map]! || i >= starts[map]! + maps[map]!.width * maps[map]!.height) {
      map = starts.findIndex((s, j) => i >= s && i < s + maps[j]!.width * maps[j]!.height);
    }
    const local = i - starts[map]!;
    data.set(maps[map]!.data.subarray(local * dim, (local + 1) * dim), k * dim);
    source[k] = sources[map]!;
  }
  return { data, source, dim };
}

/** Up to `count` seeded-random patch indices out of `total`, sorted. */
export function samplePatchIndices(total: number, count: number, seed: number): Int32Array {
  if (count >= total) return Int32Array.from({ length: total }, (_, i) => i);
  const rng = new Rng(seed);
  const all = Int32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(total - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, count).sort();
}

/** Builds the coreset-reduced memory bank from the normal images' feature maps. */
export async function buildMemoryBank(maps: readonly FeatureMap[], sources: readonly number[], options: Partial<BankOptions> = {}, threads = 1): Promise<MemoryBank> {
  const o = { ...DEFAULT_BANK_OPTIONS, ...options };
  const total = maps.reduce((n, m) => n + m.width * m.height, 0);
  // Beyond maxCandidates (augmented training), a seeded random subset enters the coreset.
  const { data, source, dim } = gatherPatches(maps, sources, samplePatchIndices(total, o.maxCandidates, o.seed + 7));
  const n = source.length;
  const size = Math.min(n, Math.max(o.minBankSize, Math.min(o.maxBankSize, Math.round((o.ratioBasis ?? n) * o.coresetRatio))));
  let chosen: Int32Array;
  if (size >= n) chosen = Int32Array.from({ length: n }, (_, i) => i);
  else {
    const projected = await projectForCoreset(data, dim, o.projectionDim, o.seed + 1, threads);
    chosen = greedyCoreset(projected.data, projected.dim, size, o.seed);
  }
  const vectors = new Float32Array(chosen.length * dim);
  const bankSource = new Int32Array(chosen.length);
  chosen.forEach((i, k) => {
    vectors.set(data.subarray(i * dim, (i + 1) * dim), k * dim);
    bankSource[k] = source[i]!;
  });
  return { bank: makeBank(vectors, dim), source: bankSource };
}

export interface PatchScores {
  /** Patch-score grid (distance to the nearest normal patch). */
  grid: ScoreMap;
  /** Index of the nearest bank entry per patch. */
  nearestIndex: Int32Array;
}

/** Scores every patch of a feature map; `excludeSource` leaves one training image's entries out. */
export async function scorePatches(map: FeatureMap, memory: MemoryBank, options: { threads?: number; excludeSource?: number } = {}): Promise<PatchScores> {
  let penalty: Float32Array | undefined;
  if (options.excludeSource !== undefined) {
    penalty = new Float32Array(memory.source.length);
    for (let j = 0; j < penalty.length; j++) if (memory.source[j] === options.excludeSource) penalty[j] = Infinity;
  }
  const { distance, index } = await nearest(map.data, memory.bank, { threads: options.threads, penalty });
  return { grid: { width: map.width, height: map.height, data: distance }, nearestIndex: index };
}

/** Image score: the largest patch score. */
export function maxScore(grid: ScoreMap): number {
  let m = -Infinity;
  for (let i = 0; i < grid.data.length; i++) if (grid.data[i]! > m) m = grid.data[i]!;
  return m;
}
