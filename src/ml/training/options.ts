/*
 * What training takes: the labeled images, the options with their defaults (each default with the rule and the
 * side-by-side figures that decided it), and the error for a training set that cannot make a model.
 */
import { ALL_AUGMENTATIONS, type Augmentation, type IntensityTarget, TILT_AUGMENTATIONS } from '../components/image.js';
import { Rng } from '../components/random.js';
import type { GlobalDescriptorKind } from '../globalScore.js';
import { type BankOptions, DEFAULT_BANK_OPTIONS } from '../patchcore.js';
import type { AnomalyClass } from '../segmentation.js';

/** The training set cannot make a model (too few images of a kind); nothing was trained. */
export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError';
}

/**
 * Image bytes, or a function that reads them when training gets to the image: a large training set streams
 * through, each image read (once per working resolution tried) and dropped after its features are taken.
 */
export type ImageBytes = Uint8Array | (() => Promise<Uint8Array>);

export interface TrainingImage {
  /** PNG or JPEG bytes. */
  bytes: ImageBytes;
  anomalous: boolean;
  /** Segmentation mask (PNG, classes painted in their colours) for anomalous images. */
  mask?: ImageBytes;
  /** For messages only. */
  name?: string;
}

export interface TrainProgress {
  stage: 'features' | 'coreset' | 'scoring' | 'calibration';
  done: number;
  total: number;
}

export type AugmentationKind = 'none' | 'tilt' | 'any-orientation';

export const AUGMENTATIONS: Record<AugmentationKind, readonly Augmentation[]> = { none: ['none'], tilt: TILT_AUGMENTATIONS, 'any-orientation': ALL_AUGMENTATIONS };
export const AUGMENTATION_KINDS = Object.keys(AUGMENTATIONS) as readonly AugmentationKind[];

/**
 * What the images show: `part` (an object, usually on a plain background) or `texture` (a cropped surface:
 * grain, exposure and cut edges vary from image to image), which standardises each image's intensity
 * (TEXTURE_INTENSITY), keeps TEXTURE_FEATURE_DIM principal directions, scores each patch by its
 * TEXTURE_PATCH_NEIGHBOURS nearest bank entries, scores the border rings on their own scale and measures each
 * image's patch scores from its level (docs/detection-engine.md has the figures).
 */
export const SURFACE_KINDS = ['part', 'texture'] as const;
export type SurfaceKind = (typeof SURFACE_KINDS)[number];
/** What the labeled-anomaly head learns from: the image's patch-score statistics, or those and its max-pooled patch features. */
export const ANOMALY_HEAD_KINDS = ['scores', 'scores-and-features'] as const;
export type AnomalyHeadKind = (typeof ANOMALY_HEAD_KINDS)[number];

