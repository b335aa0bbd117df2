/*
 * Applies the buckets' lifecycle rules, as S3 does in the background
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html): current objects expire
 * (removed, or hidden under a delete marker in a versioned bucket), noncurrent versions and expired delete
 * markers are removed, stale multipart uploads aborted. Every removal goes through Buckets / MultipartUploads,
 * which delete the blob and so its sealed data key. Each acts only if the version or upload is still the one
 * looked at, so sweeps running at once on several nodes sharing a database remove each thing once.
 */
import type { ObjectVersion } from '../store/bucketRecords.js';
import type { LifecycleFilter, LifecycleRule } from '../store/lifecycleRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import { BucketError } from './bucketErrors.js';
import type { Buckets } from './buckets.js';
import type { MultipartUploads } from './multipartUploads.js';

export const SECONDS_PER_DAY = 86_400;
const PAGE = 1000;

/** What one sweep did. */
export interface SweepCounts {
  expiredObjects: number;
  removedVersions: number;
  removedDeleteMarkers: number;
  abortedUploads: number;
}

export class LifecycleSweeper {
  private running?: Promise<SweepCounts>;

  constructor(
    private readonly store: MetadataStore,
    private readonly buckets: Buckets,
    private readonly uploads: MultipartUploads,
    /** The length of a lifecycle "day": 86400 s, shortened only for tests (VIGIL_LIFECYCLE_DAY_SECONDS). */
    private readonly daySeconds = SECONDS_PER_DAY,
  ) {}

