/*
 * Vigil's detection engine: PatchCore-style visual anomaly detection on a CPU.
 *
 * Public API (everything else in src/ml is internal):
 *
 *   train(images, options) → { artifact, metrics }
 *     images: [{ bytes (PNG/JPEG), anomalous, mask? (PNG, classes in their colours) }]
 *     options: classes (name + colour, for segmentation), validation images (F1-max calibration),
 *              augment (flips / 90° rotations of the normals), useAnomalies (labeled-anomaly head,
 *              default on, kept only when it cross-validates better), resolution, bank bounds, threads,
 *              cacheDir (converted backbone), seed, onProgress.
 *     artifact: self-describing bytes (see artifact.ts) for the caller to seal; metrics: calibration figures.
 *
 *   loadDetector(artifact, { threads, sensitivity, cacheDir }) → Detector
 *     detect(image bytes, { sensitivity?, returnMap? }) →
 *       { isAnomalous, confidence, anomalyProbability, score, threshold, anomalies?, mask? (RGB PNG) }
 *     A foreign, corrupt or other-backbone artifact is refused with an ArtifactError; an image that is
 *     not a decodable PNG/JPEG with an ImageFormatError (also from train, for images and masks); a training
 *     set that cannot make a model (fewer than 2 normal images) with a TrainingDataError.
 *
 * Both are pure functions of their inputs (no global state beyond caches of the backbone session), so
 * they run unchanged inside a worker thread. Nothing is downloaded: the backbone's weights come from the
 * nsfwjs npm package and are converted to ONNX in-process.
 *
 * Method (DESIGN.md "Anomaly detection"; issue 4), each part in its own file:
 *   image.ts        sharp: PNG/JPEG by magic bytes, 4096² pixel limit, EXIF orientation, sRGB, resize; masks
 *   backbone.ts     nsfwjs@4.3.0 `mobilenet_v2_mid` (MobileNetV2 1.4, ImageNet; MIT; 8-bit weights in the
 *                   npm package) → tfjsToOnnx.ts + onnxProto.ts convert it in-process to ONNX (outputs equal
 *                   to TensorFlow.js within 1e-5, see test/ml/backbone.test.ts) → onnxruntime-node CPU.
 *                   Layers expanded_conv_6/expand (stride 8, 288 ch) + expanded_conv_10/expand (stride 16,
 *                   528 ch, bilinear ×2), each 3×3 average-pooled, concatenated: 816 values per patch.
 *                   Backbone id + SHA-256 of the shipped weight files go into every artifact.
 *   features.ts     working resolution per project: half the images' longer side, within 288..672
 *   pca.ts          patch features projected onto their top 128 principal directions (subspace iteration
 *                   on the runtime): same AUROC on cookies as 816-d, scoring 4–6× cheaper
 *   coreset.ts      greedy k-center on a 128-d random projection, exact (equal to the plain algorithm) with
 *                   triangle-inequality pruning; bank = 10 % of the patches, within 1 024..16 384
 *   nearest.ts      exact nearest neighbour by one fused matmul + min/argmin graph on onnxruntime (MLAS)
 *   patchcore.ts    memory bank, patch scores, image score = largest patch distance
 *   anomalyMap.ts   bilinear upsampling + Gaussian σ = 4 (blurred at half resolution)
 *   calibration.ts  F1-max threshold, or median + 3 robust sd of held-out normal scores; logistic
 *                   Confidence; sensitivity 0..1 moves the threshold after training
 *   anomalyHead.ts  labeled anomalies: gated logistic head (see its header for what it did here)
 *   segmentation.ts mask above the pixel threshold, classes from the nearest labeled anomalous patch
 *   metrics.ts      AUROC, P/R/F1, PR curve, pixel AUROC, per-class F1/IoU — the one implementation
 *   artifact.ts + model.ts   versioned self-describing container with a SHA-256 trailer
 * Training normals are scored leave-one-out (their own bank entries excluded) so calibration and the head
 * see held-out scores without a separate validation set.
 *
 * Figures (`npm run bench:ml`, 2-core AMD EPYC, 2026-11-27; detection on 1 thread, ms per image including
 * decode, backbone, scoring, map, and for cookies the class mask PNG; a quiet machine — with another
 * engineer's test runs beside it, times rose up to 2×):
 *
 *   dataset               image AUROC (floor)        pixel AUROC  F1       train s         ms/img  resolution bank
 *   cookies (odd/even)    1.000 (0.983)              0.964        1.000    6.5 (32 img)    67      288×384    2765
 *   aliens seed 1/2/3     0.991/0.995/0.998 (1.000)  —            .97/.97  3.4 (29 img)    20      288×192    2506
 *   circuitboard          0.953 (0.925 @448×672)     —            0.864    21–28 (40 img)  200     672×448    9408
 *
 * Side by side (same splits): the labeled-anomaly head was selected on cookies (cv 1.000 vs LOO 0.938) and
 * scored the same as pure PatchCore (1.000); on the circuit boards it was rejected at 672×448 (0.885 vs
 * 0.925), but selected and harmful at 768×512 (0.873 vs PatchCore 0.918) and with augmentation (0.830).
 * Augmentation (flips + 90° rotations, `augment: true`): aliens 0.972 vs 0.989 (at 320×224), cookies 0.983 vs 1.000,
 * and 4–8× the training time (the coreset over ~200k candidates) — useful only for parts that really
 * appear in any orientation; off by default.
 * Cookies masks: pixel F1 0.40 / IoU 0.25 for `cracked` at the calibrated pixel threshold (stride-8 maps
 * are wider than the thin cracks). Not reached: cookies pixel AUROC 0.97 (0.964; σ = 8 gives 0.967). The aliens split seed 1 stays at 0.991
 * (mean of three splits 0.995); the 288 resolution floor was chosen looking at these splits.
 */
export { train, TrainingDataError, type TrainingImage, type TrainOptions, type TrainMetrics, type TrainResult, type TrainProgress } from './train.js';
export { loadDetector, type Detector, type Detection, type DetectOptions, type DetectedAnomaly, type LoadOptions } from './detector.js';
export { ArtifactError } from './artifact.js';
export { ImageFormatError, MAX_INPUT_PIXELS } from './image.js';
export { backboneInfo, type BackboneInfo } from './backbone.js';
export type { AnomalyClass } from './segmentation.js';
