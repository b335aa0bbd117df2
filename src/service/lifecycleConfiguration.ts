/*
 * PutBucketLifecycleConfiguration's document checked as S3 checks it, into the rules Vigil stores, and those
 * rules as GetBucketLifecycleConfiguration answers them
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html). A document
 * that does not have S3's shape is MalformedXML, a value S3 refuses is InvalidArgument, a rule S3 refuses as
 * a whole is InvalidRequest; transitions are NotImplemented: Vigil has one storage class.
 */
import { randomBytes } from 'node:crypto';
import type { LifecycleFilter, LifecycleRule } from '../store/lifecycleRecords.js';
import { BucketError } from './bucketErrors.js';

/** The rules S3 takes in one configuration. */
export const MAX_LIFECYCLE_RULES = 1000;
const MAX_ID_LENGTH = 255;
const MAX_NEWER_NONCURRENT_VERSIONS = 100;

export interface LifecycleTagInput {
  Key?: string;
  Value?: string;
}

interface FilterConditionsInput {
  Prefix?: string;
  Tag?: LifecycleTagInput[];
  ObjectSizeGreaterThan?: string;
  ObjectSizeLessThan?: string;
}

/** A rule as the XML document gives it: element names, text values. */
export interface LifecycleRuleInput {
  ID?: string;
  Status?: string;
  Prefix?: string;
  Filter?: FilterConditionsInput & { And?: FilterConditionsInput };
  Expiration?: { Days?: string; Date?: string; ExpiredObjectDeleteMarker?: string };
  NoncurrentVersionExpiration?: { NoncurrentDays?: string; NewerNoncurrentVersions?: string };
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation?: string };
  Transition?: { Date?: string; Days?: string; StorageClass?: string }[];
  NoncurrentVersionTransition?: { NoncurrentDays?: string; StorageClass?: string }[];
}

const malformed = (why: string) => new BucketError('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema: ${why}`);

/** The stored rules of a configuration document; throws S3's error for the first thing wrong with it. */
export function lifecycleRulesOf(inputs: LifecycleRuleInput[]): LifecycleRule[] {
  if (inputs.length === 0) throw malformed('a lifecycle configuration needs at least one Rule.');
  if (inputs.length > MAX_LIFECYCLE_RULES) throw new BucketError('InvalidRequest', `A lifecycle configuration can have at most ${MAX_LIFECYCLE_RULES} rules.`);
  const rules = inputs.map(ruleOf);
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new BucketError('InvalidArgument', 'Rule ID must be unique. Found same ID for more than one rule');
    ids.add(rule.id);
  }
  return rules;
}

