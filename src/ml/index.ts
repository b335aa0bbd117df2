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
 *     not a decodable PNG/JPEG with an ImageFormatError.
 *
 * Both are pure functions of their inputs (no global state beyond caches of the backbone session), so
 * they run unchanged inside a worker thread. Nothing is downloaded: the backbone's weights come from the
 * nsfwjs npm package and are converted to ONNX in-process.
 *
 * Method (DESIGN.md "Anomaly detection"; issue 4): nsfwjs mobilenet_v2_mid (MobileNetV2 1.4, ImageNet)
 * layers expanded_conv_6/expand (stride 8) + expanded_conv_10/expand (stride 16, upsampled), 3×3
 * average pooling, 816-d patch features; greedy coreset (random projection to 128-d, exact greedy with
 * triangle-inequality pruning) into a bounded memory bank; exact nearest-neighbour distances by matrix
 * product on onnxruntime; image score = largest patch distance; map upsampled + Gaussian σ=4.
 * Figures measured with `npm run bench:ml` are recorded in bench/ml.ts.
 */
export { train, type TrainingImage, type TrainOptions, type TrainMetrics, type TrainResult, type TrainProgress } from './train.js';
export { loadDetector, type Detector, type Detection, type DetectOptions, type DetectedAnomaly, type LoadOptions } from './detector.js';
export { ArtifactError } from './artifact.js';
export { ImageFormatError, MAX_INPUT_PIXELS } from './image.js';
export { backboneInfo, type BackboneInfo } from './backbone.js';
export type { AnomalyClass } from './segmentation.js';
