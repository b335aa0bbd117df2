/*
 * Training settings a model takes from its tags. Lookout for Vision's CreateModel has no training
 * options, so Vigil reads them from reserved `vigil:` tag keys: unchanged SDK and CLI code can set them
 * (`--tags Key=vigil:augment,Value=tilt`), and ListTagsForResource shows what a model was trained with:
 * they are set by CreateModel only, never changed by TagResource or UntagResource.
 */
import { AUGMENTATION_KINDS, type AugmentationKind } from '../ml/index.js';
import { ValidationError } from './errors.js';
import type { Tag } from './tags.js';

/** Extra views of the normal images: `tilt` (±5° and ±10°) or `any-orientation` (flips and 90° rotations). */
const AUGMENT_TAG = 'vigil:augment';
const TRAINING_SETTING_TAGS: ReadonlySet<string> = new Set([AUGMENT_TAG]);

export interface TrainingSettings {
  augment: AugmentationKind;
}

/** Refuses a change of a model's training settings after CreateModel. */
export function refuseSettingChange(keys: Iterable<string>): void {
  for (const key of keys) {
    if (TRAINING_SETTING_TAGS.has(key)) throw new ValidationError(`Tag ${key} is a training setting: it is set by CreateModel and cannot be changed; create a new model version instead.`);
  }
}

/** The settings the tags ask for; a reserved key with a value Vigil does not know is a ValidationException. */
export function trainingSettings(tags: readonly Tag[]): TrainingSettings {
  const augment = tags.find((t) => t.key === AUGMENT_TAG)?.value ?? 'none';
  if (!(AUGMENTATION_KINDS as readonly string[]).includes(augment)) {
    throw new ValidationError(`Tag ${AUGMENT_TAG} must be ${AUGMENTATION_KINDS.join(', ')} (not ${augment}).`);
  }
  return { augment: augment as AugmentationKind };
}
