import { Rng } from '../ml/components/random.js';
import type { StoredEntry } from './datasetContents.js';

/** Lookout for Vision's minimum labelled images for training (https://docs.aws.amazon.com/lookout-for-vision/latest/developer-guide/limits.html). */
export const MINIMUM_IMAGES = {
  single: { trainNormal: 20, trainAnomaly: 10 },
  split: { trainNormal: 10, testNormal: 10, testAnomaly: 10 },
} as const;
/** Share of each label held out for testing in a single-dataset project. */
const TEST_SHARE = 0.2;

export class TrainingDataError extends Error {
  override readonly name = 'TrainingDataError';
}

export interface TrainingSplit {
  train: StoredEntry[];
  test: StoredEntry[];
  /** The seed of an automatic split (single-dataset projects), recorded with the model. */
  seed?: number;
}

/**
 * The images a model trains and is tested on. Unlabelled images are ignored. A project with a
 * test dataset uses it; a single-dataset project's labelled images are split, per label, with a
 * seeded shuffle so the same version always gets the same split.
 */
export function trainingSplit(train: StoredEntry[], test: StoredEntry[] | undefined, seed: number): TrainingSplit {
  const labelled = (entries: StoredEntry[]) => entries.filter((e) => e.label !== undefined);
  const count = (entries: StoredEntry[], label: string) => entries.filter((e) => e.label === label).length;
  if (test) {
    const [trainSet, testSet] = [labelled(train), labelled(test)];
    const need = MINIMUM_IMAGES.split;
    requireAtLeast('training', 'normal', count(trainSet, 'normal'), need.trainNormal);
    requireAtLeast('test', 'normal', count(testSet, 'normal'), need.testNormal);
    requireAtLeast('test', 'anomalous', count(testSet, 'anomaly'), need.testAnomaly);
    return { train: trainSet, test: testSet };
  }
  const all = labelled(train);
  const need = MINIMUM_IMAGES.single;
  requireAtLeast('training', 'normal', count(all, 'normal'), need.trainNormal);
  requireAtLeast('training', 'anomalous', count(all, 'anomaly'), need.trainAnomaly);
  const random = new Rng(seed);
  const split: TrainingSplit = { train: [], test: [], seed };
  for (const label of ['normal', 'anomaly']) {
    const entries = random.shuffle(all.filter((e) => e.label === label));
    const held = Math.max(1, Math.round(entries.length * TEST_SHARE));
    split.test.push(...entries.slice(0, held));
    split.train.push(...entries.slice(held));
  }
  return split;
}

function requireAtLeast(dataset: string, label: string, have: number, need: number): void {
  if (have < need) throw new TrainingDataError(`The ${dataset} dataset needs at least ${need} ${label} images; it has ${have}.`);
}