function ruleOf(input: LifecycleRuleInput): LifecycleRule {
  const id = input.ID === undefined || input.ID === '' ? randomBytes(36).toString('base64url') : input.ID;
  if (id.length > MAX_ID_LENGTH) throw new BucketError('InvalidArgument', `ID length should not exceed allowed limit of ${MAX_ID_LENGTH}`);
  if (input.Status !== 'Enabled' && input.Status !== 'Disabled') throw malformed('Status must be Enabled or Disabled.');
  if (input.Prefix !== undefined && input.Filter !== undefined) throw malformed('a Rule has either a Prefix or a Filter, not both.');
  if (input.Prefix === undefined && input.Filter === undefined) throw malformed('a Rule needs a Filter (or the older Prefix).');
  const { form, filter } = input.Filter === undefined ? { form: 'legacyPrefix' as const, filter: { prefix: input.Prefix } } : filterOf(input.Filter);
  const rule: LifecycleRule = { id, enabled: input.Status === 'Enabled', filterForm: form, filter };

  // Transitions move objects between storage classes; Vigil has one (STANDARD). A bad date is still a bad request.
  for (const transition of [...(input.Transition ?? []), ...(input.NoncurrentVersionTransition ?? [])]) {
    if ('Date' in transition && transition.Date !== undefined) dateOf(transition.Date, 'Transition');
  }
  if ((input.Transition?.length ?? 0) > 0 || (input.NoncurrentVersionTransition?.length ?? 0) > 0) {
    throw new BucketError('NotImplemented', 'Lifecycle transitions are not implemented: Vigil stores every object in one storage class (STANDARD).');
  }

  if (input.Expiration !== undefined) {
    const { Days, Date: date, ExpiredObjectDeleteMarker: marker } = input.Expiration;
    const given = [Days, date, marker].filter((value) => value !== undefined).length;
    if (given === 0) throw malformed('Expiration needs Days, Date or ExpiredObjectDeleteMarker.');
    if (given > 1) throw malformed('Expiration takes one of Days, Date and ExpiredObjectDeleteMarker.');
    if (Days !== undefined) rule.expiration = { days: positiveDays(Days, "'Days' for Expiration action") };
    if (date !== undefined) rule.expiration = { date: dateOf(date, 'Expiration') };
    if (marker !== undefined) {
      if (marker !== 'true' && marker !== 'false') throw malformed('ExpiredObjectDeleteMarker must be true or false.');
      if (marker === 'true' && filter.tags?.length) throw new BucketError('InvalidRequest', 'ExpiredObjectDeleteMarker cannot be specified with a tag-based filter.');
      rule.expiration = { expiredObjectDeleteMarker: marker === 'true' };
    }
  }
  if (input.NoncurrentVersionExpiration !== undefined) {
    const { NoncurrentDays, NewerNoncurrentVersions } = input.NoncurrentVersionExpiration;
    if (NoncurrentDays === undefined) throw malformed('NoncurrentVersionExpiration needs NoncurrentDays.');
    rule.noncurrentVersionExpiration = { noncurrentDays: positiveDays(NoncurrentDays, "'NoncurrentDays' for NoncurrentVersionExpiration action") };
    if (NewerNoncurrentVersions !== undefined) {
      const newer = integerOf(NewerNoncurrentVersions, 'NewerNoncurrentVersions');
      if (newer < 1 || newer > MAX_NEWER_NONCURRENT_VERSIONS) {
        throw new BucketError('InvalidArgument', `NewerNoncurrentVersions must be an integer from 1 to ${MAX_NEWER_NONCURRENT_VERSIONS}.`);
      }
      rule.noncurrentVersionExpiration.newerNoncurrentVersions = newer;
    }
  }
  if (input.AbortIncompleteMultipartUpload !== undefined) {
    const days = input.AbortIncompleteMultipartUpload.DaysAfterInitiation;
    if (days === undefined) throw malformed('AbortIncompleteMultipartUpload needs DaysAfterInitiation.');
    if (filter.tags?.length) throw new BucketError('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with Tags.');
    rule.abortIncompleteMultipartUpload = { daysAfterInitiation: positiveDays(days, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action") };
  }
  if (!rule.expiration && !rule.noncurrentVersionExpiration && !rule.abortIncompleteMultipartUpload) {
    throw new BucketError('InvalidRequest', 'At least one action needs to be specified in a rule.');
  }
  return rule;
}

/** A Filter holds one condition, or And with several; an empty Filter matches every object. */
function filterOf(input: FilterConditionsInput & { And?: FilterConditionsInput }): { form: 'filter' | 'and'; filter: LifecycleFilter } {
  const conditions = [input.Prefix, input.ObjectSizeGreaterThan, input.ObjectSizeLessThan, input.And].filter((value) => value !== undefined).length + (input.Tag?.length ?? 0);
  if (conditions > 1) throw malformed('a Filter holds one condition; use And to combine several.');
  if (input.And !== undefined) return { form: 'and', filter: conditionsOf(input.And) };
  return { form: 'filter', filter: conditionsOf(input) };
}

function conditionsOf(input: FilterConditionsInput): LifecycleFilter {
  const filter: LifecycleFilter = {};
  if (input.Prefix !== undefined) filter.prefix = input.Prefix;
  if (input.Tag?.length) {
    filter.tags = input.Tag.map((tag) => {
      if (tag.Key === undefined || tag.Key === '') throw malformed('a Tag needs a Key.');
      return { key: tag.Key, value: tag.Value ?? '' };
    });
    if (new Set(filter.tags.map((tag) => tag.key)).size !== filter.tags.length) throw new BucketError('InvalidRequest', 'Duplicate Tag Keys are not allowed.');
  }
  if (input.ObjectSizeGreaterThan !== undefined) filter.objectSizeGreaterThan = sizeOf(input.ObjectSizeGreaterThan, 'ObjectSizeGreaterThan');
  if (input.ObjectSizeLessThan !== undefined) filter.objectSizeLessThan = sizeOf(input.ObjectSizeLessThan, 'ObjectSizeLessThan');
  if (filter.objectSizeGreaterThan !== undefined && filter.objectSizeLessThan !== undefined && filter.objectSizeGreaterThan >= filter.objectSizeLessThan) {
    throw new BucketError('InvalidArgument', 'ObjectSizeGreaterThan must be less than ObjectSizeLessThan.');
  }
  return filter;
}

function integerOf(text: string, name: string): number {
  if (!/^[+-]?\d{1,15}$/.test(text)) throw malformed(`${name} must be an integer.`);
  return Number(text);
}

function positiveDays(text: string, what: string): number {
  const days = integerOf(text, what.split("'")[1] ?? what);
  if (days <= 0) throw new BucketError('InvalidArgument', `${what} must be a positive integer`);
  return days;
}

function sizeOf(text: string, name: string): number {
  const size = integerOf(text, name);
  if (size < 0) throw new BucketError('InvalidArgument', `${name} must be a non-negative number of bytes.`);
  return size;
}

/** An ISO 8601 date (or date and time), which S3 wants at midnight UTC; returned as S3 answers it back. */
function dateOf(text: string, action: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2}))?$/.exec(text);
  const time = match ? Date.parse(match[4] ? text : `${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(time)) throw malformed(`the ${action} Date must be an ISO 8601 date.`);
  if (time % 86_400_000 !== 0) throw new BucketError('InvalidArgument', "'Date' must be at midnight GMT");
  return new Date(time).toISOString();
}

/** The rules as GetBucketLifecycleConfiguration's <Rule> elements: each in the shape it was given. */
export function lifecycleRuleElements(rules: LifecycleRule[]): Record<string, unknown>[] {
  return rules.map((rule) => ({
    ID: rule.id,
    Prefix: rule.filterForm === 'legacyPrefix' ? (rule.filter.prefix ?? '') : undefined,
    Filter: rule.filterForm === 'legacyPrefix' ? undefined : rule.filterForm === 'and' ? { And: conditionElements(rule.filter) } : conditionElements(rule.filter),
    Status: rule.enabled ? 'Enabled' : 'Disabled',
    Expiration: rule.expiration && {
      Date: rule.expiration.date,
      Days: rule.expiration.days,
      ExpiredObjectDeleteMarker: rule.expiration.expiredObjectDeleteMarker,
    },
    NoncurrentVersionExpiration: rule.noncurrentVersionExpiration && {
      NoncurrentDays: rule.noncurrentVersionExpiration.noncurrentDays,
      NewerNoncurrentVersions: rule.noncurrentVersionExpiration.newerNoncurrentVersions,
    },
    AbortIncompleteMultipartUpload: rule.abortIncompleteMultipartUpload && { DaysAfterInitiation: rule.abortIncompleteMultipartUpload.daysAfterInitiation },
  }));
}

function conditionElements(filter: LifecycleFilter): Record<string, unknown> {
  return {
    Prefix: filter.prefix,
    Tag: filter.tags?.map((tag) => ({ Key: tag.key, Value: tag.value })),
    ObjectSizeGreaterThan: filter.objectSizeGreaterThan,
    ObjectSizeLessThan: filter.objectSizeLessThan,
  };
}