export interface TrainOptions {
  /** Anomaly classes painted in the masks (segmentation projects). */
  classes?: AnomalyClass[];
  /** Longer side of the working resolution (default: from the images' size, see features.ts). */
  resolution?: number;
  /** Patch features are projected onto this many principal directions (0: keep all 816). Default 128; TEXTURE_FEATURE_DIM for textures. */
  featureDim?: number;
  /** Gaussian σ of the anomaly map in working-resolution pixels (default 4, as in PatchCore). */
  mapSigma?: number;
  /** Memory bank: coreset ratio and bounds. */
  bank?: Partial<BankOptions>;
  /**
   * Extra views of the normal images in the bank: 'tilt' (±5° and ±10°, parts placed at slightly varying
   * angles) or 'any-orientation' (flips and 90° rotations). Default none (see docs/detection-engine.md for the figures).
   */
  augment?: AugmentationKind;
  /** Use labeled anomalies to learn a scoring head (kept only when it cross-validates better). Default true. */
  useAnomalies?: boolean;
  /** What the labeled-anomaly head learns from (ANOMALY_HEAD_KINDS). Default DEFAULT_ANOMALY_HEAD. */
  anomalyHead?: AnomalyHeadKind;
  /**
   * Re-weight the image score by the nearest bank entry's neighbourhood (PatchCore eq. 7, b = 9; see
   * patchcore.ts). Default DEFAULT_REWEIGHT (see docs/detection-engine.md for the side-by-side figures that decided it).
   */
  reweight?: boolean;
  /**
   * Image-level (global) score fused with the patch score (see globalScore.ts): 'pyramid' (1×1 + 2×2 mean
   * pooled patch features), 'mean' (1×1 only) or 'none'. Default DEFAULT_GLOBAL_SCORE (docs/detection-engine.md has the
   * side-by-side figures that decided it).
   */
  globalScore?: GlobalDescriptorKind | 'none';
  /** Images held out for calibration (F1-max threshold); default: leave-one-out scores of the training set. */
  validation?: TrainingImage[];
  /** Training-time budget (seconds) of the search over working resolutions (default DEFAULT_SEARCH_SECONDS). */
  searchSeconds?: number;
  /** What the images show (default part); `texture` changes the defaults of the options below and of featureDim (withSurfaceDefaults). */
  surface?: SurfaceKind;
  /** Map each working image's pixel values to TEXTURE_INTENSITY before the backbone. Default: off; on for textures. */
  standardizeIntensity?: boolean;
  /** Score the grid's border rings on their own scale (borderScale.ts). Default DEFAULT_BORDER_SCALE. */
  borderScale?: boolean;
  /** Measure each image's patch scores from its median cell (scoreLevel.ts). Default DEFAULT_LEVEL_SCORES. */
  levelScores?: boolean;
  /** A patch's score: its mean distance to this many nearest bank entries. Default 1; TEXTURE_PATCH_NEIGHBOURS for textures. */
  patchNeighbours?: number;
  /**
   * Training normals scored leave-one-out for calibration, the head and the pixel threshold: all of them up to
   * this many, else this many chosen at random with the seed (scoring cost bounded). Default MAX_HELD_OUT_NORMALS.
   */
  heldOutNormals?: number;
  /** Runtime threads (default 1). */
  threads?: number;
  /** Where the converted backbone may be cached between processes. */
  cacheDir?: string;
  seed?: number;
  onProgress?: (p: TrainProgress) => void;
}

export const MAP_SIGMA = 4;
export const DEFAULT_FEATURE_DIM = 128;
/**
 * Textures keep fewer principal directions: the grain's fine variation lives in the rest and only adds noise to the
 * distances. Rule fixed before the deciding run (magtile-dev seeds 4 and 5, not used before): image AUROC up ≥ 0.01 on
 * average, down on neither, pixel AUROC down ≤ 0.01; it rose 0.832 → 0.850 and 0.794 → 0.818 (docs/detection-engine.md).
 */
export const TEXTURE_FEATURE_DIM = 64;
/**
 * Training normals scored leave-one-out at most (a seeded random subset beyond): enough for a threshold and
 * a robust scale, while scoring stays bounded however many images there are.
 */
export const MAX_HELD_OUT_NORMALS = 200;
/**
 * Image-score re-weighting by default? Rule fixed before the side-by-side run (docs/detection-engine.md): on only if it is
 * not worse than 0.002 image AUROC on any dataset/seed of bench/ml.ts --reweight and better on their average.
 * It was worse on aliens seed 1 (0.984 vs 0.991) and the circuit boards (0.938 vs 0.953): off.
 */
export const DEFAULT_REWEIGHT = false;
/**
 * Global score fused with the patch score by default? Rule fixed before the side-by-side run (globalScore.ts,
 * docs/detection-engine.md): on only if no dataset/seed row of bench/ml.ts --global is worse by more than 0.002 image AUROC
 * and the mean over the six rows is better. Both descriptors failed it (pyramid: aliens seed 3 0.989 vs 0.998,
 * circuit boards 0.868 vs 0.953; mean: 0.984 and 0.930): off.
 */
