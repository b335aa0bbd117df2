import type { ByteRange } from '../../service/buckets.js';
import type { S3Handler } from './call.js';
import { setObjectHeaders } from './objectHeaders.js';

/** GET /bucket/key, with a single byte range (206 + Content-Range) when Range asks for one. */
export const getObject: S3Handler = async (call) => {
  const range = parseRange(call.header('range'));
  const read = await call.services.buckets.getObject(call.bucket, call.key, { versionId: call.query.get('versionId'), range });
  setObjectHeaders(call, read.info, { wholeObject: read.range === undefined });
  call.reply.header('content-length', String(read.size));
  if (read.range) {
    call.reply.code(206).header('content-range', `bytes ${read.range.start}-${read.range.end}/${read.info.size}`);
  } else {
    call.reply.code(200);
  }
  return call.reply.send(read.body);
};

export const headObject: S3Handler = async (call) => {
  const info = await call.services.buckets.headObject(call.bucket, call.key, call.query.get('versionId'));
  setObjectHeaders(call, info, { wholeObject: true });
  return call.reply.code(200).header('content-length', String(info.size)).send();
};

/**
 * One range "bytes=first-last", "bytes=first-" or "bytes=-suffix". Anything else (several ranges,
 * another unit, a malformed value) is ignored as HTTP allows, and the whole object is returned.
 */
export function parseRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') return { suffixLength: Number(match[2]) };
  const first = Number(match[1]);
  if (match[2] === '') return { first };
  const last = Number(match[2]);
  return last < first ? undefined : { first, last };
}
