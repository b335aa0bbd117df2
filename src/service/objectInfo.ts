import type { ObjectRecord } from '../store/bucketRecords.js';

export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** What GET/HEAD report about an object: its record without the internal blob key, with its content type resolved. */
export interface ObjectInfo extends Omit<ObjectRecord, 'blobKey'> {
  contentType: string;
}

export function infoOf(record: ObjectRecord): ObjectInfo {
  const { blobKey: _blobKey, ...info } = record;
  return { ...info, contentType: record.headers.contentType ?? DEFAULT_CONTENT_TYPE };
}
