/*
 * Reserved model tags: Vigil's few model settings. Lookout for Vision's API has no place for them, so Vigil
 * reads them from tag keys starting with `vigil:`: unchanged SDK and CLI code can set them
 * (`--tags Key=vigil:augment,Value=tilt`), and ListTagsForResource shows them. Two kinds:
 * - training settings (`vigil:augment`, `vigil:surface`, `vigil:anomaly-head`) are set by CreateModel only, never changed by TagResource or
 *   UntagResource, so the tags always say what the model was trained with;
 * - operating settings (`vigil:false-alarm-rate`) may be set, changed and removed at any time and apply
 *   to the hosted model from the next DetectAnomalies on.
 * Any other `vigil:` key is refused, so a misspelt setting is an error rather than a tag that does nothing.
 */
import { MAX_FALSE_ALARM_RATE, MIN_FALSE_ALARM_RATE } from '../ml/calibration.js';
import { ANOMALY_HEAD_KINDS, type AnomalyHeadKind, AUGMENTATION_KINDS, type AugmentationKind, SURFACE_KINDS, type SurfaceKind } from '../ml/index.js';
import type { ModelTag as Tag } from '../store/modelRecords.js';
import { ValidationError } from './errors.js';

const RESERVED_PREFIX = 'vigil:';
/** Extra views of the normal images: `tilt` (±5° and ±10°) or `any-orientation` (flips and 90° rotations). */
const AUGMENT_TAG = 'vigil:augment';
/** What the images show: `part` (default) or `texture` (cropped surfaces: grain, exposure and cut edges vary). */
const SURFACE_TAG = 'vigil:surface';
/** What labeled anomalies teach: `scores` (default: patch-score statistics) or `scores-and-features` (also the image's max-pooled features). */
const ANOMALY_HEAD_TAG = 'vigil:anomaly-head';
/** Estimated share of good parts the hosted model flags (a decimal fraction); absent: the calibrated threshold. */
export const FALSE_ALARM_RATE_TAG = 'vigil:false-alarm-rate';
const TRAINING_SETTING_TAGS: ReadonlySet<string> = new Set([AUGMENT_TAG, SURFACE_TAG, ANOMALY_HEAD_TAG]);
const OPERATING_SETTING_TAGS: ReadonlySet<string> = new Set([FALSE_ALARM_RATE_TAG]);
/** Plain decimal notation (0.01, .5): no exponents, signs or percent signs to misread. */
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

export interface TrainingSettings {
  augment: AugmentationKind;
  surface: SurfaceKind;
  anomalyHead: AnomalyHeadKind;
}

/** Checks the tags of a CreateModel: every reserved key known and its value valid. */
export function checkCreateTags(tags: readonly Tag[]): void {
  for (const tag of tags) checkReservedKey(tag.key);
  trainingSettings(tags);
  falseAlarmRateOf(tags);
}

/** Checks the tags a TagResource adds: operating settings only, with valid values. */
export function checkAddedTags(tags: readonly Tag[]): void {
  for (const tag of tags) {
    checkReservedKey(tag.key);
    refuseTrainingSetting(tag.key);
  }
  falseAlarmRateOf(tags);
}

/** Checks the keys an UntagResource removes: never a training setting. Removing an operating setting restores its default. */
export function checkRemovedKeys(keys: Iterable<string>): void {
  for (const key of keys) refuseTrainingSetting(key);
}

/** The training settings the tags ask for; a value Vigil does not know is a ValidationException. */
export function trainingSettings(tags: readonly Tag[]): TrainingSettings {
  return {
    augment: oneOf(tags, AUGMENT_TAG, AUGMENTATION_KINDS, 'none'),
    surface: oneOf(tags, SURFACE_TAG, SURFACE_KINDS, 'part'),
    anomalyHead: oneOf(tags, ANOMALY_HEAD_TAG, ANOMALY_HEAD_KINDS, 'scores'),
  };
}

function oneOf<T extends string>(tags: readonly Tag[], key: string, values: readonly T[], absent: T): T {
  const value = tags.find((t) => t.key === key)?.value ?? absent;
  if (!(values as readonly string[]).includes(value)) throw new ValidationError(`Tag ${key} must be ${values.join(', ')} (not ${value}).`);
  return value as T;
}

/**
 * The false-alarm-rate target the tags set for detection, or undefined for the model's calibrated threshold.
 * A stored value that is not a valid target (tagged before Vigil reserved the key) also means the calibrated
 * threshold: a line that worked before an upgrade must not stop answering because of an old tag.
 */
export function falseAlarmRateTarget(tags: readonly Tag[]): number | undefined {
  try {
    return falseAlarmRateOf(tags);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}

/** The last value of the key, as TagResource keeps the last of repeated keys; every one of them must be valid. */
function falseAlarmRateOf(tags: readonly Tag[]): number | undefined {
  let rate: number | undefined;
  for (const tag of tags) if (tag.key === FALSE_ALARM_RATE_TAG) rate = parseFalseAlarmRate(tag.value);
  return rate;
}

function parseFalseAlarmRate(value: string): number {
  const rate = DECIMAL.test(value) ? Number(value) : NaN;
  if (!(rate >= MIN_FALSE_ALARM_RATE && rate <= MAX_FALSE_ALARM_RATE)) {
    throw new ValidationError(
      `Tag ${FALSE_ALARM_RATE_TAG} must be the share of good parts to flag as a decimal from ${MIN_FALSE_ALARM_RATE} to ${MAX_FALSE_ALARM_RATE} (0.01 is 1 %), not '${value}'.`,
    );
  }
  return rate;
}

function checkReservedKey(key: string): void {
  if (key.startsWith(RESERVED_PREFIX) && !TRAINING_SETTING_TAGS.has(key) && !OPERATING_SETTING_TAGS.has(key)) {
    throw new ValidationError(`Tag keys starting with ${RESERVED_PREFIX} are Vigil settings: ${[...TRAINING_SETTING_TAGS, ...OPERATING_SETTING_TAGS].join(', ')} (not ${key}).`);
  }
}

function refuseTrainingSetting(key: string): void {
  if (TRAINING_SETTING_TAGS.has(key)) throw new ValidationError(`Tag ${key} is a training setting: it is set by CreateModel and cannot be changed; create a new model version instead.`);
}
