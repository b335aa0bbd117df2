/*
 * PatchCore (Roth et al., 2022) on precomputed feature maps: a memory bank of normal patch features
 * reduced by greedy coreset selection, patch score = distance to the nearest bank entry, image score =
 * the largest patch score s*, optionally re-weighted as in the paper (eq. 7):
 *
 *   s = (1 − exp‖m_test − m*‖ / Σ_{m ∈ N_b(m*)} exp‖m_test − m‖) · s*
 *
 * m_test: the test patch with the largest nearest-neighbour distance s*, m*: its nearest bank entry,
 * N_b(m*): the b nearest bank entries of m*, m* itself included (as in anomalib's implementation), b = 9
 * (the paper's value). The factor lies in [1 − 1/b, 1): close to 1 when m* is an isolated, rare normal
 * patch (its neighbours far from m_test), 1 − 1/b in a dense region. The neighbour lists are computed once
 * at training (`bankNeighbours`) and stored in the artifact, so scoring adds b distance computations. The
 * exponentials are taken relative to the smallest distance (distances are in feature units, ~10–100, and
 * exp overflows past 709).
 */
import type { ScoreMap } from './anomalyMap.js';
import type { FeatureMap } from './components/backbone.js';
import { greedyCoresetBatched } from './components/batchedCoreset.js';
import { greedyCoreset, projectForCoreset } from './components/coreset.js';
import { type Bank, bankVectors, makeBank, nearest, nearestK, nearestMean } from './components/nearest.js';
import { PatchReservoir } from './components/patchReservoir.js';
import { Rng } from './components/random.js';

