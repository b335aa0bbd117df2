/*
 * Image-level (global) score next to PatchCore's patch score, fused without labels (issue 4, aliens seed 1).
 *
 * Why: the patch score (largest nearest-patch distance) barely sees an anomaly that is a MISSING part (a
 * missing head): every remaining patch looks normal. What changes is the image's composition. So each image
 * also gets a global descriptor, pooled from its (projected) patch features, and a global score = the
 * Euclidean distance to the nearest training normal's descriptor (leave-one-out for the training normals:
 * their own descriptors, augmented copies included, are excluded, as the patch score excludes their own
 * bank entries).
 *
 * Descriptor (`pyramid`, the idea): spatial-pyramid mean pooling, levels 1×1 and 2×2 (the whole image's mean
 * patch feature, then each quadrant's), concatenated (5 × feature dim). The quadrant means see where the
 * parts are, the whole-image mean how much of each there is. Variant fixed in advance (`mean`): the 1×1 level
 * only, invariant to where the parts are — the hard aliens normals are unusual poses, which the quadrants
 * would also call unusual.
 *
 * Fusion: each score is standardised by robust statistics of the held-out (leave-one-out) training-normal
 * scores, z = (s − median) / (1.4826 · MAD), and the image score is max(z_patch, z_global): an anomaly that
 * only one of the two sees is not diluted by the other's normal-level value (a sum would halve it). The
 * fused score is what calibration (threshold, Confidence, false-alarm targets) and the labeled-anomaly head's
 * selection see; maps and segmentation stay the patch grid's.
 *
 * Default rule, written before any figure was measured: on by default only if, in one run of
 * `node dist-ml/bench/ml.js --global` (same splits, without vs with), no dataset/seed row (cookies default
 * and PatchCore only, aliens seeds 1/2/3, circuit boards default) is worse by more than 0.002 image AUROC,
 * and the mean over the six rows is better. The idea (`pyramid`) is the candidate; the variant (`mean`)
 * only if the idea fails the rule and the variant passes it; otherwise off. Outcome: both failed (figures in
 * docs/detection-engine.md), so it is off by default (DEFAULT_GLOBAL_SCORE in training/options.ts).
 */
import type { FeatureMap } from './components/backbone.js';

export type GlobalDescriptorKind = 'pyramid' | 'mean';

/** Robust location and scale of held-out normal scores. */
export interface RobustScale {
  median: number;
  /** 1.4826 · MAD (or the standard deviation when the MAD is 0; never below a tiny positive floor). */
  scale: number;
}

/** What the global score needs at detection (artifact format ≥ 4). */
export interface GlobalScoring {
  kind: GlobalDescriptorKind;
  /** Descriptor length. */
  dim: number;
  /** Training normals' descriptors, [count, dim] row-major. */
  descriptors: Float32Array;
  patch: RobustScale;
  global: RobustScale;
}

/** Pyramid levels per kind: level L splits the grid into L × L cells. */
const LEVELS: Record<GlobalDescriptorKind, number[]> = { pyramid: [1, 2], mean: [1] };

export function descriptorDim(kind: GlobalDescriptorKind, channels: number): number {
  return LEVELS[kind].reduce((n, l) => n + l * l, 0) * channels;
}

/** The pooled descriptor of a feature map ([height, width, channels] row-major patches). */
export function globalDescriptor(map: FeatureMap, kind: GlobalDescriptorKind): Float32Array {
  const c = map.channels;
  const out = new Float32Array(descriptorDim(kind, c));
  let cell = 0;
  for (const level of LEVELS[kind]) {
    for (let cy = 0; cy < level; cy++) {
      const y0 = Math.floor((cy * map.height) / level);
      const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * map.height) / level));
      for (let cx = 0; cx < level; cx++) {
        const x0 = Math.floor((cx * map.width) / level);
        const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * map.width) / level));
        const sum = new Float64Array(c);
        let n = 0;
        for (let y = y0; y < Math.min(y1, map.height); y++)
          for (let x = x0; x < Math.min(x1, map.width); x++) {
            const p = (y * map.width + x) * c;
            for (let d = 0; d < c; d++) sum[d] += map.data[p + d]!;
            n++;
          }
        for (let d = 0; d < c; d++) out[cell * c + d] = n ? sum[d]! / n : 0;
        cell++;
      }
    }
  }
  return out;
}

/**
 * Distance from a descriptor to the nearest of `descriptors` ([count, dim]); rows whose `sources` entry
 * equals `excludeSource` are skipped (leave-one-out). Infinity when no row is left.
 */
export function globalDistance(q: Float32Array, descriptors: Float32Array, dim: number, sources?: ArrayLike<number>, excludeSource?: number): number {
  const count = dim ? descriptors.length / dim : 0;
  let best = Infinity;
  for (let j = 0; j < count; j++) {
    if (excludeSource !== undefined && sources && sources[j] === excludeSource) continue;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const diff = q[d]! - descriptors[j * dim + d]!;
      s += diff * diff;
    }
    if (s < best) best = s;
  }
  return Math.sqrt(best);
}

const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median and 1.4826 · MAD of finite scores (standard deviation when the MAD is 0). */
export function robustScale(scores: readonly number[]): RobustScale {
  const v = scores.filter(Number.isFinite);
  if (!v.length) return { median: 0, scale: 1 };
  const med = median(v);
  const mad = 1.4826 * median(v.map((s) => Math.abs(s - med)));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
  const floor = 1e-9 * Math.max(1, Math.abs(med));
  return { median: med, scale: Math.max(mad > 0 ? mad : sd, floor) };
}

/** The fused image score: max of the robustly standardised patch and global scores. */
export function fuseScores(patchScore: number, globalScore: number, g: Pick<GlobalScoring, 'patch' | 'global'>): number {
  const zp = (patchScore - g.patch.median) / g.patch.scale;
  const zg = (globalScore - g.global.median) / g.global.scale;
  return Math.max(zp, zg);
}
