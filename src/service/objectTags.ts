import { BucketError } from './bucketErrors.js';

/** An object carries at most 10 tags, as on S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html). */
export const MAX_OBJECT_TAGS = 10;
/** Letters, digits, spaces and + - = . _ : / @ in any language, as S3 allows in tag keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Checks a tag set: at most 10 tags (BadRequest), keys of 1 to 128 characters that are unique and do not start
 * with the reserved "aws:", values of at most 256, both of the allowed characters (InvalidTag).
 */
export function checkObjectTags(tags: [string, string][]): Record<string, string> {
  if (tags.length > MAX_OBJECT_TAGS) throw new BucketError('BadRequest', `Object tags cannot be greater than ${MAX_OBJECT_TAGS}`);
  const checked: Record<string, string> = {};
  for (const [key, value] of tags) {
    const length = (text: string) => [...text].length;
    if (length(key) < 1 || length(key) > 128 || !TAG_TEXT.test(key)) throw new BucketError('InvalidTag', 'The TagKey you have provided is invalid');
    if (length(value) > 256 || !TAG_TEXT.test(value)) throw new BucketError('InvalidTag', 'The TagValue you have provided is invalid');
    if (key.toLowerCase().startsWith('aws:')) throw new BucketError('InvalidTag', 'Your TagKey cannot be prefixed with aws:');
    if (Object.hasOwn(checked, key)) throw new BucketError('InvalidTag', 'Cannot provide multiple Tags with the same key');
    checked[key] = value;
  }
  return checked;
}

/** x-amz-tagging: the tags as a URL query string ("k1=v1&k2=v2"). */
export function tagsOfHeader(header: string): Record<string, string> {
  return checkObjectTags([...new URLSearchParams(header)]);
}
