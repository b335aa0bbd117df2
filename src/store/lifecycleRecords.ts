/**
 * A bucket's lifecycle rules as stored (PutBucketLifecycleConfiguration, checked by the service first): kept as
 * one JSON document with the bucket, answered back as given, applied by the lifecycle sweeper.
 */

/** Which objects a rule applies to: all conditions hold (an empty filter matches every object). */
export interface LifecycleFilter {
  prefix?: string;
  tags?: { key: string; value: string }[];
  objectSizeGreaterThan?: number;
  objectSizeLessThan?: number;
}

/**
 * How the rule chose its objects on the wire, to answer it back in the same shape: a legacy top-level Prefix,
 * a Filter with one condition, or a Filter with And.
 */
export type LifecycleFilterForm = 'legacyPrefix' | 'filter' | 'and';

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filterForm: LifecycleFilterForm;
  filter: LifecycleFilter;
  /** Current versions: after this many days, or from this date (ISO, midnight UTC); delete markers left alone. */
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}