export const DEFAULT_GLOBAL_SCORE: GlobalDescriptorKind | 'none' = 'none';
/**
 * Border rings on their own scale by default? Rule fixed before the side-by-side run (bench/ml.ts --border): on
 * only if magtile-dev's image AUROC rises and no other row is worse by more than 0.002 image AUROC. Magtile-dev
 * rose from 0.601 to 0.772, but the casting was worse (0.944 → 0.938 at the 480 px the search then chose; 0.978
 * → 0.968 at 288 px, the default once that search was removed): off; `borderScale: true` opts in.
 */
export const DEFAULT_BORDER_SCALE = false;
/**
 * Patch scores measured from each image's median cell by default? Rule fixed before the side-by-side run
 * (bench/ml.ts --level): on only if magtile-dev's image AUROC rises and no other row is worse by more than 0.002.
 * Magtile-dev fell (0.621 → 0.598), aliens seed 1 (0.991 → 0.984) and the circuit boards (0.953 → 0.943) were
 * worse: off. With the border scale it lifts magtile-dev (0.766 → 0.796), so textures opt in to both.
 */
export const DEFAULT_LEVEL_SCORES = false;
/**
 * Max-pooled patch features in the labeled-anomaly head by default? Rule fixed before the side-by-side run: on only
 * if the circuit boards rise by 0.01 (the casting, which suggested it, not counted). They stayed at 0.953 (head
 * rejected by its cross-validation both ways): opt in (`vigil:anomaly-head`), figures in docs/detection-engine.md.
 */
export const DEFAULT_ANOMALY_HEAD: AnomalyHeadKind = 'scores';
/**
 * The intensity textures are standardised to (mean and standard deviation of the 8-bit values): a mid-grey with
 * the spread of a typical exposure. The exposure set the texture's score before (on magtile-dev the normals' image
 * score followed their mean brightness, correlation 0.48); rule and figures in docs/detection-engine.md.
 */
export const TEXTURE_INTENSITY: IntensityTarget = { mean: 120, sd: 35 };
/**
 * Textures score each patch by its mean distance to this many nearest bank entries (a grain that recurs only
 * once in the bank is less alarming than a patch far from several). Rule fixed before the deciding run: on a
 * split not used before (magtile-dev seed 3), F1 at 7 % anomalies at the default threshold must rise by 0.02 with
 * image AUROC down ≤ 0.005 and pixel AUROC down ≤ 0.01: it rose 0.305 → 0.341 (image 0.789 → 0.792, pixel 0.958 →
 * 0.959), figures in docs/detection-engine.md.
 */
export const TEXTURE_PATCH_NEIGHBOURS = 3;

/** The options with what `surface: texture` implies (SURFACE_KINDS) filled in wherever the caller left them unset. */
export function withSurfaceDefaults(options: TrainOptions): TrainOptions {
  if (options.surface !== 'texture') return options;
  return {
    ...options,
    standardizeIntensity: options.standardizeIntensity ?? true,
    featureDim: options.featureDim ?? TEXTURE_FEATURE_DIM,
    patchNeighbours: options.patchNeighbours ?? TEXTURE_PATCH_NEIGHBOURS,
    borderScale: options.borderScale ?? true,
    levelScores: options.levelScores ?? true,
  };
}

/** The bytes of an image given as bytes or as a reader. */
export const bytesOf = (b: ImageBytes): Promise<Uint8Array> => (typeof b === 'function' ? b() : Promise.resolve(b));

/** Up to `count` indices out of `total`, chosen at random with the seed, ascending (all of them when they fit). */
export function seededSubset(total: number, count: number, seed: number): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  return total <= count
    ? all
    : new Rng(seed)
        .shuffle(all)
        .slice(0, count)
        .sort((a, b) => a - b);
}

/** The memory bank's options: the defaults, the training seed, then the caller's bounds. */
export function bankOptionsOf(options: TrainOptions): BankOptions {
  return { ...DEFAULT_BANK_OPTIONS, seed: options.seed ?? 0, ...options.bank };
}
