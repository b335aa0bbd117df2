/*
 * Segmentation calibration: the smoothed-map level above which a pixel is anomalous, and the class bank that
 * names a flagged region's class. With masked anomalies the pixel threshold is the F1-max over the pixels of
 * the masked anomalies and the normals (every 4th pixel each way), and their pixel AUROC is reported; without
 * masks it is the image rule (calibration.ts) applied to the maps' maxima. The class bank holds labeled patches
 * of the masked anomalies (projects with more than one class).
 */
import { anomalyMap, type ScoreMap } from '../anomalyMap.js';
import { calibrate } from '../calibration.js';
import { decodeClassMask } from '../components/image.js';
import type { Preprocessing } from '../features.js';
import { aurocBinned, f1MaxThreshold } from '../metrics.js';
import { maxScore } from '../patchcore.js';
import { buildClassBank, type ClassBank, cellClasses } from '../segmentation.js';
import type { HeldOutScores } from './heldOutScoring.js';
import { MAP_SIGMA, type TrainOptions } from './options.js';

export interface PixelCalibration {
  /** Gaussian σ of the anomaly map (working-resolution pixels). */
  mapSigma: number;
  pixelThreshold: number;
  /** Pixel AUROC of the smoothed maps on the images with masks (and the normals); null without masks. */
  calibrationPixelAUROC: number | null;
  classBank?: ClassBank;
}

export async function calibratePixels({ training, validation }: HeldOutScores, prep: Preprocessing, options: TrainOptions): Promise<PixelCalibration> {
  const seed = options.seed ?? 0;
  const classes = options.classes ?? [];
  const allExtracted = [...training.images, ...validation.images];
  const allGrids = [...training.grids, ...validation.grids];
  const mapSigma = options.mapSigma ?? MAP_SIGMA;
  // Maps are made one image at a time (a working-resolution map per image adds up for large projects).
  const mapOf = (k: number): ScoreMap => anomalyMap(allGrids[k]!, prep.width, prep.height, mapSigma);
  const classColors = classes.map((c) => c.color);
  const masks = new Map<number, Uint8Array>();
  for (const [k, e] of allExtracted.entries()) {
    if (e.image.anomalous && e.image.mask && classes.length) masks.set(k, await decodeClassMask(e.image.mask, prep, classColors));
  }
  let pixelThreshold: number;
  let calibrationPixelAUROC: number | null = null;
  if (masks.size) {
    const pixelScores: number[] = [];
    const pixelLabels: boolean[] = [];
    const stride = 4; // every 4th pixel in each direction is plenty for a threshold
    allExtracted.forEach((e, k) => {
      const mask = masks.get(k);
      if (e.image.anomalous && !mask) return;
      const map = mapOf(k);
      for (let y = 0; y < map.height; y += stride)
        for (let x = 0; x < map.width; x += stride) {
          const i = y * map.width + x;
          pixelScores.push(map.data[i]!);
          pixelLabels.push(mask ? mask[i]! > 0 : false);
        }
    });
    pixelThreshold = f1MaxThreshold(pixelScores, pixelLabels).threshold;
    calibrationPixelAUROC = aurocBinned(
      Float32Array.from(pixelScores),
      Uint8Array.from(pixelLabels, (l) => (l ? 1 : 0)),
    );
  } else {
    const maxima = allGrids.map((_, k) => maxScore(mapOf(k)));
    pixelThreshold = calibrate(
      maxima,
      allExtracted.map((e) => e.image.anomalous),
    ).threshold;
  }

  // Classes: labeled patches of the masked anomalies.
  const classBank =
    classes.length > 1
      ? buildClassBank(
          [...masks.entries()].map(([k, mask]) => ({
            features: allExtracted[k]!.features,
            cells: cellClasses(mask, prep.width, prep.height, allExtracted[k]!.features.width, allExtracted[k]!.features.height),
          })),
          classes.length,
          512,
          seed,
        )
      : undefined;
  return { mapSigma, pixelThreshold, calibrationPixelAUROC, classBank };
}