export interface BankOptions {
  /** Fraction of all patches kept (PatchCore: 1–10 %; small datasets need ~10 %). */
  coresetRatio: number;
  /** Upper bound of the bank size, whatever the ratio (bounds scoring time). */
  maxBankSize: number;
  /** Lower bound of the bank size (small training sets). */
  minBankSize: number;
  /** Random projection dimension for the coreset distances. */
  projectionDim: number;
  /**
   * Candidate patches for the coreset: beyond this many, a uniform random sample of them (patchReservoir.ts),
   * which bounds the memory and the coreset's cost however many images there are.
   */
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
  maxCandidates: 100_000,
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

/** Builds the coreset-reduced memory bank from the normal images' feature maps (held in memory: tests, small sets). */
export async function buildMemoryBank(maps: readonly FeatureMap[], sources: readonly number[], options: Partial<BankOptions> = {}, threads = 1): Promise<MemoryBank> {
  const o = { ...DEFAULT_BANK_OPTIONS, ...options };
  const reservoir = new PatchReservoir(o.maxCandidates, maps[0]?.channels ?? 1, o.seed + 7);
  maps.forEach((m, k) => reservoir.add(m, sources[k]!));
  return buildMemoryBankFrom(reservoir, o, threads);
}

/**
 * The coreset-reduced memory bank from the candidate patches sampled while the images streamed past.
 * The bank size follows all the patches offered (the ratio), the coreset runs on the candidates: the exact
 * pruned greedy when they are every patch (small projects), the batched one on a sample (bounded cost).
 */
export async function buildMemoryBankFrom(reservoir: PatchReservoir, options: Partial<BankOptions> = {}, threads = 1): Promise<MemoryBank> {
  const o = { ...DEFAULT_BANK_OPTIONS, ...options };
  const { data, source, dim } = reservoir.sample();
  const n = source.length;
  const size = Math.min(n, Math.max(o.minBankSize, Math.min(o.maxBankSize, Math.round((o.ratioBasis ?? reservoir.total) * o.coresetRatio))));
  let chosen: Int32Array;
  if (size >= n) chosen = Int32Array.from({ length: n }, (_, i) => i);
  else {
    const projected = await projectForCoreset(data, dim, o.projectionDim, o.seed + 1, threads);
    chosen = n === reservoir.total ? greedyCoreset(projected.data, projected.dim, size, o.seed) : await greedyCoresetBatched(projected.data, projected.dim, size, o.seed, threads);
  }
  const vectors = new Float32Array(chosen.length * dim);
  const bankSource = new Int32Array(chosen.length);
  chosen.forEach((i, k) => {
    vectors.set(data.subarray(i * dim, (i + 1) * dim), k * dim);
    bankSource[k] = source[i]!;
  });
  return { bank: makeBank(vectors, dim), source: bankSource };
}

/** The most bank entries a patch score may average over. */
export const MAX_PATCH_NEIGHBOURS = 16;

export interface PatchScores {
  /** Patch-score grid (distance to the nearest normal patch). */
  grid: ScoreMap;
  /** Index of the nearest bank entry per patch. */
  nearestIndex: Int32Array;
}

/**
 * Scores every patch of a feature map: its distance to the nearest bank entry, or with `neighbours` k > 1 its mean
 * distance to the k nearest; `excludeSource` leaves one training image's entries out.
 */
export async function scorePatches(map: FeatureMap, memory: MemoryBank, options: { threads?: number; excludeSource?: number; neighbours?: number } = {}): Promise<PatchScores> {
  let penalty: Float32Array | undefined;
  if (options.excludeSource !== undefined) {
    penalty = new Float32Array(memory.source.length);
    for (let j = 0; j < penalty.length; j++) if (memory.source[j] === options.excludeSource) penalty[j] = Infinity;
  }
  const k = options.neighbours ?? 1;
  const search = { threads: options.threads, penalty };
  const { distance, index } = k > 1 ? await nearestMean(map.data, memory.bank, k, search) : await nearest(map.data, memory.bank, search);
  return { grid: { width: map.width, height: map.height, data: distance }, nearestIndex: index };
}

/** Image score: the largest patch score. */
export function maxScore(grid: ScoreMap): number {
  let m = -Infinity;
  for (let i = 0; i < grid.data.length; i++) if (grid.data[i]! > m) m = grid.data[i]!;
  return m;
}

/** b of the paper's re-weighting: the size of N_b(m*), m* included. */
export const REWEIGHT_NEIGHBOURS = 9;

/** What image-score re-weighting needs besides the bank (stored in the artifact). */
export interface Reweighting {
  /** b: the size of N_b(m*), m* itself included. */
  b: number;
  /** Row j (`width` entries): bank entry j's nearest other bank entries, nearest first. */
  neighbours: Int32Array;
  /** Entries per row, ≥ b − 1 (training keeps spares for leave-one-out scoring); ≤ bank size − 1. */
  width: number;
}

/** For each bank entry, the indices of its `count` nearest other entries (nearest first), [size, count] row-major. */
export async function bankNeighbours(bank: Bank, count: number, threads = 1): Promise<Int32Array> {
  const width = Math.min(count, bank.size - 1);
  const out = new Int32Array(bank.size * width);
  if (width <= 0) return out;
  const k = width + 1;
  const all = await nearestK(bankVectors(bank), bank, k, { threads });
  for (let j = 0; j < bank.size; j++) {
    let w = 0;
    let selfSeen = false;
    for (let t = 0; t < k && w < width; t++) {
      const i = all[j * k + t]!;
      // Drop the entry itself (at distance 0; with exact duplicates it may not come first, or at all).
      if (i === j && !selfSeen) {
        selfSeen = true;
        continue;
      }
      if (i === j) continue;
      out[j * width + w++] = i;
    }
  }
  return out;
}

/**
 * The re-weighting factor 1 − exp(d₀) / Σ_j exp(d_j), where d₀ = ‖m_test − m*‖ is `distances[0]` and the
 * d_j are the distances to all of N_b(m*) (m* included). Computed as 1 − exp(d₀ − d_min) / Σ_j exp(d_j − d_min):
 * the same value, and no overflow (each term ≤ 1, the sum ≥ 1). Fewer than two distances: 1 (nothing to weigh).
 */
export function reweightFactor(distances: ArrayLike<number>): number {
  if (distances.length < 2) return 1;
  let min = Infinity;
  for (let j = 0; j < distances.length; j++) if (distances[j]! < min) min = distances[j]!;
  let sum = 0;
  for (let j = 0; j < distances.length; j++) sum += Math.exp(distances[j]! - min);
  return 1 - Math.exp(distances[0]! - min) / sum;
}

/**
 * Image score of a scored feature map: the largest patch score s*, or with `reweighting` the paper's
 * re-weighted score. `exclude` (leave-one-out scoring at training) skips the neighbours that came from the
 * excluded training image, as if the bank had been built without it.
 */
export function imageScore(grid: ScoreMap, nearestIndex: Int32Array, features: Float32Array, bank: Bank, reweighting?: Reweighting, exclude?: { source: Int32Array; id: number }): number {
  let best = -1;
  let sStar = -Infinity;
  for (let i = 0; i < grid.data.length; i++)
    if (grid.data[i]! > sStar) {
      sStar = grid.data[i]!;
      best = i;
    }
  if (!reweighting || best < 0) return sStar;
  const dim = bank.dim;
  const q = features.subarray(best * dim, (best + 1) * dim);
  const mStar = nearestIndex[best]!;
  const members = [mStar];
  for (let t = 0; t < reweighting.width && members.length < reweighting.b; t++) {
    const j = reweighting.neighbours[mStar * reweighting.width + t]!;
    if (exclude && exclude.source[j] === exclude.id) continue;
    members.push(j);
  }
  const distances = members.map((j) => {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const diff = q[d]! - bank.transposed[d * bank.size + j]!;
      s += diff * diff;
    }
    return Math.sqrt(s);
  });
  return reweightFactor(distances) * sStar;
}
