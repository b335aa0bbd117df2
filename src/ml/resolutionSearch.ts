/*
 * The working resolutions a segmentation project tries. train() trains each candidate (without augmentation:
 * the resolution follows the defects' scale, not the parts' pose), keeps the one whose held-out maps rank the
 * training masks' pixels best (a later candidate must gain SELECTION_MARGIN), skips candidates that would
 * overrun the time budget, and records the trials in the artifact and the metrics.
 * Projects with labeled anomalies but no masks are not searched: their held-out image AUROC chose a resolution
 * that did worse on new images (casting: 480 px chosen by 0.983 against 0.934 at 288 px, test 0.944 against
 * 0.978; docs/detection-engine.md).
 */
import { chooseResolution, type Preprocessing } from './features.js';

/** Masked training anomalies needed before the search may score candidates on them. */
const MIN_MASKS_FOR_SEARCH = 4;
/** Pixel AUROC a later (smaller) candidate must gain over the best so far to replace it. */
export const SELECTION_MARGIN = 0.002;
/** Smallest working long side tried (the backbone's pretraining scale). */
const MIN_SELECTED_SIDE = 224;
/** Default training-time budget of the search (seconds); the first candidate is always trained. */
export const DEFAULT_SEARCH_SECONDS = 300;
/** What the trials are scored by. */
export const SEARCH_CRITERION = 'pixel AUROC';

export interface SearchTrial {
  width: number;
  height: number;
  /** Pixel AUROC of the held-out maps on the training masks. */
  score: number;
  seconds: number;
}

/**
 * The candidates, largest first: the size rule's resolution, 5/6 and 2/3 of it (not below MIN_SELECTED_SIDE),
 * for a segmentation project with enough masked anomalies; undefined when there is nothing to choose between
 * (no masks, or a tiled working image, whose training would triple).
 */
export function resolutionCandidates(segmentation: boolean, maskedAnomalies: number, base: Preprocessing, size: { width: number; height: number }, sizeMultiple: number): Preprocessing[] | undefined {
  if (!segmentation || maskedAnomalies < MIN_MASKS_FOR_SEARCH || base.tiles) return undefined;
  const long = Math.max(base.width, base.height);
  const out: Preprocessing[] = [base];
  for (const f of [5 / 6, 2 / 3]) {
    const side = Math.round(long * f);
    if (side < MIN_SELECTED_SIDE) break;
    const p = chooseResolution(size.width, size.height, { longSide: side, sizeMultiple });
    if (!out.some((q) => q.width === p.width && q.height === p.height)) out.push(p);
  }
  return out.length > 1 ? out : undefined;
}
