/** A conditional write (If-Match / If-None-Match: *): the key's current object must (not) be the given one. */
export interface WriteCondition {
  /** The ETag (quoted or not) the current object must have; no object is NoSuchKey. */
  ifMatch?: string;
  /** "*": there must be no object yet. */
  ifNoneMatch?: '*';
}
