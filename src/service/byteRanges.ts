import { BucketError } from './bucketErrors.js';

/** A byte range as HTTP Range states it: first-last (last optional), or the last suffixLength bytes. */
export type ByteRange = { first: number; last?: number } | { suffixLength: number };

/** A range against an object's size; InvalidRange when it starts past the end or the object is empty. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  const invalid = () => new BucketError('InvalidRange', 'The requested range is not satisfiable.', undefined, { ActualObjectSize: String(size) });
  if ('suffixLength' in range) {
    if (range.suffixLength === 0 || size === 0) throw invalid();
    return { start: Math.max(0, size - range.suffixLength), end: size - 1 };
  }
  if (range.first >= size) throw invalid();
  return { start: range.first, end: Math.min(range.last ?? size - 1, size - 1) };
}
