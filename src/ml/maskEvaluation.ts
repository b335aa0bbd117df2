import { decodeClassMask } from './components/image.js';
import { type ClassPixelFigures, PixelClassTally } from './metrics.js';
import type { AnomalyClass } from './segmentation.js';

/**
 * Pixel figures of a segmentation model on test images, class by class: the detector's mask (the PNG a
 * DetectAnomalies caller gets) against the true mask, both at the image's size. Used by the server's
 * evaluation and by `vigil eval`, so the two report the same figures for the same masks.
 */
export class MaskEvaluation {
  private readonly tally: PixelClassTally;

  constructor(private readonly classes: readonly AnomalyClass[]) {
    this.tally = new PixelClassTally(classes.length);
  }

  /** `truth` undefined: a normal image without a mask file, all background. */
  async add(predicted: Uint8Array, truth: Uint8Array | undefined, size: { width: number; height: number }): Promise<void> {
    const colors = this.classes.map((c) => c.color);
    const [p, t] = await Promise.all([decodeClassMask(predicted, size, colors), truth ? decodeClassMask(truth, size, colors) : new Uint8Array(size.width * size.height)]);
    this.tally.add(p, t);
  }

  /** Every class in order; no figures for one that no image showed and none was predicted. */
  result(): { class: AnomalyClass; figures?: ClassPixelFigures }[] {
    return this.classes.map((c, k) => ({ class: c, figures: this.tally.figures(k + 1) }));
  }
}