  /** One pass over every bucket with rules; a call while a pass runs on this node waits for that pass. */
  sweep(now = new Date()): Promise<SweepCounts> {
    this.running ??= this.sweepAll(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * When a rule's Expiration ends the current object, the earliest if several do (S3's x-amz-expiration on
   * PUT, GET and HEAD); undefined when none does.
   */
  async expirationOf(bucket: string, object: Filterable & { lastModified: Date }): Promise<{ date: Date; ruleId: string } | undefined> {
    const rules = (await this.store.buckets.get(bucket))?.lifecycle ?? [];
    let earliest: { date: Date; ruleId: string } | undefined;
    for (const rule of rules) {
      const expiration = rule.expiration;
      if (!rule.enabled || !expiration || (expiration.days === undefined && expiration.date === undefined) || !matches(rule.filter, object)) continue;
      const at = expiration.date !== undefined ? Date.parse(expiration.date) : this.dayAfter(object.lastModified.getTime(), expiration.days!);
      if (!earliest || at < earliest.date.getTime()) earliest = { date: new Date(at), ruleId: rule.id };
    }
    return earliest;
  }

  /** Resolves once no pass runs on this node (the store may then be closed). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async sweepAll(now: Date): Promise<SweepCounts> {
    const counts: SweepCounts = { expiredObjects: 0, removedVersions: 0, removedDeleteMarkers: 0, abortedUploads: 0 };
    let failure: unknown;
    for (const name of await this.store.buckets.withLifecycle()) {
      const bucket = await this.store.buckets.get(name);
      const rules = bucket?.lifecycle?.filter((rule) => rule.enabled) ?? [];
      if (rules.length === 0) continue;
      try {
        await this.sweepVersions(name, rules, now.getTime(), counts);
        await this.sweepUploads(name, rules, now.getTime(), counts);
      } catch (error) {
        // The bucket was deleted meanwhile: nothing left to do there. Another failure (a blob store or KMS that
        // does not answer) is reported once the other buckets had their turn.
        if (!(error instanceof BucketError && error.code === 'NoSuchBucket')) failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return counts;
  }

  /** Reads the bucket's versions page by page and settles each key once all its versions are read. */
  private async sweepVersions(bucket: string, rules: LifecycleRule[], now: number, counts: SweepCounts): Promise<void> {
    let group: ObjectVersion[] = [];
    let after: { key: string; sequence: number } | undefined;
    for (;;) {
      const page = await this.store.objects.listVersions(bucket, { after, limit: PAGE });
      for (const version of page) {
        if (group.length > 0 && group[0].key !== version.key) {
          await this.sweepKey(bucket, group, rules, now, counts);
          group = [];
        }
        group.push(version);
      }
      if (page.length < PAGE) break;
      const last = page[page.length - 1];
      after = { key: last.key, sequence: last.sequence };
    }
    if (group.length > 0) await this.sweepKey(bucket, group, rules, now, counts);
  }

  /** One key's versions, newest first. */
  private async sweepKey(bucket: string, versions: ObjectVersion[], rules: LifecycleRule[], now: number, counts: SweepCounts): Promise<void> {
    const [latest, ...noncurrent] = versions;
    if (!latest.isLatest) return; // changed while it was read; the next sweep sees it whole
    if (!latest.deleteMarker) {
      const expiring = rules.some((rule) => rule.expiration && !rule.expiration.expiredObjectDeleteMarker && matches(rule.filter, latest) && this.currentDue(rule, latest, now));
      if (expiring && (await this.buckets.expireCurrentObject(bucket, latest.key, latest.sequence))) {
        counts.expiredObjects++;
        return; // the key now has a delete marker (or nothing); its versions are looked at in the next sweep
      }
    }
    let remaining = noncurrent.length;
    for (const [index, version] of noncurrent.entries()) {
      // A version became noncurrent when the next newer one was written; `index` noncurrent versions are newer.
      const noncurrentSince = versions[index].lastModified.getTime();
      const due = rules.some((rule) => {
        const action = rule.noncurrentVersionExpiration;
        if (!action || !matches(rule.filter, version)) return false;
        if (action.newerNoncurrentVersions !== undefined && index < action.newerNoncurrentVersions) return false;
        return now >= this.dayAfter(noncurrentSince, action.noncurrentDays);
      });
      if (due && (await this.buckets.expireVersion(bucket, version.key, version.versionId, { sequence: version.sequence, isLatest: false }))) {
        counts.removedVersions++;
        remaining--;
      }
    }
    // An expired delete marker: the latest version, with no noncurrent version left behind it.
    if (latest.deleteMarker && remaining === 0) {
      const due = rules.some((rule) => {
        if (!rule.expiration || !matches(rule.filter, latest)) return false;
        if (rule.expiration.expiredObjectDeleteMarker) return true;
        // With Days, S3 removes an expired delete marker once it is that old itself.
        return rule.expiration.days !== undefined && now >= this.dayAfter(latest.lastModified.getTime(), rule.expiration.days);
      });
      if (due && (await this.buckets.expireVersion(bucket, latest.key, latest.versionId, { sequence: latest.sequence, isLatest: true }))) counts.removedDeleteMarkers++;
    }
  }

  private async sweepUploads(bucket: string, rules: LifecycleRule[], now: number, counts: SweepCounts): Promise<void> {
    const abortRules = rules.filter((rule) => rule.abortIncompleteMultipartUpload);
    if (abortRules.length === 0) return;
    for (const upload of await this.store.multipartUploads.listUploads(bucket)) {
      const due = abortRules.some(
        (rule) => upload.key.startsWith(rule.filter.prefix ?? '') && now >= this.dayAfter(upload.createdAt.getTime(), rule.abortIncompleteMultipartUpload!.daysAfterInitiation),
      );
      if (!due) continue;
      try {
        await this.uploads.abort(bucket, upload.key, upload.uploadId);
        counts.abortedUploads++;
      } catch (error) {
        // Completed, aborted or swept by another node meanwhile.
        if (!(error instanceof BucketError && error.code === 'NoSuchUpload')) throw error;
      }
    }
  }

  /** Whether a rule's Expiration (Days or Date) has come for the current object. */
  private currentDue(rule: LifecycleRule, object: ObjectVersion, now: number): boolean {
    const { days, date } = rule.expiration!;
    if (date !== undefined) return now >= Date.parse(date);
    return days !== undefined && now >= this.dayAfter(object.lastModified.getTime(), days);
  }

  /**
   * The moment `days` days after `from`, rounded up to the next midnight UTC, as S3 counts
   * (a "day" boundary of the shortened test day when VIGIL_LIFECYCLE_DAY_SECONDS is set).
   */
  private dayAfter(from: number, days: number): number {
    const dayMs = this.daySeconds * 1000;
    return Math.ceil((from + days * dayMs) / dayMs) * dayMs;
  }
}

/** What a filter looks at: a delete marker has no tags and no size. */
type Filterable = { key: string } & ({ deleteMarker: true } | { deleteMarker?: false; size: number; tags?: Record<string, string> });

/** Whether a version is one the filter chooses. */
export function matches(filter: LifecycleFilter, version: Filterable): boolean {
  if (filter.prefix !== undefined && !version.key.startsWith(filter.prefix)) return false;
  if (filter.tags?.length) {
    if (version.deleteMarker) return false;
    if (!filter.tags.every((tag) => version.tags?.[tag.key] === tag.value)) return false;
  }
  const size = version.deleteMarker ? 0 : version.size;
  if (filter.objectSizeGreaterThan !== undefined && !(size > filter.objectSizeGreaterThan)) return false;
  if (filter.objectSizeLessThan !== undefined && !(size < filter.objectSizeLessThan)) return false;
  return true;
}
