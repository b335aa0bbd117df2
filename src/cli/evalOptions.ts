/* The options of `vigil eval` (src/cli/eval.ts), as main.ts's command line gives them. */
import type { Command } from 'commander';
import type { AnomalyHeadKind, AugmentationKind, SurfaceKind } from '../ml/index.js';

export interface EvalOptions {
  train: string;
  test?: string;
  json?: boolean;
  /**
   * Seed of the split (without --test) and of training (default 0). The server trains model version N with seed
   * N: `seed: 1` with the same train and test images gives the model, and the figures, of a project's first model.
   */
  seed?: number;
  /** Without --test: fraction of the normals used for training (default 0.5). */
  split?: number;
  /** Without --test: fraction of the anomalies used for training (default 0: train on normals only). */
  trainAnomalies?: number;
  resolution?: number;
  augment?: AugmentationKind;
  useAnomalies?: boolean;
  /** What the labeled-anomaly head learns from; default: the engine's. */
  anomalyHead?: AnomalyHeadKind;
  /** Re-weight the image score (PatchCore eq. 7); default: the engine's. */
  reweight?: boolean;
  /** Border rings of the score grid on their own scale; default: the engine's. */
  borderScale?: boolean;
  /** What the images show ('part' or 'texture'); default part. */
  surface?: SurfaceKind;
  /** Patch scores measured from each image's median cell; default: the engine's. */
  levelScores?: boolean;
  /** Each image's intensity mapped to one mean and spread before the backbone; default: for textures. */
  standardizeIntensity?: boolean;
  /** Global score fused with the patch score: 'pyramid', 'mean' or 'none'; default: the engine's. */
  globalScore?: 'pyramid' | 'mean' | 'none';
  threads?: number;
  coresetRatio?: number;
  featureDim?: number;
  mapSigma?: number;
  coresetDim?: number;
  maxBank?: number;
  /** Anomaly rate the test set is re-weighted to for the line figures (default 0.07). */
  lineAnomalyRate?: number;
  coresetCandidates?: number;
  heldOutNormals?: number;
}

/** Declares `vigil eval` and its flags on the command line; `--no-anomalies` becomes useAnomalies: false. */
export function addEvalCommand(program: Command, run: (options: EvalOptions) => Promise<void>): void {
  program
    .command('eval')
    .description('train on labeled images and report how well anomalies are detected (image/pixel AUROC, F1, timings)')
    .requiredOption('--train <dir>', 'folder with normal/, anomaly/ and optional masks/ (one PNG per anomalous image)')
    .option('--test <dir>', 'held-out folder of the same layout (default: a seeded split of --train)')
    .option('--json', 'print one JSON object on stdout')
    .option('--seed <n>', 'split and training seed (training: 0 by default; the server trains model version N with seed N)', Number)
    .option('--split <fraction>', 'without --test: fraction of normals to train on (default 0.5)', Number)
    .option('--train-anomalies <fraction>', 'without --test: fraction of anomalies to train on (default 0)', Number)
    .option('--resolution <pixels>', 'longer side of the working resolution (default: from the image size)', Number)
    .option('--augment <kind>', 'extra views of the normals: tilt (±5° and ±10°, parts at slightly varying angles) or any-orientation (flips and 90° rotations)')
    .option('--no-anomalies', 'ignore labeled anomalies for scoring (pure PatchCore)')
    .option('--anomaly-head <kind>', "what labeled anomalies teach: scores (patch-score statistics, the default) or scores-and-features (also each image's max-pooled features)")
    .option('--reweight', 're-weight the image score by the memory bank neighbourhood (PatchCore eq. 7)')
    .option('--no-reweight', 'image score = largest patch distance, not re-weighted')
    .option('--surface <kind>', 'what the images show: part (default) or texture (cropped surfaces: intensity standardised, border rings scaled, scores levelled)')
    .option('--border-scale', 'score the cell rings along the image edge on their own scale (textured crops whose edges are noisy)')
    .option('--level-scores', "measure each image's patch scores from its median cell (textures whose grain and exposure vary)")
    .option('--standardize-intensity', "map each image's pixel values to one mean and spread before the backbone (exposures that vary)")
    .option('--global-score <kind>', "fuse an image-level score with the patch score: pyramid, mean or none (default: the engine's)")
    .option('--threads <n>', 'training threads (default 2; detection always uses 1)', Number)
    .option('--coreset-ratio <fraction>', 'memory bank size as a fraction of the patches (default 0.1)', Number)
    .option('--coreset-dim <n>', 'random projection dimension for the coreset distances (default 128)', Number)
    .option('--max-bank <n>', 'memory bank size bound (default 16384)', Number)
    .option('--line-anomaly-rate <fraction>', 'anomaly rate the test set is re-weighted to for the line figures (default 0.07)', Number)
    .option('--coreset-candidates <n>', 'candidate patches for the coreset, a random sample beyond (default 100000)', Number)
    .option('--held-out-normals <n>', 'training normals scored leave-one-out for calibration, at most (default 200)', Number)
    .option('--map-sigma <pixels>', 'Gaussian smoothing of the anomaly map (default 4)', Number)
    .option('--feature-dim <n>', 'principal directions kept of the 816 backbone features (default 128, textures 64; 0 = all)', Number)
    .action(async (o: Record<string, unknown>) => {
      await run({ ...(o as { train: string }), useAnomalies: o.anomalies !== false } as EvalOptions);
    });
}
