import { decodeClassMask } from '../ml/image.js';
import type { AnomalyClass } from '../ml/index.js';

/** Per-label pixel metrics of a segmentation model, as EvaluationResult's PixelAnomalyClassMetrics. */
export interface PixelClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1Score: number;
  /** Mean intersection over union over the test images whose true mask shows the label. */
  aiou: number;
  /** Test images whose true mask shows the label. */
  images: number;
}

/**
 * Compares predicted masks with the true ones, class by class: precision, recall and F1 over all
 * pixels of the test images, and the mean per-image IoU. Images without a true mask are skipped.
 */
export class SegmentationEvaluation {
  private readonly counts: { tp: number; fp: number; fn: number; iouSum: number; images: number }[];

  constructor(private readonly classes: readonly AnomalyClass[]) {
    this.counts = classes.map(() => ({ tp: 0, fp: 0, fn: 0, iouSum: 0, images: 0 }));
  }

  async add(trueMask: Uint8Array, predictedMask: Uint8Array, size: { width: number; height: number }): Promise<void> {
    const colors = this.classes.map((c) => c.color);
    const [truth, predicted] = await Promise.all([decodeClassMask(trueMask, size, colors), decodeClassMask(predictedMask, size, colors)]);
    const image = this.counts.map(() => ({ tp: 0, fp: 0, fn: 0 }));
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i];
      const p = predicted[i];
      if (t === p) {
        if (t) image[t - 1].tp += 1;
      } else {
        if (p) image[p - 1].fp += 1;
        if (t) image[t - 1].fn += 1;
      }
    }
    image.forEach((c, k) => {
      const total = this.counts[k];
      total.tp += c.tp;
      total.fp += c.fp;
      total.fn += c.fn;
      if (c.tp + c.fn > 0) {
        total.images += 1;
        total.iouSum += c.tp / (c.tp + c.fp + c.fn);
      }
    });
  }

  result(): PixelClassMetrics[] {
    return this.classes.map((c, k) => {
      const { tp, fp, fn, iouSum, images } = this.counts[k];
      const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
      return {
        className: c.name,
        precision,
        recall,
        f1Score: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
        aiou: images === 0 ? 0 : iouSum / images,
        images,
      };
    });
  }
}
