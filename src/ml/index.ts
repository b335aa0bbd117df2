/*
 * Vigil's detection engine: PatchCore-style visual anomaly detection on a CPU. This module is its entry
 * point: the services, jobs and CLI train and detect through it. A few helpers are imported from their own
 * files: `vigil eval` (cli/eval.ts, evalDataset.ts) takes decodeClassMask (components/image.ts), metrics.ts, maskEvaluation.ts and
 * components/random.ts; the training worker maskEvaluation.ts; the services metrics.ts (evaluation files), the
 * seeded Rng of components/random.ts (training split) and the false-alarm-rate bounds of calibration.ts
 * (reserved tags).
 *
 *   train(images, options) → { artifact, metrics }
 *     images: [{ bytes (PNG/JPEG, or a function that reads them when training gets to the image: large sets
 *              stream through), anomalous, mask? (PNG, classes in their colours; bytes or a reader too) }]
 *     options: classes (name + colour, for segmentation), validation images (F1-max calibration),
 *              augment ('tilt': the normals also at ±5° and ±10°; 'any-orientation': flips and 90°
 *              rotations; default none), useAnomalies (labeled-anomaly head, default on, kept only when
 *              it cross-validates better), anomalyHead (what the head learns from: 'scores', or 'scores-and-features'
 *              with each image's max-pooled features too), reweight (PatchCore's image-score re-weighting, default off),
 *              globalScore (an image-level score fused with the patch score, default none), borderScale,
 *              levelScores (both opt-in; surface 'texture' turns both on), resolution, featureDim, bank bounds (incl. coreset candidates), heldOutNormals, threads,
 *              cacheDir (converted backbone), seed, onProgress.
 *     artifact: self-describing bytes (see artifact.ts) for the caller to seal; metrics: calibration figures.
 *
 *   loadDetector(artifact, { threads, falseAlarmRate, cacheDir }) → Detector
 *     detect(image bytes, { falseAlarmRate?, returnMap?, anomalyLevels? }) →
 *       { isAnomalous, confidence, anomalyProbability, score, threshold, anomalies?, mask? (RGB PNG),
 *         anomalyLevels? (the anomaly map as a grayscale PNG, any model: anomalyLevels.ts) }
 *     A foreign, corrupt or other-backbone artifact is refused with an ArtifactError; an image that is
 *     not a decodable PNG/JPEG with an ImageFormatError (also from train, for images and masks); a training
 *     set that cannot make a model (fewer than 2 normal images) with a TrainingDataError.
 *   operatingPoint(model, falseAlarmRate?) → the threshold, expected false-alarm rate and recall at a target.
 *
 * Both are pure functions of their inputs (no global state beyond caches of the backbone session), so
 * they run unchanged inside a worker thread. Nothing is downloaded: the backbone's weights come from the
 * nsfwjs npm package and are converted to ONNX in-process.
 *
 * The method, each part in its own file. Building blocks that know nothing of PatchCore are in components/:
 *   image.ts        sharp: PNG/JPEG by magic bytes, 4096² pixel limit, EXIF orientation, sRGB, resize; masks
 *   backbone.ts     nsfwjs@4.3.0 `mobilenet_v2_mid` (MobileNetV2 1.4, ImageNet; MIT; 8-bit weights in the
 *                   npm package) → tfjsToOnnx.ts + onnxProto.ts convert it in-process to ONNX (test/ml/
 *                   backbone.test.ts checks the converted graph against TensorFlow.js on the same weights:
 *                   largest difference below 1e-3) → onnxruntime-node CPU (runtimeSession.ts).
 *                   Layers expanded_conv_6/expand (stride 8, 288 ch) + expanded_conv_10/expand (stride 16,
 *                   528 ch, bilinear ×2), each 3×3 average-pooled, concatenated: 816 values per patch.
 *                   Backbone id + SHA-256 of the shipped weight files go into every artifact.
 *   pca.ts          patch features projected onto their top 128 principal directions (64 for textures, `featureDim`; subspace
 *                   iteration on the runtime, fitted on a sample of the first 32 normals' patches)
 *   patchReservoir.ts  the coreset's candidates: every patch up to 100 000, beyond that a seeded uniform sample
 *                   taken while the images stream past (memory and coreset cost bounded whatever the image count)
 *   coreset.ts      greedy k-center on a 128-d random projection, exact (equal to the plain algorithm) with
 *                   triangle-inequality pruning, when the candidates are all the patches; bank = 10 % of all the
 *                   patches, within 1 024..16 384 (and at most the candidates)
 *   batchedCoreset.ts  the same greedy choice on a sampled pool, lazily, the distance updates 256 centres at a
 *                   time as one matrix product on onnxruntime (N·k·dim in sgemm instead of k passes over memory)
 *   nearest.ts      exact nearest neighbour by one fused matmul + min/argmin graph on onnxruntime (MLAS)
 *   matmul.ts       dense matrix products on onnxruntime (random projections, PCA)
 *   random.ts       seeded PRNG (mulberry32): training, splits and projections are reproducible
 * The model, its detector and its training, in src/ml itself:
 *   features.ts     working resolution per project: half the images' longer side, within 288..672. Working images
 *                   above 768 px (a larger `resolution`) run through the backbone in overlapping tiles (48 px
 *                   margins), stitched into one stride-8 grid.
 *   resolutionSearch.ts  segmentation projects (≥ 4 masked anomalies, no explicit resolution)
 *                   train at the size rule's resolution, 5/6 and 2/3 of it (≥ 224 px) and keep the one whose
 *                   held-out maps rank the training masks' pixels best (a later one must gain 0.002), within a
 *                   time budget (300 s); the trials are recorded in the artifact and the metrics.
 *   patchcore.ts    memory bank, patch scores, image score = largest patch distance, optionally re-weighted by
 *                   the nearest bank entry's neighbourhood (paper eq. 7, b = 9; `reweight`, artifact format 3)
 *   globalScore.ts  optional image-level score: spatial-pyramid mean-pooled patch features (1×1 + 2×2), distance to
 *                   the nearest training normal's; patch and global scores fused as max of robust z-scores
 *                   (median / MAD of the held-out normals' scores; `globalScore`, artifact format 4)
 *   borderScale.ts  opt-in: the two cell rings along the image edge divided by how much noisier they are than the
 *                   interior on the held-out normals (99th percentiles, never below 1)
 *   scoreLevel.ts   opt-in: each image's patch scores measured from its median cell
 *   anomalyMap.ts   bilinear upsampling + Gaussian σ = 4 (blurred at half resolution)
 *   anomalyLevels.ts  the map as an 8-bit grayscale PNG, level 128 at the pixel threshold (DetectAnomalies'
 *                   x-vigil-anomaly-map extension; classification models too)
 *   calibration.ts  normals only: threshold at an estimated false-alarm rate of 1 % (held-out normal scores,
 *                   exponential tail above their upper quartile); labeled anomalies: the best F1 expected at a 5 %
 *                   anomaly rate, estimated false alarms ≤ 2 %, the balanced F1-max threshold only a lower bound; logistic
 *                   Confidence; a false-alarm-rate target moves the threshold after training (operatingPoint
 *                   gives the expected false-alarm rate and recall of a target)
 *   anomalyHead.ts  labeled anomalies: gated logistic head on patch-score statistics (optionally also the image's
 *                   max-pooled features), kept only when it cross-validates better
 *   segmentation.ts mask above the pixel threshold, classes from the nearest labeled anomalous patch
 *   metrics.ts      AUROC, P/R/F1, PR curve, pixel AUROC, per-class F1/IoU — the one implementation (training,
 *                   `vigil eval` and the server's evaluation files)
 *   maskEvaluation.ts  per-class pixel figures of returned masks against true ones (`vigil eval`, server evaluation)
 *   artifact.ts + model.ts   versioned self-describing container with a SHA-256 trailer
 *   detector.ts     loadDetector: an artifact back into a Detector (detect, operatingPoint)
 *   train.ts        train: the working resolution (or the search), then the steps in training/, in order:
 *                   extraction.ts (features and PCA, streaming), memoryBank.ts (coreset, re-weighting
 *                   neighbours), heldOutScoring.ts (leave-one-out scores), headTraining.ts, calibration of the
 *                   score, pixelCalibration.ts (pixel threshold, class bank), assembly.ts (artifact, metrics);
 *                   options.ts holds the options and their defaults
 * Training normals are scored leave-one-out (their own bank entries excluded) so calibration and the head
 * see held-out scores without a separate validation set: all of them up to 200, else 200 chosen at random with
 * the seed (scoring bounded). Only those normals' feature maps are kept; the others' patches go to the
 * candidate sample and are dropped, so training memory does not grow with the number of images.
 *
 * Measured figures and the history of each choice (what was tried, the decision rules, side-by-side runs):
 * docs/detection-engine.md.
 */

export { ArtifactError } from './artifact.js';
export { type BackboneInfo, backboneInfo } from './components/backbone.js';
export { ImageFormatError, MAX_INPUT_PIXELS } from './components/image.js';
export { type DetectedAnomaly, type Detection, type DetectOptions, type Detector, type LoadOptions, loadDetector, type OperatingPoint, operatingPoint } from './detector.js';
export type { AnomalyClass } from './segmentation.js';
export { train } from './train.js';
export type { TrainMetrics, TrainResult } from './training/assembly.js';
export {
  ANOMALY_HEAD_KINDS,
  type AnomalyHeadKind,
  AUGMENTATION_KINDS,
  type AugmentationKind,
  SURFACE_KINDS,
  type SurfaceKind,
  TrainingDataError,
  type TrainingImage,
  type TrainOptions,
  type TrainProgress,
} from './training/options.js';
